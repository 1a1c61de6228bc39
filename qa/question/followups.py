"""Follow-up questions read as the standalone questions they mean.

In a conversation people leave out what was said before: "那2024年的目标呢？", "副书记呢？",
"And of Lishui?", "How many full members attended?". `standalone_question` writes such a
follow-up out in full from the earlier turns, deterministically, so the rest of the
pipeline answers one standalone question as always:

- a question that names its own place or meeting and does not point back (no 呢 or 那, no
  'and' or 'what about', no pronoun) stands on its own and is left untouched: a new topic
  inherits nothing;
- an elliptical question ("X呢？", "And X?", "What about X?", or one that holds nothing but a
  place, a meeting or a year) is the previous question with what X names put in: a place
  (the old place's meeting numbers dropped with it), a meeting, a year, a role (副书记 for
  书记), or else the thing asked about (固定资产投资 for 地区生产总值);
- any other follow-up gets the place, meeting and year of the previous question that it
  lacks (the year only when both ask about the same kind of figure: a target, or what was
  done), and its pronouns resolved: 他/她 to the person last answered or named, 该全会/那次会
  to the meeting, 该市 to the place, 其中 and 它们 to the previous answer (其中 after a
  figure: to the thing it counted).

Each earlier turn is itself read this way first, so a chain of follow-ups keeps its thread.
Carried words are written in the follow-up's script: Traditional or Simplified, and for an
English follow-up, romanised places and English meeting names, in brackets after it: its
pronouns are left as asked, as the reader reads them best that way (measured on the dev
dialogues).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from ..textnorm import normalise_for_matching, to_simplified, to_traditional
from .glossary import chinese_numeral
from .names import chinese_names, romanised, tagged
from .questions import YEAR, Question, analyse_question
from .terms import CHINESE_INTERROGATIVES


@dataclass(frozen=True)
class Turn:
    """One earlier turn of a conversation: what was asked and the answer given (None when
    the assistant did not find one)."""

    question: str
    answer: str | None = None


@dataclass(frozen=True)
class Meeting:
    """A meeting a question names: its term (届) and session (次), a plenum of the Party
    committee or a session of the people's congress (人大)."""

    term: int | None
    session: int | None
    congress: bool = False

    def chinese(self) -> str:
        """'十三届九次全会', '十七届人大三次会议'."""
        term = f"{chinese_numeral(self.term)}届" if self.term else ""
        session = f"{chinese_numeral(self.session)}次" if self.session else ""
        return f"{term}人大{session}会议" if self.congress else f"{term}{session}全会"

    def english(self) -> str:
        """'the 13th-term 9th plenum', 'the 3rd session of the 17th people's congress'."""
        if self.congress:
            return f"the {_ordinal(self.session)} session of the {_ordinal(self.term)} people's congress"
        term = f"{_ordinal(self.term)}-term " if self.term else ""
        return f"the {term}{_ordinal(self.session) + ' ' if self.session else ''}plenum"


@dataclass(frozen=True)
class Context:
    """What a conversation has named so far, read from its last standalone question."""

    question: str
    """The last question, as answered (written out in full)."""
    parsed: Question
    places: tuple[str, ...]
    """Places it names, in Simplified Chinese."""
    meeting: Meeting | None
    meeting_text: str | None
    """The meeting as the question wrote it ('市委十三届九次全会', 'the 13th-term 9th plenum')."""
    person: str | None
    """The person last answered or named."""
    answer: str | None


ChineseOf = Callable[[str], "str | None"]
"""Maps a romanised name (Quanzhou) to the Chinese the reports write it in (泉州), or None."""


def standalone_question(question: str, history: Sequence[Turn], chinese_of: ChineseOf) -> str:
    """`question` as the standalone question it means after `history` (oldest turn first);
    `question` itself when it stands on its own or there is no history."""
    context = None
    for turn in history:
        context = read_context(rewrite(turn.question, context, chinese_of), turn.answer, context, chinese_of)
    return rewrite(question, context, chinese_of)


