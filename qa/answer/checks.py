"""The checks that catch this domain's traps, read from a span's sentence and section.

Work reports review one year and set targets for the next, often in the same document:
a question about 2023 must not be answered from the section on 2024's tasks, and "what
was achieved" must not be answered with a target. The section heading ('二、2024年工作
目标任务', '过去一年工作回顾') is the surer sign; the sentence's own words decide when the
heading says nothing. Each check returns +1 (agrees), 0 (cannot tell) or -1 (contradicts).

The premise checks below hold a span to what the question takes for granted (its place,
the office it asks about, the unit of its measure, its year): a span that breaks one is
no answer, and the broken premise is the reason given when nothing else is found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..question.names import place_stem
from ..question.followups import meetings_in
from ..question.premises import (ROLE_IN_TEXT, SHARE_OF, TEXT_ROLE, Premises, amounts_named, body_of_office,
                                 people_counted, same_body, unit_class)
from ..question.questions import YEAR, Question, count_word
from ..reader.scoring import QUOTED_RUN, enumeration_items

_TARGET_MARKERS = re.compile(r"力争|确保|目标|预期|计划|争取|将|要|拟|预计|任务|部署|明年|今年")
_ACHIEVED_MARKERS = re.compile(r"完成了|实现了|达到了|取得|已|累计|获批|回顾|成效|成绩|过去|同比|比上年")
_HEADING_TARGET = re.compile(r"目标|任务|计划|安排|部署|重点做好|思路")
_HEADING_ACHIEVED = re.compile(r"回顾|成绩|总结|成效")
_YEAR = re.compile(YEAR + r"(?=年)")
_YEAR_HEADING = re.compile(r"(?:19|20)\d{2}年")
_INTENT_HEADING = re.compile(r"目标|任务|计划|安排|部署|回顾|成绩|总结|成效|重点做好")


def year_agreement(question: Question, sentence: str, heading: str) -> float:
    """+1 if the sentence or its section names an asked year, -1 if it names only others.

    Args:
        sentence, heading: normalised (Simplified) text of the span's sentence and the
            headings that frame it (see `section_context`).
    """
    if not question.years:
        return 0.0
    years = set(_YEAR.findall(sentence)) | set(_YEAR.findall(heading))
    if not years:
        return 0.0
    return 1.0 if years & set(question.years) else -1.0


def other_years(question: Question, sentence: str, heading: str) -> str:
    """The years a sentence and its section name instead of the asked ones ('2024')."""
    years = dict.fromkeys(_YEAR.findall(sentence) + _YEAR.findall(heading))
    return "、".join(y for y in years if y not in question.years)


def sentence_intent(sentence: str, heading: str) -> str | None:
    """'target' or 'achievement' as the section heading (or else the sentence) reads."""
    if _HEADING_TARGET.search(heading):
        return "target"
    if _HEADING_ACHIEVED.search(heading):
        return "achievement"
    target = bool(_TARGET_MARKERS.search(sentence))
    achieved = bool(_ACHIEVED_MARKERS.search(sentence))
    if target != achieved:
        return "target" if target else "achievement"
    return None


def intent_agreement(question: Question, sentence: str, heading: str) -> float:
    """+1 when the question and the sentence agree on target vs achievement, -1 when not."""
    if question.intent is None:
        return 0.0
    intent = sentence_intent(sentence, heading)
    if intent is None:
        return 0.0
    return 1.0 if intent == question.intent else -1.0


def section_context(headings_before: list[str]) -> str:
    """The headings that frame a sentence: the nearest one, the nearest naming a year and
    the nearest naming targets or a review ('二、2024年工作目标任务'), joined."""
    picked = headings_before[-1:]
    for pattern in (_YEAR_HEADING, _INTENT_HEADING):
        nearest = next((h for h in reversed(headings_before) if pattern.search(h)), None)
        if nearest and nearest not in picked:
            picked.insert(0, nearest)
    return " ".join(picked)


@dataclass(frozen=True)
class Broken:
    """A premise of the question a candidate span breaks, and what the report says instead."""

    check: str
    """'place', 'role', 'notname', 'nodate', 'meeting', 'unit', 'people', 'part', 'amount',
    'year', 'years', 'figure', 'nofigure', 'period', 'achieved', 'target', 'items', 'fewer',
    'quoted', 'event', 'echo', 'unexplained', 'kind', 'share', 'group', 'given', 'classifier',
    'person', 'reason' or 'act'."""
    found: str
    """What the report has in its place: the role before the name ('市委书记'), the span's
    unit class ('money'), the year it speaks of ('2022'), the report's place ('泉州')."""


