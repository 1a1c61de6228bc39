"""Why nothing was found, in the question's language: a place no report covers, or the
premise the closest candidate broke (`checks.Broken`), or too little confidence. The
reason names only what a check found; the report's own words (the span, the office
before a name) are quoted as written, the rest follows the question's script.
"""

from __future__ import annotations

from ..question.names import romanised
from ..question.premises import Premises
from ..question.questions import Question
from ..question.terms import QuestionTerms
from ..reader.scoring import ScoredSpan
from ..textnorm import to_traditional

UNIT_NAMES = {"people": ("a number of people", "人数"), "money": ("an amount of money", "金额"),
              "percent": ("a percentage", "百分比"), "area": ("an area", "面积"), "weight": ("a weight", "重量"),
              "count": ("a number of things", "个数"), "ratio": ("a multiple", "倍数"),
              "ordinal": ("an ordinal", "序数")}

BODY_NAMES = {"discipline": "discipline commission ", "cppcc": "CPPCC ", "congress": "people's congress "}
"""How an English reason names the body whose office was asked (the Party's and the government's go without)."""

EN = {
    "uncovered": "No report covers {names}.",
    "place": "No report is about {place}; the closest answer, {span}, comes from the report on {found}.",
    "role": "The reports name no {role}{of_place}; closest: {found}{span} (“{sentence}”).",
    "unit": "No figure of the kind asked is given; the closest, {span}, is {found}, not {wanted}.",
    "people": "The reports count {found} there, not {wanted}; closest: {span}.",
    "amount": "The closest figure, {span}, is {found}, not {wanted}.",
    "notname": "The closest passage gives no name ({span}).",
    "meeting": "The closest passage is about {found}, not the meeting asked; closest: {span}.",
    "year": "The reports give {found} ({span}), not {years}.",
    "figure": "The closest passage gives a year ({span}), not the figure asked.",
    "nofigure": "The closest passage gives no figure ({span}).",
    "period": "The reports give a cumulative total ({span}), not what {years} added.",
    "nodate": "The reports give no date for it; the closest passage says only “{span}”.",
    "part": "The reports give no separate count of {found}; the closest figure, {span}, is not theirs.",
    "years": "The closest figure, {span}, covers {found}, not {years} alone.",
    "achieved": "The closest passage reports a result ({span}), not the target for {years}.",
    "items": "The question asks for {found} things; the closest passage gives one ({span}).",
    "fewer": "The question asks for {found} things; the closest passage lists fewer ({span}).",
    "kind": "The closest figure, {span}, counts {found}, not {wanted}.",
    "share": "The closest figure, {span}, is a share of {found}, not the one asked.",
    "unexplained": "The reports name “{found}” but do not say what it stands for; the closest passage: {span}.",
    "group": "The closest answer, {span}, heads {found}, not the group asked.",
    "quoted": "No passage near the closest answer ({span}) names “{found}”.",
    "event": "The reports give no date for {found}; the closest date, {span}, is another event's.",
    "target": "The closest figure, {span}, is a target, not a result.",
    "given": "The closest answer, {span}, only repeats the figure the question gives ({found}).",
    "reason": "The closest answer, {span}, is a figure, not the reason or the way asked.",
    "act": "No passage says who did what is asked; the closest name, {span}, comes from “{sentence}”.",
    "classifier": "The closest figure, {span}, counts other things (“{counted}”, not “{asked}”).",
    "person": "The closest answer, {span}, is a person ({found}), not the organisation or place asked.",
    "echo": "The closest passage only names “{found}” ({span}); it does not say what it stands for.",
    "weak": "No passage states it clearly; the closest guess, {span}, scored {confidence:.2f} "
            "(answers need {threshold:.2f}).",
    "nothing": "No passage of the reports answers it.",
}
ZH = {
    "uncovered": "没有报告涉及{names}。",
    "place": "没有关于{place}的报告；最接近的答案“{span}”出自关于{found}的报告。",
    "role": "报告没有提到{place}{role}；最接近的是{found}{span}（“{sentence}”）。",
    "unit": "报告没有给出所问的数字；最接近的“{span}”是{found}，不是{wanted}。",
    "people": "报告在此统计的是{found}，不是{wanted}；最接近的是“{span}”。",
    "amount": "最接近的数字“{span}”是{found}，不是{wanted}。",
    "notname": "最接近的段落没有给出人名（{span}）。",
    "meeting": "最接近的段落说的是{found}，不是所问的会议；最接近的是“{span}”。",
    "year": "报告给出的是{found}年的数字（{span}），不是{years}年的。",
    "figure": "最接近的段落给出的是年份（{span}），不是所问的数字。",
    "nofigure": "最接近的段落没有给出数字（{span}）。",
    "period": "报告给出的是累计数（{span}），不是{years}年新增的。",
    "nodate": "报告没有给出具体日期；最接近的段落只说“{span}”。",
    "part": "报告没有单独统计{found}；最接近的数字“{span}”不是这一部分的。",
    "years": "最接近的数字“{span}”说的是{found}的情况，不是{years}年的。",
    "achieved": "最接近的段落说的是已取得的成绩（{span}），不是{years}年的目标。",
    "items": "问题问的是{found}项内容；最接近的段落只给出一项（“{span}”）。",
    "fewer": "问题问的是{found}项内容；最接近的段落列出的不到{found}项（“{span}”）。",
    "kind": "最接近的数字“{span}”统计的是{found}，不是{wanted}。",
    "share": "最接近的数字“{span}”是占{found}的比重，不是所问的。",
    "unexplained": "报告提到“{found}”，但没有说明它具体指什么；最接近的是“{span}”。",
    "group": "最接近的答案“{span}”是{found}的，不是所问的组。",
    "quoted": "最接近的答案“{span}”所在的段落没有提到“{found}”。",
    "event": "报告没有给出{found}的日期；最接近的日期“{span}”是另一件事的。",
    "target": "最接近的数字“{span}”是目标，不是实际完成的。",
    "given": "最接近的答案“{span}”只是重复了问题里给出的{found}。",
    "reason": "最接近的答案“{span}”是一个数字，不是所问的原因或做法。",
    "act": "报告没有说是谁做了所问的事；最接近的人名“{span}”出自“{sentence}”。",
    "classifier": "最接近的数字“{span}”用“{counted}”计数，说的不是以“{asked}”计的东西。",
    "person": "最接近的答案“{span}”是人名（{found}），不是所问的单位或地点。",
    "echo": "最接近的段落只提到“{found}”（{span}），没有说明它具体指什么。",
    "weak": "没有段落明确回答这个问题；最接近的猜测“{span}”置信度为{confidence:.2f}（回答需要{threshold:.2f}）。",
    "nothing": "报告中没有段落回答这个问题。",
}
NO_WORDS = "The question has no words to look up."
"""The reason for a question of emoji or punctuation only (it has no language to answer in)."""