def read_context(question: str, answer: str | None, before: Context | None, chinese_of: ChineseOf) -> Context:
    """The conversation's context after `question` (standalone) was answered with `answer`."""
    parsed = analyse_question(question)
    places, meeting, meeting_text = read_slots(question, parsed, chinese_of)
    if before and parsed.language != "en":  # the tagger may miss a place it found before ('温州常住人口')
        places = tuple(dict.fromkeys([*places, *(p for p in before.places if p in parsed.normalised)]))
    person = answer if answer and parsed.answer_type == "person" else (before.person if before else None)
    for latin in parsed.latin_names:  # an English question names a person by pinyin
        chinese = chinese_of(latin)
        if chinese and chinese not in places and not chinese_names(chinese, ("ns",)):
            person = chinese
    return Context(question, parsed, places, meeting, meeting_text, person, answer)


def meetings_in(norm: str) -> list[Meeting]:
    """Every meeting a normalised Chinese text names with its session ('市委十三届八次全会')."""
    return [Meeting(_chinese_number(m["term"]), _chinese_number(m["session"]), m["congress"] == "人大")
            for m in _ZH_MEETING.finditer(norm) if m["session"]]


def read_slots(text: str, parsed: Question, chinese_of: ChineseOf) -> tuple[tuple[str, ...], Meeting | None, str | None]:
    """(places in Simplified Chinese, meeting, the meeting as written) of one question."""
    if parsed.language == "en":
        places = []
        for latin in parsed.latin_names:
            chinese = chinese_of(latin)
            if chinese and chinese_names(chinese, ("ns",)):
                places.append(chinese)
        found = _EN_MEETING.search(text)
        return tuple(dict.fromkeys(places)), _english_meeting(found.group()) if found else None, \
            found.group() if found else None
    places = chinese_names(parsed.normalised, ("ns",))
    found = _ZH_MEETING.search(parsed.normalised)
    if not found:
        return places, None, None
    meeting = Meeting(_chinese_number(found["term"]), _chinese_number(found["session"]), found["congress"] == "人大")
    return places, meeting, text[found.start():found.end()]


def rewrite(question: str, context: Context | None, chinese_of: ChineseOf) -> str:
    """`question` written out in full from `context` (see the module's rules)."""
    if context is None:
        return question
    parsed = analyse_question(question)
    places, meeting, _ = read_slots(question, parsed, chinese_of)
    english = parsed.language == "en"
    back = points_back(parsed)
    if (places or meeting) and not back and not _thin(parsed, english):
        return question  # names its own place or meeting: a new topic, nothing carried
    ellipsis = elliptical(question, parsed)
    if ellipsis is not None:
        filled = fill_in(context, ellipsis, chinese_of)
        return _in_script(filled, parsed.language) if filled else question
    return carry_over(question, parsed, places, meeting, context)


def points_back(parsed: Question) -> bool:
    """Whether a question refers to an earlier turn: opens with 那/and/what about, asks
    '…呢', or holds a pronoun."""
    if parsed.language == "en":
        return bool(_EN_LEAD.match(parsed.normalised) or _EN_PRONOUN.search(parsed.normalised))
    return bool(_ZH_LEAD.match(parsed.normalised) or "呢" in parsed.normalised
                or _ZH_PRONOUN.search(parsed.normalised))


def elliptical(question: str, parsed: Question) -> str | None:
    """What an elliptical follow-up names ('丽水那次全会' of '丽水那次全会呢？', 'of Lishui' of
    'And of Lishui?'), or None when it is a question of its own."""
    if parsed.language == "en":
        lead = _EN_LEAD.match(question)
        rest = question[lead.end():] if lead else question
        rest = rest.strip(" ?？.!,")
        if (lead or _thin(parsed, True)) and rest and not _EN_ASKS.search(rest.lower()):
            return rest
        return None
    norm = parsed.normalised.strip(" ?？!！。.，,")
    bare = norm.endswith("呢")
    core = question.strip(" ?？!！。.，,")
    core = core[:len(core) - 1] if bare else core
    lead = _ZH_LEAD.match(normalise_for_matching(core))
    core = core[lead.end():] if lead else core
    if bare and core and not _ZH_ASKS.search(normalise_for_matching(core)):
        return core.rstrip("的")
    if _thin(parsed, False):
        return _ZH_ASKS_TAIL.sub("", core) or None
    return None