_COMPARED_YEAR = re.compile(r"(?:比|较|同|与|相比|对比)$")
_NEW_IN_YEAR = re.compile(r"新增|新建|新认定|新获|新培育|新引进|新开工|\bnew\b|\bnewly\b|\badded\b")
_CUMULATIVE = re.compile(r"累计|总数|共有|总计")
_ONE_YEAR = re.compile(r"(?:19|20)\d{2}年(?:这一年|一年|全年|当年)|仅(?:19|20)\d{2}年|\bin (?:that|a single) year\b|\bthat year alone\b")
_HAN_YEAR = r"[〇零一二][〇零一二三四五六七八九]{3}年"
"""A year in Chinese numerals ('二〇三五年')."""
_BARE_YEAR = re.compile(rf"(?:19|20)\d{{2}}年?|{_HAN_YEAR}")
_NOT_A_NAME = re.compile(r"[0-9０-９]|^第")
_HOW_MANY = re.compile(r"多少|\bhow (?:many|much)\b")
_ANY_FIGURE = re.compile(r"[0-9０-９一二三四五六七八九十百千万亿两半双]")
_NO_COUNT = re.compile(rf"(?:19|20)\d{{2}}年?|{_HAN_YEAR}|[0-9一二三四五六七八九十两]+年(?:来|间|以来)?|第?[0-9一二三四五六七八九十百]+[届次期批轮]")
"""Figures that count nothing asked: years, spans of years, ordinals."""
_NAMED_GROUP = re.compile(r"[一二三四五六七八九十两]大")
"""A name that counts its parts ('三大差距'): no figure, unless things are counted ('十大产业链')."""
_CLAUSE_STOPS = "，,；;。！？!?\n"
_HAN = re.compile(r"[\u4e00-\u9fff]")
ROLE_REACH = 16
"""Characters before a name searched for the office that governs it ('市委副书记、市长X')."""


def place_agreement(places: tuple[str, ...], doc_place: str | None, passage: str) -> float:
    """+1 when the span's report is about a place the question asks about, 0 when the text
    around it names one (a county's own sentence in a city's report), -1 when neither: a
    county or city a report only names elsewhere is not the report's city.

    Args:
        places: the question's places (`QuestionTerms.places`), Simplified.
        doc_place: the report's place (`ingest.metadata.report_place`), '' or None if unknown.
        passage: the normalised text around the span (its sentence and what precedes it).
    """
    if not places:
        return 0.0
    if doc_place and place_stem(doc_place) in {place_stem(p) for p in places}:
        return 1.0
    return 0.0 if any(p in passage for p in places) else -1.0


def role_before_span(premises: Premises, before: str) -> Broken | None:
    """The office written just before a name when it is not the one asked ('市委书记'
    before 陈伟俊 answers no question about a mayor, nor about the 纪委's or a 区委's
    secretary), or '' when no office stands anywhere in `before`; None when it is the one
    asked, or is written further back. Offices joined by '、' all govern the name
    ('市委副书记、市长X')."""
    if premises.role is None:
        return None
    found = list(ROLE_IN_TEXT.finditer(before))
    if not found:
        return Broken("role", "")  # no office near the span: nothing says it is the one asked
    if len(before) - found[-1].end() > 2:
        return None
    chain = [found[-1]]
    for match in reversed(found[:-1]):
        if chain[-1].start() - match.end() > 2:
            break
        chain.append(match)
    matched = [m for m in chain if TEXT_ROLE[m.group(0)] == premises.role]
    if matched:
        body = body_of_office(before[:matched[0].start()])
        if not (premises.body and body and not same_body(premises.body, body[0])):
            return None  # the office asked, of the body asked when the question and the text name one
        return Broken("role", before[body[1]:matched[0].end()])  # '市委书记' for a 纪委书记 or 区委书记
    start = chain[-1].start()
    start -= 2 if before[max(0, start - 2):start] in ("市委", "县委", "区委", "省委", "政府") else 0
    return Broken("role", before[start:])


def unit_of_span(premises: Premises, span: str, after: str) -> Broken | None:
    """The span's unit class when the question's measure wants another (an income in 元
    for a population), or no figure at all: no unit, and no figure but years, spans of years
    and ordinals ('25年来,历届市委…' for a number of Party members)."""
    if not premises.units:
        return None
    unit = unit_class(span, after)
    bare = _NO_COUNT.sub("", span)
    if unit is None and not _ANY_FIGURE.search(bare if "count" in premises.units else _NAMED_GROUP.sub("", bare)):
        return Broken("nofigure", span.strip())
    return Broken("unit", unit) if unit and unit not in premises.units else None


