"""Decide which parts of a document are report text, without ever changing the text.

Web copies of reports carry navigation trails, reader counters, copyright footers and
share prompts. They are recognised line by line with a short list of patterns (short
lines only, so a sentence that merely mentions 转载 is kept), and left out of the index. Lines broken in the middle of a sentence are joined for chunking
by swapping the line break for spaces of the same length, so offsets never move.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BOILERPLATE_LINE_CHARS = 90
"""Only lines at most this long can be boilerplate; longer ones are report text."""

TITLE_CHARS = 60
"""Titles longer than this are cut at their first sentence end or at this length."""

LEAD_TITLE_CHARS = 40
"""A lead sentence at most this long (a news report's first line, '…全会举行。') names the
report; a longer one is cut to its first clause."""

_SENTENCE_MARKS = re.compile(r"[。！？!?]")
_CLAUSE_MARKS = re.compile(r"[,，;；:：]")
_DATELINE = re.compile(
    r"^\s*(?:[\u4e00-\u9fff]{1,8}(?:讯|訊)[：:\s]*)?"
    r"(?:(?:今天|今日|昨天|昨日|前天|日前|近日|近期|當天|当天|本周|本週|上周|上週)"
    r"|(?:\d{4}年)?\d{1,2}月\d{1,2}日)?"
    r"\s*(?:[(（][^)）]{1,12}[)）])?\s*(?:上午|下午|晚上|晚間|晚间|早上|凌晨)?\s*[,，、]?\s*")
"""What opens a news lead before its subject: a wire credit ('温州网讯'), a day ('今天',
'7月22日') with its date in brackets, a time of day ('上午') and the comma after them."""

_NAVIGATION = re.compile(r"(当前的?位置|當前的?位置|首页\s*[>›»]|首頁\s*[>›»]|([>›»][^>›»\n]*){3,})")
_BOILERPLATE = re.compile(
    r"(阅读人数|閱讀人數|阅读数|浏览次数|版权所有|版權所有|未经许可|未經許可|不得转载|不得轉載|转载|轉載|"
    r"本网站|本網站|本网|本網|点击|點擊|邮箱|郵箱|e-?mail|copyright|©|扫码|掃碼|扫一扫|掃一掃|二维码|二維碼|"
    r"上一篇|下一篇|责任编辑|責任編輯|分享到)",
    re.IGNORECASE,
)
"""Web furniture: counters, copyright and reposting notices, share and QR prompts. Credit
lines (来源, 记者, 通讯员, 一审) are kept: who reported a meeting is a fair question."""
_SENTENCE_END = tuple("。！？；!?;：:”’」』）)】》…")


@dataclass(frozen=True)
class Line:
    """A line of the original text: [start, end) without its newline."""

    start: int
    end: int
    text: str


def split_lines(text: str) -> list[Line]:
    """Every line with its offsets (a trailing '\\r' stays out of the span)."""
    lines, start = [], 0
    for raw in text.split("\n"):
        body = raw.rstrip("\r")
        lines.append(Line(start, start + len(body), body))
        start += len(raw) + 1
    return lines


def is_boilerplate(line: str) -> bool:
    """True for navigation trails, counters, credits and copyright lines."""
    stripped = line.strip()
    if not stripped:
        return False
    if _NAVIGATION.search(stripped):
        return True
    return len(stripped) <= BOILERPLATE_LINE_CHARS and bool(_BOILERPLATE.search(stripped))


def find_content_regions(text: str) -> list[tuple[int, int]]:
    """Maximal runs of report lines (blank lines inside allowed), as (start, end) offsets."""
    regions: list[tuple[int, int]] = []
    current: list[int] | None = None
    for line in split_lines(text):
        if not line.text.strip():
            continue
        if is_boilerplate(line.text):
            current = None
            continue
        if current is None:
            current = [line.start, line.end]
            regions.append((0, 0))
        current[1] = line.end
        regions[-1] = (current[0], current[1])
    return regions


def join_broken_lines(text: str) -> str:
    """`text` of the same length with mid-sentence line breaks replaced by spaces.

    A break is mid-sentence when the line before it does not end a sentence and the
    line after it does not start a heading or list item. Used only to guide chunking.
    """
    pieces = re.split(r"(\s*\n\s*)", text)
    out = []
    for i, piece in enumerate(pieces):
        if i % 2 == 1 and _joins(pieces[i - 1], pieces[i + 1] if i + 1 < len(pieces) else ""):
            piece = " " * len(piece)
        out.append(piece)
    return "".join(out)


_HEADING_START = re.compile(r"^\s*([一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．]|[#*•\-])")


def _joins(before: str, after: str) -> bool:
    before, after = before.rstrip(), after.lstrip()
    if not before or not after:
        return False
    return not before.endswith(_SENTENCE_END) and not _HEADING_START.match(after) and len(before) > 20


def find_title(text: str, fallback: str, given: str | None = None) -> str:
    """The name a person knows the report by.

    A title the file carries (`given`: a PDF's or DOCX's title property) comes first. Else
    the first report line when it reads as a headline (no sentence end in it: '市委十二届十一
    次全体(扩大)会议举行'). Else the line is a news lead or an article's first sentence: its
    opening dateline goes ('今天(22日)上午,'), and a short first sentence names the report
    ('中共泉州市委十三届九次全会举行'); a long one gives its first clause and an ellipsis.
    `fallback` (the file name) when there is no text.
    """
    if given and given.strip() and len(given.strip()) <= TITLE_CHARS * 2:
        return _cut(given.strip())
    regions = find_content_regions(text)
    if not regions:
        return fallback
    first_line = text[regions[0][0]:regions[0][1]].split("\n", 1)[0].strip()
    if not _SENTENCE_MARKS.search(first_line.rstrip("。！？!?")) and not first_line.endswith(("。", "！", "？")):
        return _cut(first_line)
    lead = _DATELINE.sub("", first_line, count=1) or first_line
    end = _SENTENCE_MARKS.search(lead)
    sentence = lead[:end.start()] if end else lead
    if len(sentence) <= LEAD_TITLE_CHARS:
        return sentence
    clause = _CLAUSE_MARKS.search(sentence)
    if clause and 6 <= clause.start() <= TITLE_CHARS:
        return sentence[:clause.start()] + "…"
    return _cut(sentence)


def _cut(title: str) -> str:
    return title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS] + "…"