QUOTE_CHARS = 60
"""How much of the sentence around a span a reason quotes at most (whole clauses, the span's always)."""
_CLAUSE_MARKS = "，,；;"

QUOTED = ("span", "sentence")
"""Fields quoted from a report, never converted to the question's script (and `found` for
an office or the kind of thing counted, which are the report's own words)."""


def not_found_reason(question: Question, terms: QuestionTerms, premises: Premises,
                     candidates: list[ScoredSpan], broken: list[ScoredSpan], threshold: float,
                     sentence_of) -> str:
    """The one-sentence reason for an abstention.

    Args:
        candidates: the spans that broke no premise, best first.
        broken: the spans that broke one (`ScoredSpan.broken`), best first.
        sentence_of: span → the clauses around it, as written (`excerpt`).
    """
    english = question.language == "en"
    best = candidates[0] if candidates else None
    if terms.uncovered:
        return _say(question, "uncovered", names=_join(terms.uncovered, english))
    if broken and (best is None or broken[0].confidence >= best.confidence):
        span = _closest(broken)
        what = span.broken
        fields = {"span": span.text, "found": what.found, "years": _join(question.years, english)}
        place = terms.places[0] if terms.places else ""
        if what.check == "place":
            fields["place"] = _place(question, terms)
            fields["found"] = (romanised(what.found, question.latin_names) if english else what.found) \
                or "another place"
        elif what.check == "role":
            fields.update(role=(BODY_NAMES.get(premises.body, "") + premises.role) if english else premises.role_words,
                          place=place,
                          of_place=f" of {_place(question, terms)}" if place else "",
                          sentence=sentence_of(span))
        elif what.check == "unit":
            found, wanted = UNIT_NAMES[what.found], [UNIT_NAMES[u] for u in sorted(premises.units)]
            fields.update(found=found[0 if english else 1],
                          wanted=(" or " if english else "或").join(w[0 if english else 1] for w in wanted))
        elif what.check == "people":
            fields["wanted"] = _join(sorted(premises.people), english)
        elif what.check == "kind":
            fields["wanted"] = premises.thing[1] + premises.thing[0]
        elif what.check == "amount":
            fields["wanted"] = _join(sorted(premises.amounts), english)
        elif what.check == "act":
            fields["sentence"] = sentence_of(span)
        elif what.check == "classifier":
            fields.update(asked=what.found[0], counted=what.found[1])
        elif what.check == "items":
            fields["found"] = what.found or ("several" if english else "几")
        return _say(question, what.check, keep=QUOTED + (("found",) if what.check in ("role", "kind") else ()), **fields)
    if best is not None:
        return _say(question, "weak", span=best.text, confidence=best.confidence, threshold=threshold)
    return _say(question, "nothing")