def year_of_span(question: Question, before: str) -> Broken | None:
    """For a figure asked of one year, the year the span's own clause run speaks of when it
    is another and the sentence names both ('从2012年的X增长到2022年的Y': Y is 2022's);
    a year after 比/较 is a comparison, not the span's."""
    if not question.years or question.answer_type not in ("number", "percent"):
        return None
    years = years_spoken_of(before)
    if not years or years[-1] in question.years or not any(year in question.years for year in years):
        return None
    return Broken("year", years[-1])


def years_spoken_of(before: str) -> list[str]:
    """The years a span's clause run names, in order, leaving out a year after 比/较 (a
    comparison, not the span's)."""
    return [m.group(0) for m in _YEAR.finditer(before) if not _COMPARED_YEAR.search(before[:m.start()])]


def earlier_years_only(question: Question, before: str, heading: str) -> Broken | None:
    """For a figure asked of a year, a span whose sentence speaks only of earlier years
    ('从2012年…增长到2022年…;…收入达46707元' for 2024's income): a report that reaches only
    2022 cannot give 2024's figure. The heading naming the asked year lifts it."""
    if not question.years or question.answer_type not in ("number", "percent") or \
            any(year in heading for year in question.years):
        return None
    years = years_spoken_of(before)
    if not years or any(year in question.years for year in years) or max(years) >= min(question.years):
        return None
    return Broken("year", max(years))


def figure_is_a_year(question: Question, premises: Premises, span: str) -> Broken | None:
    """A year ('2030年') given for a figure asked, or a span with no figure at all ('以上'),
    when the question asks 'how many' or names a measure ('哪几场' asks for things, '哪几个
    年份' for years)."""
    if question.answer_type not in ("number", "percent") or \
            not (premises.units or _HOW_MANY.search(question.normalised)):
        return None
    if _BARE_YEAR.fullmatch(span.strip()):
        return Broken("figure", span.strip())
    bare = span if "count" in premises.units else _NAMED_GROUP.sub("", span)
    return None if _ANY_FIGURE.search(bare) else Broken("nofigure", span.strip())