def fill_in(context: Context, ellipsis: str, chinese_of: ChineseOf) -> str | None:
    """The previous question with what `ellipsis` names put in its place, in the previous
    question's language; None when nothing fits."""
    parsed = analyse_question(ellipsis) if any(c.isalnum() for c in ellipsis) else None
    if parsed is None:
        return None
    places, meeting, meeting_text = read_slots(ellipsis, parsed, chinese_of)
    english = context.parsed.language == "en"
    relative = _RELATIVE_YEAR.search(ellipsis)
    years = parsed.years or ((relative.group(),) if relative else ())
    role = _role(ellipsis, parsed.language == "en")
    out = context.question
    if places and set(places) != set(context.places):
        out = _put_places(out, context, places, meeting, english)
    elif meeting and context.meeting_text:
        out = out.replace(context.meeting_text, _meeting_in(meeting, meeting_text, english), 1)
    if years:
        out = _put_years(out, years, english)
    if role:
        out = _put_role(out, context, role, english)
    if places or meeting or years or role:
        leftover = _leftover(ellipsis, parsed, places, meeting_text, role)
        return _with_leftover(out, leftover, english) if leftover else out
    return _put_measure(context, ellipsis, english)


def carry_over(question: str, parsed: Question, places, meeting, context: Context) -> str:
    """The follow-up with its pronouns resolved and the place, meeting and year it lacks
    from `context` added (before a Chinese question, in brackets after an English one)."""
    english = parsed.language == "en"
    same_place = not places or set(places) <= set(context.places)
    carried_meeting = bool(context.meeting) and same_place and not meeting
    own_time = parsed.years or (_EN_TIME if english else _ZH_TIME).search(parsed.normalised)
    compatible = parsed.intent in (None, context.parsed.intent)
    carry = []
    if not places and context.places:
        carry += [romanised(p) if english else p for p in context.places]
    if carried_meeting:
        carry.append(_meeting_in(context.meeting, context.meeting_text, english))
    if context.parsed.years and same_place and not own_time and compatible:
        carry += [f"in {y}" if english else f"{y}年" for y in context.parsed.years]
    if english:
        text = _EN_LEAD.sub("", question, count=1)
        text = text[:1].upper() + text[1:]
        carry = [c for i, c in enumerate(carry) if not any(c in later for later in carry[i + 1:])]
        carry = [c for c in carry if c.lower() not in text.lower()]
        return f"{text.rstrip(' ?？')} ({', '.join(carry)})?" if carry else question
    text = _resolve_chinese(question, parsed, context)
    lead = _ZH_LEAD.match(normalise_for_matching(text))
    text = text[lead.end():] if lead else text
    said = normalise_for_matching(text)
    carry = [c for c in carry if normalise_for_matching(c) not in said]
    prefix = _join_chinese(carry)
    if prefix and parsed.language == "zh-Hant":
        prefix = to_traditional(prefix)
    return prefix + text


# --- the pieces -------------------------------------------------------------------------

_ZH_NUMERAL = "[一二三四五六七八九十]{1,3}"
_ZH_MEETING = re.compile(
    rf"(?:市委|省委|县委|区委|市)?第?(?P<term>{_ZH_NUMERAL})届(?P<congress>人大|政协)?第?"
    rf"(?:(?P<session>{_ZH_NUMERAL})[次中])?(?:全体\s*(?:\(扩大\))?\s*会议|全会|会议)?")
_ORDINAL_WORDS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
                  "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth").split()
