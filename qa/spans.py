"""Find candidate answer spans of a given kind inside one sentence.

Pure functions over a sentence string (offsets are local to it). Numbers, percentages
and dates are regular expressions over Chinese and Arabic numerals with measure words;
people, places and organisations combine jieba's part-of-speech tags with the title or
suffix that introduces them in official prose (书记张毅恭, 南安市, 市委常委会); named
programmes and slogans are the text inside quotation marks or book-title marks.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_NUM = r"(?:\d+(?:[.,]\d+)*|[零〇一二两三四五六七八九十百千]+(?:点[零〇一二三四五六七八九]+)?)"
_MAG = r"(?:[十百千万亿]{1,3})?"
_UNIT = (r"(?:个百分点|平方公里|平方米|千瓦时|千米|公里|标箱|万亩|家次|人次|户次|千瓦|兆瓦|小时|分钟|"
         r"[个家人名项次所条座亩吨元户套辆台件场批位支倍米间张篇部款期处栋株棵头只艘架份片宗起天年岁层级种类块顿])")
NUMBER = re.compile(rf"{_NUM}{_MAG}(?:余|多)?{_UNIT}(?!全|会|党代会)|(?<![\d.])\d+(?:\.\d+)?{_MAG}(?![\d.%日月年时点号])")
"""A quantity with its measure word (240个, 5.4万家次, 近百亿元), or a bare figure; not
'八次全会' (a meeting's ordinal) and not the day in '22日'."""
PERCENT = re.compile(r"\d+(?:\.\d+)?\s*%|百分之[\d一二三四五六七八九十点.]+|\d+(?:\.\d+)?个百分点")
DATE = re.compile(r"(?:\d{4}|[〇零一二三四五六七八九]{4})年(?:\d{1,2}月(?:\d{1,2}日)?)?|\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2}")
QUOTED = re.compile(r"“([^“”]{2,40})”|《([^《》]{2,60})》|「([^「」]{2,40})」|\"([^\"]{2,40})\"|『([^『』]{2,40})』")
_TITLE = (r"(?:副?书记|副?市长|副?省长|副?县长|副?区长|副?主任|副?组长|副?主席|副?局长|副?部长|"
          r"记者|通讯员|代表|同志|总书记|秘书长|委员)")
_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
             "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
             "郝龚邵万钱严覃武戴莫孔向汤习欧麻")
PERSON_AFTER_TITLE = re.compile(rf"{_TITLE}\s*([{_SURNAMES}][\u4e00-\u9fff]{{1,2}})")
PERSON_BEFORE_VERB = re.compile(
    rf"(?<![\u4e00-\u9fff])([{_SURNAMES}][\u4e00-\u9fff]{{1,2}}?)(?=在|受|代表|作|讲话|主持|指出|表示|强调|出席|同志|等)")
"""A name opening a clause and followed by what officials do (蔡战胜在…会议上)."""
_NAME_STOP = set("讲话在到受出作和与等代主同向说表指强要是为对就从参率会席督导")
PLACE = re.compile(r"[\u4e00-\u9fff]{1,6}?(?:市|县|区|省|镇|乡|村|岛|湾|港|新区|园区|半岛)(?![\u4e00-\u9fff]{0,1}[委长])")
ORG = re.compile(r"[\u4e00-\u9fff]{1,12}?(?:委员会|常委会|人民政府|政府|人大常委会|人大|政协|纪委|监委|办公室|"
                 r"督导组|领导小组|局|厅|学院|大学|中心|集团|公司|协会|法院|检察院|研究院)")


@dataclass(frozen=True)
class Span:
    """A candidate answer: [start, end) within the sentence, and its kind."""

    start: int
    end: int
    kind: str


def find_spans(sentence: str, kind: str) -> list[Span]:
    """Every span of `kind` in `sentence` (kinds as in `questions.ANSWER_TYPES`)."""
    finder = _FINDERS.get(kind)
    return finder(sentence) if finder else []


def _regex_spans(pattern: re.Pattern, kind: str, sentence: str) -> list[Span]:
    spans = []
    for match in pattern.finditer(sentence):
        group = next((g for g in range(1, (match.lastindex or 0) + 1) if match.group(g)), 0)
        if match.end(group) > match.start(group):
            spans.append(Span(match.start(group), match.end(group), kind))
    return spans