_QUESTION_FIGURE = re.compile(r"(?<![第\d.])(\d+(?:\.\d+)?)(?![\d.])(?!\s*(?:年|届|次|th\b|st\b|nd\b|rd\b))")
"""A figure a question states (not a year, a span of years or an ordinal): 'of the 15 …',
'2200多个项目里'."""
_SPAN_FIGURE = re.compile(r"^\D{0,3}?(\d+(?:\.\d+)?)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def figure_given(question: Question, span: str) -> Broken | None:
    """The figure the question itself states given back as the answer ('超2200个' for
    '2200多个项目里,外资项目占多少个', '15家' for 'Of the 15 …, how many were …': the whole,
    not the part asked; '12个指标进入全省标杆' for 'which 12 indicators': the count, not the
    things)."""
    if question.answer_type == "date" or not (figure := _SPAN_FIGURE.match(span)):
        return None
    asked = _THOUSANDS.sub("", question.normalised)  # 'of the 2,200 projects'
    given = {float(m.group(1)) for m in _QUESTION_FIGURE.finditer(asked)}
    return Broken("given", figure.group(1)) if float(figure.group(1)) in given else None


_BARE_FIGURE = re.compile(r"[约近超]?[0-9０-９.．]+[万亿]?(?:%|％|倍|个|元|亿元|万元|人|万人|家|项)?")


def figure_for_reason(question: Question, span: str) -> Broken | None:
    """A bare figure ('14.9倍') given for a reason or a way asked ('what reason does the report
    give', '为什么')."""
    return Broken("reason", span.strip()) if question.answer_type == "explain" and \
        _BARE_FIGURE.fullmatch(span.strip()) else None


_ACTS = re.compile(r"作了?[\u4e00-\u9fff]{0,4}?(?:说明|报告)|主持|讲话|致辞|到会指导|宣读|传达|\bexplain|\bspeech\b|\bspoke\b|"
                   r"\bdeliver(?:ed|s)? (?:the |a )?(?:\w+ ){0,2}report\b|\bguid")
"""What a person does at a meeting, as a question asks it: '作说明', '作工作报告', 'explained'."""
_ACT_WORDS = (("说明", "说明"), ("报告", "报告"), ("指导", "指导"), ("explain", "说明"), ("speech", "讲话"),
              ("spoke", "讲话"), ("report", "报告"), ("guid", "指导"))


def act_of_name(question: Question, sentence: str) -> Broken | None:
    """A name whose sentence does not say it did what the question asks of a person at a
    meeting (作说明, 主持, 讲话, 作报告, 到会指导…): '陈伟俊…作工作报告' answers no question
    about who explained the draft."""
    if question.answer_type != "person" or not (act := _ACTS.search(question.normalised)):
        return None
    word = next((word for key, word in _ACT_WORDS if key in act.group(0)), act.group(0))
    return None if word in sentence else Broken("act", word)


_THINGS_OF_CLASSIFIER = ("栋幢座", "张床", "辆台", "艘", "架", "头只", "棵株", "枚", "套户间", "家所户")
"""Classifiers grouped by what they count (buildings, beds, vehicles, ships, planes, animals,
trees, medals, homes, firms and institutions); 个, 项, 批 and the like count anything."""
_CLASSIFIERS = "".join(dict.fromkeys("".join(_THINGS_OF_CLASSIFIER)))
_COUNTED_WITH = re.compile(f"(?:多少|几)([{_CLASSIFIERS}])")
_SPAN_CLASSIFIER = re.compile(f"[0-9一二三四五六七八九十百千万亿两.]+[多余]?万?([{_CLASSIFIERS}])")


def classifier_of_span(question: Question, span: str) -> Broken | None:
    """A figure counted with a classifier for other things than the one asked counts
    ('2000张'养老床位 for '多少栋裸房')."""
    asked, counted = _COUNTED_WITH.search(question.normalised), _SPAN_CLASSIFIER.search(span)
    if not asked or not counted:
        return None
    asked, counted = asked.group(1), counted.group(1)
    if any(asked in things and counted in things for things in _THINGS_OF_CLASSIFIER):
        return None
    return Broken("classifier", asked + counted)


def cumulative_for_new(question: Question, clause: str) -> Broken | None:
    """A running total ('累计') given for what a year added ('2023年新增多少', '仅2024年一年')."""
    if question.years and (_NEW_IN_YEAR.search(question.normalised) or _ONE_YEAR.search(question.normalised)) \
            and _CUMULATIVE.search(clause) and not _NEW_IN_YEAR.search(clause):
        return Broken("period", "cumulative")
    return None


def clause_around(norm: str, start: int, end: int, reach: int = 120) -> tuple[str, str]:
    """(the text from the span's sentence start, or `reach` characters back, up to the span;
    the clause that holds the span, between , ; and sentence ends)."""
    left = max(0, start - reach)
    sentence_start = max((norm.rfind(c, left, start) for c in "。！？!?\n"), default=-1)
    before = norm[max(left, sentence_start + 1):start]
    clause_start = max((norm.rfind(c, left, start) for c in _CLAUSE_STOPS), default=-1) + 1
    stops = [i for c in _CLAUSE_STOPS if (i := norm.find(c, end, end + reach)) >= 0]
    return before, norm[max(left, clause_start):min(stops, default=min(len(norm), end + reach))]


def amount_of_span(premises: Premises, clause: str, before: str = "") -> Broken | None:
    """The amount the span's clause (or, when it names none, its sentence up to the span:
    `before`) gives when the question asks for another (居民收入 for 生产总值, 生产总值 for
    工业增加值 or for 人均生产总值)."""
    if not premises.amounts:
        return None
    named = amounts_named(clause) or amounts_named(before)
    return Broken("amount", "、".join(sorted(named))) if named and not named & premises.amounts else None


def not_a_name(question: Question, span: str) -> Broken | None:
    """A figure or an ordinal ('第十九届') given for a person asked."""
    return Broken("notname", span.strip()) if question.answer_type == "person" and _NOT_A_NAME.search(span) else None


_NAME_AFTER_OFFICE = re.compile(f"(?:{ROLE_IN_TEXT.pattern})([\u4e00-\u9fff]{{2,3}})")


def person_for_thing(question: Question, around: str, start: int, end: int) -> Broken | None:
    """A span that is a name with an office right before it, or a piece of one: it starts on
    the name ('張毅恭', '張'), or ends on it after the office ('泉州市委書記張毅恭'); given for an
    organisation or a place asked ('which company's projects did he inspect'). `start`, `end`:
    the span within `around`."""
    if question.answer_type not in ("org", "place"):
        return None
    found = next((m for m in _NAME_AFTER_OFFICE.finditer(around)
                  if m.start(1) <= start < m.end(1) or start <= m.start() and m.start(1) < end <= m.end(1)), None)
    return Broken("person", found.group(0)) if found else None


def people_of_span(premises: Premises, clause: str) -> Broken | None:
    """The kinds of people the span's clause counts when the question counts others (市委委员
    for 党员, 出席 for 列席)."""
    if not premises.people:
        return None
    named = people_counted(clause)
    return Broken("people", "、".join(sorted(named))) if named and not named & premises.people else None


def meeting_of_span(premises: Premises, around: str, lede: str) -> Broken | None:
    """The meeting a report is about (the first its opening names) when it is not the one
    asked and the span's sentence does not name the asked one either: the date in the
    report on 十三届九次全会 answers nothing about 八次."""
    asked = premises.meeting
    if asked is None or any(_same_meeting(asked, m) for m in meetings_in(around)):
        return None
    named = meetings_in(lede)
    return Broken("meeting", named[0].chinese()) if named and not _same_meeting(asked, named[0]) else None


def _same_meeting(asked, named) -> bool:
    return named.session == asked.session and named.congress == asked.congress and \
        (asked.term is None or named.term in (None, asked.term))


_CITY_OFFICE = re.compile(r"(?P<place>[\u4e00-\u9fff]{2,3}?)?市(?:委|政府)?$")


def office_of_another_place(premises: Premises, places: tuple[str, ...], doc_place: str | None,
                            before: str) -> Broken | None:
    """For a 'who' question about a place, the office before the name when it is another
    place's: '泉州市委书记' for 南安, or a bare '市委书记' (the report's own city) in a report
    about another city than the one asked (莲都区 in the Lishui report)."""
    if premises.role is None or not places:
        return None
    found = list(ROLE_IN_TEXT.finditer(before))
    if not found or len(before) - found[-1].end() > 2:
        return None
    owner = before[max(0, found[-1].start() - 6):found[-1].start()]
    stems = {place_stem(p) for p in places}
    stems = {p for p in stems if len(p) > 2 and p[-1] in "区县"} or stems  # 'Liandu District in Lishui': the district
    city = _CITY_OFFICE.search(owner) or (_CITY_OFFICE.search(owner + "市") if found[-1].group(0).endswith("市长")
                                          else None)
    if any(stem in owner for stem in stems) or city is None:
        return None
    other = city["place"] if city["place"] and city["place"] not in ("全", "本") else doc_place
    if other and place_stem(other) not in stems:
        return Broken("place", place_stem(other))
    return None


_RELATIVE_DAY = re.compile(r"(?:昨天|今天|前天|明天|昨日|今日|前日|日前|近日|近期|当天|当日|同日|次日|本月|上月|今年|去年|明年)"
                           r"[上下]?午?")


_ASKS_DAY = re.compile(r"哪一?天|几月几[日号]|几号|日期|哪日|何日|\b(?:what|which) (?:date|day)\b")
"""A day asked for; '何时', '什么时候' may be answered by a period ('19世纪晚期', '康熙年间')."""
_ASKS_YEAR = re.compile(r"哪一?年|几几年|\b(?:what|which) year\b|\bin what year\b")
_YEAR_WRITTEN = re.compile(rf"\d{{3,4}}年(?!来|间|以来)|(?:19|20)\d{{2}}|{_HAN_YEAR}|今年|去年|明年|前年")
_DAY_WRITTEN = re.compile(r"[0-9０-９一二三四五六七八九十]+\s*[月日号]|[上中下]旬|年[初底末中]|[春夏秋冬]季?|\d{4}[-/.]\d{1,2}")
"""What a day asked needs in a passage's words: a month or a day ('…摘登 一、2023年' names no day;
a year alone, '二〇三五年', is still let through as a date)."""


def relative_date(question: Question, span: str) -> Broken | None:
    """A day named only relative to the report's own date ('昨天'), no date at all for a day
    asked ('新世纪25年来' for 'on what date'), or no year for a year asked ('2月3日' for
    '哪一年'): the report does not say which day it was."""
    if question.answer_type != "date":
        return None
    asked = question.normalised
    if _RELATIVE_DAY.fullmatch(span.strip(" ,，(（")) or _ASKS_DAY.search(asked) and not (
            _DAY_WRITTEN.search(span) or _YEAR_WRITTEN.fullmatch(span.strip())) or \
            _ASKS_YEAR.search(asked) and not _YEAR_WRITTEN.search(span):
        return Broken("nodate", span.strip())
    return None


_YEARS_SPANNED = re.compile(r"(?:\d{1,3}|[两二三四五六七八九十]{1,3})年(?:来|间|以来)|过去[两二三四五六七八九十]+年|新世纪以来")


def period_for_one_year(question: Question, sentence: str) -> Broken | None:
    """A figure over several years ('25年来…从136.8亿元增加到2181.2亿元') given for one
    year's figure ('2024年生产总值'), when the sentence names none of the years asked."""
    if len(question.years) != 1 or question.answer_type not in ("number", "percent") or \
            _YEARS_SPANNED.search(question.normalised) or question.years[0] in sentence:
        return None
    found = _YEARS_SPANNED.search(sentence)
    return Broken("years", found.group(0)) if found else None


_BY_YEAR = re.compile(r"到(?:19|20)\d{2}年")
_ACHIEVED_CHANGE = re.compile(r"从[^，。；]{1,24}?(?:增加|增长|提高|提升|缩小|下降|减少|扩大|上升)到|年来|以来")


def achievement_for_target(question: Question, sentence: str, heading: str) -> Broken | None:
    """What was achieved ('倍差从2.41倍缩小到1.87', with no year) given for a target set for
    a year ('到2030年…要缩小到多少'): the sentence names none of the years asked and reads as a
    result, not a plan."""
    if not question.years or question.answer_type not in ("number", "percent") or \
            not (question.intent == "target" or _BY_YEAR.search(question.normalised)):
        return None
    if any(year in sentence or year in heading for year in question.years) or _TARGET_MARKERS.search(sentence):
        return None
    return Broken("achieved", "") if _ACHIEVED_CHANGE.search(sentence) else None


def part_not_counted(premises: Premises, sentence: str) -> Broken | None:
    """A count whose sentence does not name the group asked inside it, by the whole phrase or
    its first telling word (all new jobs given for the graduates among them: 高校; the 500强
    among signed projects: 500), or for an English question by any Chinese word for it."""
    if not premises.part or premises.part[0] in sentence or premises.part[1] in sentence or \
            premises.part[0].isascii() and any(word in sentence for word in premises.part[2:]):
        return None
    return Broken("part", premises.part[0])


_SEVERAL = re.compile(r"分别(?:是|指|为|代表|对应|包括)|各(?:是|指)|(?:具体|都)(?:有|是|包括)哪些|\brespectively\b")
_NUMBER_OF = re.compile(r"哪?([两二三四五六七八九十]|[2-9]|[1-9][0-9])\s*(?:个|项|件|种|大|类|条|点|对)(?!字)")


def number_asked(norm: str) -> int:
    """How many things a question asks for by a count `Question.items` does not read: '哪五对',
    or with 分别 any count it names ('两个产业集群分别是什么'); 0 when none."""
    numbers = list(_NUMBER_OF.finditer(norm))
    asked = next((n for n in numbers if n.group(0).startswith("哪")), None)
    if asked is None and numbers and _SEVERAL.search(norm):
        asked = numbers[0]
    return count_word(asked.group(1)) if asked else 0


def one_item_for_many(question: Question, span: str, clause: str = "") -> Broken | None:
    """One thing given for a question that asks for several ('具体是哪六条', '哪五对关系',
    '两个产业集群分别是什么', '分别指什么'): the span lists a single item; or fewer things
    than the number asked, and the list in the span's clause (`clause`) has no more
    ('六种工作方法' answered from a clause naming five)."""
    wants = question.items or number_asked(question.normalised)
    items = enumeration_items(span)
    if items == 1 and (wants >= 2 or _SEVERAL.search(question.normalised)):
        return Broken("items", str(wants) if wants >= 2 else "")
    if items > 1 and wants > listed_in(span) and clause and listed_in(clause) < wants and \
            not _CHARACTERS.search(question.normalised):
        return Broken("fewer", str(wants))
    return None


_CHARACTERS = re.compile(r"[两二三四五六七八九十\d]+个?字")
"""'哪八个字': characters counted, not things listed."""
_LIST_BREAK = re.compile(r"[、，,；;]")
_LAST_AND = re.compile(r"\S(?:和|与|及|以及)\S")
_QUOTED_ITEM = re.compile(r"[“「『][^”」』“「『]{1,30}[”」』]")


def listed_in(clause: str) -> int:
    """How many things a clause lists: its quoted names when they run together, else its
    pieces between 、 (and the last 和/与 joins)."""
    if QUOTED_RUN.search(clause):
        return len(_QUOTED_ITEM.findall(clause))
    pieces = [p for p in _LIST_BREAK.split(clause) if p.strip()]
    return len(pieces) + bool(_LAST_AND.search(pieces[-1])) if pieces else 0


_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,30}")
_QUOTED_NAME = re.compile(r"《([^》]{4,30})》|[“「‘]([^”」’]{8,30})[”」’]")