_ORD = r"(?:\d{1,2}(?:st|nd|rd|th)|(?i:" + "|".join(_ORDINAL_WORDS) + r")\b)"
_EN_MEETING = re.compile(
    rf"(?:the\s+)?(?:[A-Z][a-z]+(?:'s)?\s+)?{_ORD}(?:[-\s]term)?(?:\s+{_ORD})?\s+"
    rf"(?i:plenary session|plenum|plenary meeting|session)(?:\s+of\s+(?:the\s+)?(?:[A-Z][a-z]+(?:'s)?\s+)?"
    rf"{_ORD}(?:\s+[A-Za-z']+){{0,4}}?\s+(?:[Cc]ommittee|[Cc]ongress))?")
_ZH_LEAD = re.compile(r"^(?:那么|那|而|还有|另外|至于|再问一下|再问)")
_EN_LEAD = re.compile(r"^(?:and\s+what\s+about|and\s+how\s+about|what\s+about|how\s+about|and|also|then|so)\b[\s,]*",
                      re.IGNORECASE)
_ZH_PRONOUN = re.compile(r"(?<!其)[他她它](?!乡|国|人|方|日|山)|(?<!应)该|其中|其[余他]|此次|这次|那次|本次|这个|那个|那边|会上|上述")
_EN_PRONOUN = re.compile(r"\b(?:he|she|him|his|her|it|its|they|their|them|there|the city'?s?|the same)\b")
_ZH_ASKS = re.compile(r"多少|几|什么|谁|哪|何|如何|怎|是否|吗|\?|？")
_ZH_ASKS_TAIL = re.compile(r"(?:又|的|呢)*(?:是|有|为)?(?:多少|哪?几[个名人家项次位]?|谁|哪一?天|什么时候|什么|哪[些个位])[了呢]?$")
_EN_ASKS = re.compile(r"\b(?:who|whom|whose|what|when|where|which|how|why|is|are|was|were|did|does|do|has|have|had)\b")
_EN_DANGLING = re.compile(r"\s+(?:according to|in|at|on|of|from|during|by|the|report|article|story|about)(?=\s*[?,.]?\s*$)",
                          re.IGNORECASE)
_RELATIVE_YEAR = re.compile(r"今年|明年|去年|(?i:\b(?:this|next|last) year\b)")
_ZH_TIME = re.compile(r"今年|明年|去年|前年|当年|目前|现在|截至|截止|以来|年来")
_EN_TIME = re.compile(r"\b(?:this|next|last) year\b|\bnow\b|\bcurrently\b|\bso far\b|\bto date\b|\bin total\b")
_ZH_ROLE = re.compile(r"(?:(?:市委|省委|县委|区委|市|省委督导组)?(?:候补|常务|副)?"
                      r"(?:书记|市长|县长|区长|省长|组长|主任|主席|委员(?!会)|代表|常委(?!会)|部长|秘书长|记者|通讯员))")
_EN_ROLE = re.compile(r"\b(?:(?:deputy|vice|alternate|full|standing)\s+)?(?:(?:party\s+)?secretar(?:y|ies)|mayors?|governors?|"
                      r"(?:team\s+)?leaders?|members?|reporters?|correspondents?|chairm[ae]n|directors?)\b")


def _chinese_number(text: str | None) -> int | None:
    """十三 → 13, 二十一 → 21, 九 → 9 (the numerals meeting names use)."""
    if not text:
        return None
    digits = "一二三四五六七八九"
    if "十" not in text:
        return digits.index(text) + 1 if len(text) == 1 and text in digits else None
    tens, _, ones = text.partition("十")
    return (digits.index(tens) + 1 if tens else 1) * 10 + (digits.index(ones) + 1 if ones else 0)


def _ordinal(n: int | None) -> str:
    if n is None:
        return ""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _english_meeting(phrase: str) -> Meeting:
    """The term and session an English meeting phrase names ('the 9th plenary session of
    the 13th … committee', 'the 13th-term 9th plenum', '11th plenum of the 12th committee',
    'the fourth session of the 17th … congress')."""
    term = session = None
    for found in re.finditer(rf"({_ORD})([-\s]term|\s+(?i:plenary|plenum|session))?", phrase):
        digits = re.match(r"\d+", found.group(1))
        n = int(digits.group()) if digits else _ORDINAL_WORDS.index(found.group(1).lower()) + 1
        kind = (found.group(2) or "").strip(" -")
        if kind == "term":
            term = n
        elif kind and session is None:
            session = n
        elif term is None:
            term = n
        else:
            session = session or n
    return Meeting(term, session, "congress" in phrase.lower())