def _closest(broken: list[ScoredSpan]) -> ScoredSpan:
    """The broken span a reason speaks of: the best, unless it is a name with no office before
    it and a later one has an office ('市委书记吴舜泽' says more about a mayor asked than
    '全会号召' does)."""
    first = broken[0].broken
    if first.check == "role" and not first.found:
        return next((s for s in broken if s.broken.check == "role" and s.broken.found), broken[0])
    return broken[0]


def excerpt(text: str, start: int, end: int, span_start: int, span_end: int, reach: int = QUOTE_CHARS) -> str:
    """The clauses of the sentence text[start:end] around the span [span_start, span_end),
    as many whole ones as fit in `reach` characters (the span's own always), with '…' where
    the sentence goes on."""
    marks = [i for i in range(start, end) if text[i] in _CLAUSE_MARKS]
    left = max((i + 1 for i in marks if i < span_start), default=start)
    right = min((i + 1 for i in marks if i >= span_end), default=end)
    while True:
        wider_left = max((i + 1 for i in marks if i + 1 < left), default=start)
        wider_right = min((i + 1 for i in marks if i + 1 > right), default=end)
        if left > start and right - wider_left <= reach:
            left = wider_left
        elif right < end and wider_right - left <= reach:
            right = wider_right
        else:
            break
    return ("…" if left > start else "") + text[left:right].rstrip("，,；;、") + ("…" if right < end else "")


def _say(question: Question, key: str, keep: tuple[str, ...] = QUOTED, **fields) -> str:
    """The reason `key` filled in, in the question's language and script (`keep`: fields
    left as written)."""
    if question.language == "en":
        return EN[key].format(**fields)
    template = ZH[key]
    if question.language == "zh-Hant":
        template = to_traditional(template)
        fields = {k: v if k in keep or not isinstance(v, str) else to_traditional(v) for k, v in fields.items()}
    return template.format(**fields)


def _place(question: Question, terms: QuestionTerms) -> str:
    """The place asked about, as the question's language writes it."""
    place = terms.places[0] if terms.places else ""
    return romanised(place, question.latin_names) if question.language == "en" and place else place


def _join(words, english: bool) -> str:
    return (", " if english else "、").join(words)