def quoted_name_absent(question: Question, around: str) -> Broken | None:
    """A title the question quotes ('《世界遗产名录》'), a longer quoted name ('“泉州:宋元
    中国的世界海洋商贸中心”'; short quotes are often the asker's own words) or Chinese words
    in an English question, that neither the span's sentence nor its paragraph names: the
    span answers something else."""
    quoted = [title or name for title, name in _QUOTED_NAME.findall(question.normalised)]
    if question.language == "en":  # Chinese words in an English question are the report's: '(三块地)'
        quoted += _HAN_RUN.findall(question.normalised)
    if not quoted or any(name in around for name in quoted):
        return None
    return Broken("quoted", quoted[0])


_EVENT = re.compile(r"([\u4e00-\u9fff]{2,4})(?:工作会议|大会|论坛|博览会|展览会|交易会|运动会|峰会|典礼|仪式|文化节|艺术节|旅游节)")
_EVENT_ORDINAL = re.compile(r"^(?:首届|第[0-9一二三四五六七八九十]+届|[0-9一二三四五六七八九十]+届)")


def event_absent(question: Question, around: str) -> Broken | None:
    """For the date of an event ('首届慈善大会定于哪一天举行'), a sentence and paragraph that
    never name what the event is about (慈善): the date is another event's."""
    found = _EVENT.search(question.normalised) if question.answer_type == "date" else None
    name = _EVENT_ORDINAL.sub("", found.group(1)) if found else ""
    if len(name) < 2 or name in around:
        return None
    return Broken("event", found.group(0))