def _meeting_in(meeting: Meeting, written: str | None, english: bool) -> str:
    """The meeting in the language of the question it goes into (as written when it was
    written in that language)."""
    written_english = written is not None and not re.search(r"[\u3400-\u9fff]", written)
    if written and written_english == english:
        return written
    return meeting.english() if english else meeting.chinese()


def _join_chinese(parts: list[str]) -> str:
    """Chinese prefixes joined without repeating a word ('泉州' + '市委十三届九次全会')."""
    out = ""
    for part in parts:
        if part not in out:
            out += part
    return out


def _thin(parsed: Question, english: bool) -> bool:
    """Whether a question holds nothing of its own beyond a place, meeting, year and the
    question words ('泉州2022年是多少？', '温州十二届十一次全会上是谁？')."""
    if english:
        return False
    rest = _ZH_LEAD.sub("", _ZH_MEETING.sub("", parsed.normalised))
    for name in chinese_names(parsed.normalised, ("ns",)):
        rest = rest.replace(name, "")
    rest = re.sub(YEAR + r"年?|[上的呢了又]|是|有|为", "", rest)
    rest = _ZH_ASKS_TAIL.sub("", rest.strip(" ?？!！。.，,"))
    return not re.search(r"[\u3400-\u9fff]", rest)


def _in_script(text: str, language: str) -> str:
    if language == "zh-Hant":
        return to_traditional(text)
    if language == "zh-Hans":
        return to_simplified(text)
    return text


def _resolve_chinese(question: str, parsed: Question, context: Context) -> str:
    """A Chinese follow-up with its pronouns replaced by what they stand for."""
    norm = parsed.normalised
    out, last = [], 0
    for found in re.finditer(r"(?:该|这次|那次|本次|此次|这个|那个)(?:全会|会议|会)|会上|"
                             r"他们|她们|它们|(?<!其)[他她](?!乡|国|人|方|日|山)|其中|该市|该城市|这座城市|"
                             r"该(?:文件|决定|建议|报告|决议|意见|方案|工程|行动)|这[份一](?:文件|决定|建议)", norm):
        word = found.group()
        if word in ("他", "她") and context.person:
            sub = context.person
        elif word in ("他们", "她们", "它们") and (context.answer or context.person):
            sub = context.answer or context.person
        elif word == "其中" and (context.answer or _topic(context)):
            sub = (context.answer if context.answer and not re.search(r"\d", context.answer) else _topic(context)) + "中"
        elif word in ("该市", "该城市", "这座城市") and context.places:
            sub = context.places[0]
        elif word == "会上" and context.meeting:
            sub = _meeting_in(context.meeting, context.meeting_text, False) + "上"
        elif word.endswith(("全会", "会议", "会")) and context.meeting:
            sub = (context.places[0] if context.places else "") + _meeting_in(context.meeting, context.meeting_text, False)
        elif word.startswith(("该", "这")) and context.answer and context.parsed.answer_type in ("phrase", "org"):
            sub = context.answer
        else:
            continue
        out += [question[last:found.start()], sub]
        last = found.end()
    return "".join(out) + question[last:]


def _role(text: str, english: bool) -> str | None:
    found = (_EN_ROLE.search(text.lower()) if english else _ZH_ROLE.search(normalise_for_matching(text)))
    return text[found.start():found.end()] if found else None


