"""The checks that catch this domain's traps, read from a span's sentence and section.

Work reports review one year and set targets for the next, often in the same document:
a question about 2023 must not be answered from the section on 2024's tasks, and "what
was achieved" must not be answered with a target. The section heading ('二、2024年工作
目标任务', '过去一年工作回顾') is the surer sign; the sentence's own words decide when the
heading says nothing. Each check returns +1 (agrees), 0 (cannot tell) or -1 (contradicts).
"""

from __future__ import annotations

import re

from ..question.questions import YEAR, Question

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