def result_for_target(question: Question, sentence: str, heading: str) -> Broken | None:
    """What was achieved ('城镇新增就业9.5万人' under '一、2023年工作回顾') given for a target
    asked ('2023年的目标是多少'): the section, else the sentence, reads as a result."""
    if question.intent != "target" or question.answer_type not in ("number", "percent"):
        return None
    return Broken("achieved", "") if sentence_intent(sentence, heading) == "achievement" else None


def target_for_result(question: Question, sentence: str, heading: str) -> Broken | None:
    """A target ('城镇新增就业8.5万人' under '2024年工作目标任务') given for what was achieved
    ('2024年实际新增就业多少'): the question asks for a result, the section or the sentence
    reads as a plan."""
    if question.intent != "achievement" or question.answer_type not in ("number", "percent"):
        return None
    return Broken("target", "") if sentence_intent(sentence, heading) == "target" else None


_QUOTED_TERM = re.compile(r"(?:[“「‘\"]|(?<![a-z])')([^”」’\"']{2,30})(?:[”」’\"]|'(?![a-z]))|《([^》]{2,30})》")
_ASKS_MEANING = re.compile(r"[”」’\"'](?:到底|究竟|具体)?(?:是|指)什么|具体(?:是|为)?指|具体是什么|分别(?:是|指|为|代表)|是指|指的是|指什么|什么意思|含义|内涵|包括哪|包含哪|"
                           r"哪[两二三四五六七八九十\d]+[个项对条类种大点方面]|\bstand for\b|\bmean\b|\brefer to\b|"
                           r"\bconsist of\b|\bmade up of\b|\bwhat (?:exactly |precisely )?are the\b|\bwhich (?:two|three|four|five|six|seven|eight|nine|ten)\b")