def _put_places(out: str, context: Context, places, meeting: Meeting | None, english: bool) -> str:
    """`out` with the context's place replaced by `places`; the old meeting's numbers go with
    the old place (or give way to the one named)."""
    new = [romanised(p) for p in places] if english else list(places)
    if context.meeting_text and context.meeting_text in out:
        if meeting:
            swap = _meeting_in(meeting, None, english)
        elif english:  # the phrase goes, with the words that led to it ('according to the report on')
            out = out.replace(context.meeting_text, "", 1)
            while (trimmed := _EN_DANGLING.sub("", out)) != out:
                out = trimmed
            out = re.sub(r"\s+([?,.])", r"\1", out)
            swap = None
        else:
            swap = "人大会议" if context.meeting.congress else (
                "市委全会" if context.meeting_text.startswith("市委") else "全会")
        out = out.replace(context.meeting_text, swap, 1) if swap is not None else out
    olds = [romanised(p) for p in context.places] if english else \
        [p for p in context.places if p in normalise_for_matching(out)]
    placed = False
    for old in olds:
        if english:
            pattern = re.compile(rf"\b{re.escape(old)}\b")
            if pattern.search(out):
                out = pattern.sub(new[0], out, count=1) if not placed else pattern.sub("", out)
                placed = True
        else:
            at = normalise_for_matching(out).find(old)
            if at >= 0:
                out = out[:at] + ("" if placed else new[0]) + out[at + len(old):]
                placed = True
    if not placed:
        out = f"{out.rstrip(' ?？')} in {new[0]}?" if english else new[0] + out
    return out


def _put_years(out: str, years, english: bool) -> str:
    """`out` asking about `years` (or 今年, 'this year') instead of its own year."""
    if not years[0].isdigit():
        relative = years[0]
        found = re.search(r"\bin\s+" + YEAR if english else YEAR + "年", out)
        if found:
            return out[:found.start()] + relative + out[found.end():]
        return f"{out.rstrip(' ?？')} {relative}?" if english else relative + out
    olds = re.findall(YEAR + r"(?!\d)", out)
    if olds:
        for old, new in zip(olds, years):
            out = out.replace(old, new, 1)
        return out
    return f"{out.rstrip(' ?？')} in {years[0]}?" if english else f"{years[0]}年{out}"


def _put_role(out: str, context: Context, role: str, english: bool) -> str:
    found = (_EN_ROLE.search(out.lower()) if english else _ZH_ROLE.search(normalise_for_matching(out)))
    if found:
        return out[:found.start()] + role + out[found.end():]
    if english:
        return f"Who is the {role}" + (f" of {romanised(context.places[0])}" if context.places else "") + "?"
    return (context.places[0] if context.places else "") + f"{role}是谁？"


def _leftover(ellipsis: str, parsed: Question, places, meeting_text, role) -> str:
    """What an elliptical follow-up says beyond its place, meeting, year and role ('目标' of
    '2024年的目标呢'), demonstratives and 的 dropped."""
    if parsed.language == "en":
        rest = ellipsis
        rest = _RELATIVE_YEAR.sub(" ", rest)
        for word in [meeting_text or "", *parsed.latin_names, *(parsed.years), role or ""]:
            rest = rest.replace(word, " ") if word else rest
        rest = re.sub(r"'s\b|\b(?:of|at|in|for|on|the|a|an|and|its|one|ones|that|this|there)\b|[^\w\s]", " ", rest)
        return " ".join(rest.split())
    norm = normalise_for_matching(ellipsis)
    keep = [True] * len(norm)
    spans = [(m.start(), m.end()) for m in re.finditer(YEAR + r"年?|" + _RELATIVE_YEAR.pattern, norm)]
    spans += [(m.start(), m.end()) for m in _ZH_MEETING.finditer(norm) if m.group()]
    for word in [*places, *([normalise_for_matching(role)] if role else [])]:
        at = norm.find(word)
        if at >= 0:
            spans.append((at, at + len(word)))
    for start, end in spans:
        keep[start:end] = [False] * (end - start)
    rest = "".join(c for c, k in zip(ellipsis, keep) if k)
    rest = re.sub(r"那次|这次|该次|那边|这边|那个|这个|全会|会议|[那这的呢]", "", rest)
    return rest.strip(" ,，、")


def _with_leftover(out: str, leftover: str, english: bool) -> str:
    if not re.search(r"[\u3400-\u9fffA-Za-z]", leftover):
        return out
    stem = out.rstrip(" ?？")
    return f"{stem} ({leftover})?" if english else f"{stem}（{leftover}）？"