def number_spans(sentence: str) -> list[Span]:
    return [s for s in _regex_spans(NUMBER, "number", sentence) if not _is_ordinal(sentence, s)]


def _is_ordinal(sentence: str, span: Span) -> bool:
    """'第一', '十三届' style counters and bare years are not quantities."""
    text = sentence[span.start:span.end]
    return sentence[max(0, span.start - 1):span.start] == "第" or bool(re.fullmatch(r"(19|20)\d{2}年?", text))


def person_spans(sentence: str) -> list[Span]:
    spans = []
    for match in PERSON_AFTER_TITLE.finditer(sentence):
        name = match.group(1)
        if len(name) == 3 and name[2] in _NAME_STOP:
            name = name[:2]
        spans.append(Span(match.start(1), match.start(1) + len(name), "person"))
    for match in PERSON_BEFORE_VERB.finditer(sentence):
        if not any(s.start <= match.start(1) < s.end for s in spans):
            spans.append(Span(match.start(1), match.end(1), "person"))
    for word, start in tagged_words(sentence, ("nr", "nrfg")):
        if looks_like_name(word) and not any(s.start <= start < s.end for s in spans):
            spans.append(Span(start, start + len(word), "person"))
    return spans


def looks_like_name(word: str) -> bool:
    """jieba's 'nr' tag, kept only for 2-3 characters led by a surname and not one of the
    dictionary's common words it also tags nr (弘扬, 高水平)."""
    import jieba.posseg as pseg

    known = pseg.dt.word_tag_tab.get(word)
    return 2 <= len(word) <= 3 and word[0] in _SURNAMES and known in (None, "nrfg")


def trim_leading_words(sentence: str, span: Span) -> Span:
    """Shrink a regex match to the run of nominal words that ends it (市委常委会, not
    市委书记陈伟俊代表市委常委会): walk left from the end over nouns and names only."""
    words, offset = [], 0
    for word, flag in _cut(sentence):
        words.append((offset, offset + len(word), word, flag))
        offset += len(word)
    start = span.end
    for w_start, w_end, word, flag in reversed(words):
        if w_end > span.end:
            continue
        if w_start < span.start or (start < span.end and (flag[:1] not in _NAME_FLAGS
                                                           or flag == "nr" or word in _GENERIC_NOUNS)):
            break
        start = w_start
    start = max(start, span.start)
    return Span(start, span.end, span.kind) if span.end - start >= 2 else span


_NAME_FLAGS = set("njs")
_GENERIC_NOUNS = {"全会", "会议", "大会", "全市", "全省", "全国", "我们", "这次", "本次"}


@functools.lru_cache(maxsize=4096)
def _cut(text: str) -> tuple[tuple[str, str], ...]:
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(60)
    return tuple((p.word, p.flag) for p in pseg.cut(text))


def place_spans(sentence: str) -> list[Span]:
    spans = [trim_leading_words(sentence, s) for s in _regex_spans(PLACE, "place", sentence)]
    for word, start in tagged_words(sentence, ("ns",)):
        if len(word) >= 2 and not any(s.start <= start < s.end for s in spans):
            spans.append(Span(start, start + len(word), "place"))
    return spans


def org_spans(sentence: str) -> list[Span]:
    spans = [trim_leading_words(sentence, s) for s in _regex_spans(ORG, "org", sentence)]
    for word, start in tagged_words(sentence, ("nt",)):
        if not any(s.start <= start < s.end for s in spans):
            spans.append(Span(start, start + len(word), "org"))
    return spans


def clause_spans(sentence: str) -> list[Span]:
    """The sentence's clauses (between commas, semicolons and colons), trimmed."""
    from .chunking import clause_offsets

    return [Span(start, end, "explain") for start, end in clause_offsets(sentence)]


@functools.lru_cache(maxsize=4096)
def tagged_words(sentence: str, tags: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """Words jieba tags with one of `tags`, with their start offsets."""
    out, offset = [], 0
    for word, flag in _cut(sentence):
        if flag in tags:
            out.append((word, offset))
        offset += len(word)
    return tuple(out)


_FINDERS = {
    "number": number_spans,
    "percent": lambda s: _regex_spans(PERCENT, "percent", s),
    "date": lambda s: _regex_spans(DATE, "date", s),
    "person": person_spans,
    "place": place_spans,
    "org": org_spans,
    "phrase": lambda s: _regex_spans(QUOTED, "phrase", s),
    "explain": clause_spans,
}