def names_itself(question: Question, span: str) -> Broken | None:
    """The quoted name itself given for what it stands for ('具体是指哪五对关系' answered with
    “正确处理好五大关系”, '“6”指哪六项' with “1+6+X”): the span repeats the question."""
    if not _ASKS_MEANING.search(question.normalised):
        return None
    named = [written for term, written in quoted_terms(question) if term in span]
    return Broken("echo", named[-1]) if named else None


def quoted_terms(question: Question) -> list[tuple[str, str]]:
    """The names a question quotes (“…”, 「…」, 《…》, in English '…'), each normalised and as
    the question writes it ('1+6+x', '1+6+X'; normalising keeps every character's place). An
    English question's quoted English words ('Jinjiang Experience') are no report's words:
    only a quote with a digit or a Chinese character counts ('1410'), or a code spelled out
    in words ('four plus one': 4+1)."""
    out = []
    for found in _QUOTED_TERM.finditer(question.normalised):
        group = 1 if found.group(1) else 2
        term = found.group(group)
        written = question.text[found.start(group):found.end(group)]
        if question.language == "en" and (code := _code_in_words(term)):
            out.append((code, written))  # 'four plus one' for “4+1”
        elif question.language != "en" or _HAN.search(term) or any(c.isdigit() for c in term):
            out.append((term, written))
    return out