_PREDICATE = {"v", "vn", "d", "p", "ul", "uj", "uz", "ug", "f", "m", "q", "y", "c", "r", "vd", "ad", "x"}
_NOUNISH = {"n", "nz", "nt", "j", "nr", "ng", "l", "an", "b", "nrt", "nrfg", "eng", "a", "vn", "k", "i"}
_EN_OBJECT = re.compile(r"\b(for|of|on|in)\s+(?:the\s+)?(?!\d)(.+?)(?=\s+(?:in|by|at|during|since|to|from)\s+|\s*\?|$)")


def _put_measure(context: Context, ellipsis: str, english: bool) -> str:
    """The previous question asked about `ellipsis` instead of what it asked about: the
    noun run before its question word ('地区生产总值' of '…地区生产总值预期增长多少'), or the
    one after it ('基层党组织' of '有多少个基层党组织'), as much of its end as `ellipsis` is
    long ('资产总额' of '国有企业资产总额' for '利润总额'); with no such run, `ellipsis` goes
    after the question word. For an English question: the object of its last 'for/of'."""
    question = context.question
    if english:
        thing = re.sub(r"^(?:for|of|on|in)\s+(?:the\s+)?", "", ellipsis.strip(), flags=re.IGNORECASE)
        found = None
        for found in _EN_OBJECT.finditer(question):
            pass
        if found and not re.search(r"[A-Z]", found.group(2)[:1]):
            return question[:found.start(2)] + thing + question[found.end(2):]
        return f"{question.rstrip(' ?？')} ({thing})?"
    thing = ellipsis.strip(" ?？").rstrip("的")
    words, asks_end = _measure_words(question)
    if context.parsed.answer_type not in ("number", "percent"):
        words, asks_end = [], None  # a name or phrase asked for: ask for that of `thing`
    if words:
        kept = list(words)
        while len(kept) > 1 and sum(e - s for s, e in kept[1:]) >= len(thing):
            kept.pop(0)
        return question[:kept[0][0]] + thing + question[kept[-1][1]:]
    if asks_end is not None:
        return question[:asks_end] + thing + question[asks_end:]
    prefix = _join_chinese([*context.places, *(f"{y}年" for y in context.parsed.years)])
    return f"{prefix}{thing}是{CHINESE_INTERROGATIVES[context.parsed.answer_type]}？"


def _measure_words(question: str) -> tuple[list[tuple[int, int]], int | None]:
    """The (start, end) of each word of the thing a Chinese question asks about (see
    `_put_measure`), and where its question word (with a measure word after it) ends."""
    spans, at = [], 0
    for word, flag in tagged(normalise_for_matching(question)):
        spans.append((at, at + len(word), word, flag))
        at += len(word)
    asks = next((i for i, (_, _, word, _) in enumerate(spans) if _ZH_ASKS.search(word)), None)
    if asks is None:
        return [], None
    end = asks
    while end > 0 and spans[end - 1][3] in _PREDICATE and not re.search(r"\d", spans[end - 1][2]):
        end -= 1
    start = end
    while start > 0 and spans[start - 1][3] in _NOUNISH and not re.search(YEAR, spans[start - 1][2]):
        start -= 1
    after = asks + 1
    while after < len(spans) and spans[after][3] in {"q", "m"}:
        after += 1
    if start == end:  # the thing follows the question word: '有多少个基层党组织', to the end
        start = end = after
        while end < len(spans) and spans[end][3] not in {"x", "y", "ul", "uj"}:
            end += 1
    asks_end = spans[after - 1][1]
    return [(s, e) for s, e, _, _ in spans[start:end]], asks_end


def _topic(context: Context) -> str:
    """What the previous Chinese question asked about ('政府引导型母基金'), or ''."""
    if context.parsed.language == "en":
        return ""
    words, _ = _measure_words(context.question)
    return context.question[words[0][0]:words[-1][1]] if words else ""