_NUMBER_WORDS = {word: str(n) for n, word in enumerate("zero one two three four five six seven eight nine ten".split())}


def _code_in_words(term: str) -> str | None:
    """A code spelled out in English ('four plus one' → '4+1'), or None."""
    words = term.split()
    if "plus" not in words or not all(w in _NUMBER_WORDS or w == "plus" for w in words):
        return None
    return "".join(_NUMBER_WORDS.get(w, "+") for w in words)


def kind_of_thing(premises: Premises, clause: str, sentence: str) -> Broken | None:
    """Another kind of the thing counted ('新增中小学学位2.5万个' for 公办幼儿园学位): the span's
    clause counts the thing asked with another word right before it (not a quoted name,
    which may be the kind in other words: “国字号”试点), and its sentence names none of the
    words for the kind asked."""
    if not premises.thing or any(w in sentence for w in premises.thing[1:]):
        return None
    from ..segmenter import jieba

    head = clause.find(premises.thing[0])
    if head < 1 or not _HAN.match(clause[head - 1]):
        return None
    return Broken("kind", jieba().lcut(clause[max(0, head - 8):head])[-1] + premises.thing[0])


def share_of_another(premises: Premises, before: str) -> Broken | None:
    """A share of another whole ('占全国的1%' for 占全省的比重): the whole named last before
    the span is not the one asked."""
    if premises.share_of is None:
        return None
    wholes = SHARE_OF.findall(before[-20:])
    return Broken("share", wholes[-1]) if wholes and wholes[-1] != premises.share_of else None


def code_unexplained(question: Question, sentence: str, start: int, end: int) -> Broken | None:
    """For what a quoted code stands for ('“1410”指的是什么', '“一区一廊一会一室”具体指什么'),
    a span whose sentence never names it, or that sits neither in the code's clause nor, when
    the code opens its clause ('“十四五”时期,温州正处在…'), in the clause right after it
    ('开创科创高地建设新局面,系统提升“一区一廊一会一室”创新能级': the clause before names
    something else), or that is another item named beside it. `start` and `end`: the span
    within `sentence`."""
    if not _ASKS_MEANING.search(question.normalised):
        return None
    codes = quoted_terms(question)
    if not codes:
        return None
    named = [(code, written) for code, written in codes if code in sentence]
    if not named:
        return Broken("quoted", codes[-1][1])
    code, written = named[-1]
    at = sentence.find(code)
    between = sentence[at + len(code):start] if start >= at else sentence[end:at]
    clause = _clause_index(sentence, at)
    opens = at - max((sentence.rfind(c, 0, at) for c in _CLAUSE_STOPS), default=-1) <= 2  # '“十四五”时期,温州正处在…'
    near = _clause_index(sentence, start) in (clause, clause + 1 if opens else clause) or \
        _clause_index(sentence, max(start, end - 1)) == clause
    return None if near and not _SIBLING.search(between) else Broken("unexplained", written)


_SIBLING = re.compile(r"和|与|及|、")
"""Between a code and a span, the sign of another item named beside it ('“132”总体部署和市委
“一个历史使命、三大战略任务”'), not of what it stands for."""


def _clause_index(sentence: str, at: int) -> int:
    return sum(sentence.count(c, 0, at) for c in _CLAUSE_STOPS)


_ORDINAL_GROUP = re.compile(r"第([0-9一二三四五六七八九十]+)([\u4e00-\u9fff]{0,4}?(?:组|队))")


def group_of_another_number(question: Question, office: str) -> Broken | None:
    """The head of another numbered group ('第二督导组组长钟关华' for 第一督导组): the office
    written before the name numbers the group asked otherwise."""
    asked = _ORDINAL_GROUP.search(question.normalised)
    if not asked:
        return None
    written = [m for m in _ORDINAL_GROUP.finditer(office) if m.group(2).endswith(asked.group(2)[-2:])]
    if written and written[-1].group(1) != asked.group(1):
        return Broken("group", written[-1].group(0))
    return None


_QUOTED_RUN_TEXT = re.compile(r"“[^”]{1,30}”")


def unquoted(passage: str, question: str) -> str:
    """`passage` without the quoted names the question does not ask about: a place inside a
    slogan ('“晋江经验”') does not make a passage speak of that place."""
    return _QUOTED_RUN_TEXT.sub(lambda m: m.group(0) if m.group(0)[1:-1] in question else "“”", passage)
