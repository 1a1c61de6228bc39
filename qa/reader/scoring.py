"""One score per candidate span: the reader's logits, retrieval rank and the trap checks.

Following Haystack's ExtractiveReader, every span is scored on its own (not softmaxed per
window), so spans from different passages compare fairly; the window's no-answer score
enters as a margin (span minus <s>), which is how the reader says "this passage does not
answer". A small logistic model over these features, fitted on the dev split of the
eval set (`eval/calibrate.py`), turns the score into a confidence. A span whose section
names another year than the question, or whose document lacks a name the question
relies on, is dropped outright: no score can make it right.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..textnorm import bigram_tokens

FEATURES = ("reader", "margin", "passage", "year", "intent", "english", "kind", "clause", "count")
"""What the confidence model reads, per candidate (see `span_features`)."""

_DIGITS = re.compile(r"[0-9０-９一二三四五六七八九十百千万亿两]")
_DATE = re.compile(r"[0-9０-９一二三四五六七八九十]+\s*[年月日号]")
_HAN_NAME = re.compile(r"[\u3400-\u9fff]{2,4}")
_FORM = {"number": _DIGITS, "percent": _DIGITS, "date": _DATE, "person": _HAN_NAME}
"""The form an answer of each kind takes; other kinds (place, org, phrase...) have none."""
_ARABIC = re.compile(r"[0-9０-９]")
_CLAUSE_MARKS = ",，、；;"
_CLAUSE_BREAK = re.compile(f"[{_CLAUSE_MARKS}]")
_CLAUSE_EDGE = re.compile(f"[{_CLAUSE_MARKS}。！？!?\n]")
"""Where a clause ends: at a clause break or at the end of its sentence."""
_INTO_YEAR = re.compile(r"(?:(?:增长|增長|增加|提高|提升|上升|下降|减少|減少|降低)?(?:到|至)|，|,)?(?:19|20)\d{2}年")
"""Where a figure's span runs on into another year ('增长到2022年', '到2025年')."""
QUOTED_RUN = re.compile(r"[”」』\"]\s*[“「『\"]")
"""Quoted names run together (“A”“B”): a list of names."""
_QUOTES = re.compile(r"[”」』“「『\"]+")
_ITEM_BREAK = re.compile(r"[、，,；;]")
_AND = re.compile(r"和|与|與|及|以及")


@dataclass(frozen=True)
class ScoredSpan:
    """A candidate answer placed in its document, with the features behind its score."""

    doc_id: str
    start: int
    end: int
    text: str
    passage_rank: int
    features: dict
    confidence: float
    broken: object = None
    """The question's premise this span breaks (an `answer.checks.Broken`: then it is no
    answer, only a reason), or None."""


def span_features(reader_score: float, null_score: float, passage_rank: int, year: float,
                  intent: float, english: bool, answer_type: str, text: str, clause: float,
                  asked_items: int = 0) -> dict:
    """The FEATURES of one candidate.

    Args:
        reader_score, null_score: the span's start+end logit and its window's no-answer score.
        passage_rank: 0 for the best retrieved passage.
        year, intent: the trap checks (+1 agrees, 0 unknown, -1 contradicts).
        answer_type: the kind the question asks for (`questions.ANSWER_TYPES`).
        text: the span itself.
        clause: the share of the question's words found around the span (`clause_overlap`).
        asked_items: how many things the question asks for (`Question.items`), 0 if it names no number.
    """
    return {"reader": reader_score, "margin": reader_score - null_score,
            "passage": 1.0 / (passage_rank + 1), "year": year, "intent": intent,
            "english": 1.0 if english else 0.0, "kind": kind_agreement(answer_type, text),
            "clause": clause, "count": count_agreement(asked_items, text)}


def clause_overlap(question_bigrams: set[str], norm_text: str, start: int, end: int) -> float:
    """The share of the question's character bigrams that the span's clause (the text
    between the punctuation or line breaks around it, the span left out) holds. The reader
    reads a whole window at once and often takes a figure of the right form from the next
    clause: in '开工重点项目240个,建成重点项目150个' the clause of 240 says 开工 and the
    clause of 150 does not. `norm_text` is the document as `textnorm.normalise_for_matching`
    gives it (same offsets)."""
    if not question_bigrams:
        return 0.0
    reach = 200  # a clause longer than this is a run-on line; its far ends say nothing
    left = max((m.end() for m in _CLAUSE_EDGE.finditer(norm_text, max(0, start - reach), start)),
               default=max(0, start - reach))
    right = _CLAUSE_EDGE.search(norm_text, end, end + reach)
    around = norm_text[left:start] + "|" + norm_text[end:right.start() if right else end + reach]
    return len(question_bigrams & set(bigram_tokens(around))) / len(question_bigrams)


def kind_agreement(answer_type: str, text: str) -> float:
    """+1 when the span has the form the question's kind takes (a figure for 'how many',
    a date for 'when', a 2-4 character name for 'who'), -1 when it lacks it, 0 when the
    kind has no fixed form."""
    form = _FORM.get(answer_type)
    if form is None:
        return 0.0
    matched = form.fullmatch(text) if answer_type == "person" else form.search(text)
    return 1.0 if matched else -1.0


def enumeration_items(text: str) -> int:
    """How many things a span lists: quoted names run together (“A”“B”“C”, its outer
    quotes perhaps trimmed off), else the pieces between 、，； or, with none of those,
    between 和 / 与 / 及 ('畝均稅收和畝均產值' lists two)."""
    if QUOTED_RUN.search(text):
        return len([p for p in _QUOTES.split(text) if p.strip(" 、,，和与及")])
    parts = [p for p in _ITEM_BREAK.split(text) if p.strip()]
    if len(parts) == 1:
        parts = [p for p in _AND.split(text) if p.strip()]
    return len(parts)


def count_agreement(asked_items: int, text: str) -> float:
    """+1 when a question that asks for a number of things (哪三件事) gets a span listing
    that many, -1 when the span lists another number, 0 when the question names none. The
    reader often takes one item of an enumeration, or runs on into the next clause; and a
    question asking for six things the report never lists has no span that agrees."""
    if not asked_items:
        return 0.0
    return 1.0 if enumeration_items(text) == asked_items else -1.0


def figure_length(answer_type: str, text: str) -> int:
    """How much of a span to keep. For a figure question, a span that runs from its first
    figure over a clause break into another figure ('240个,建成重点项目150个',
    '4000名、医疗床位1549张') ends at the break: the reader often runs on through a list
    of figures, and the first is the one it started at; so does one that runs on into
    another year's figure ('4814亿元增长到2022年1.2万亿元' → '4814亿元'). Other spans are
    kept whole (a date question may ask for '2025年、2027年、2030年')."""
    if answer_type not in ("number", "percent"):
        return len(text)
    first = _ARABIC.search(text)
    cut = _CLAUSE_BREAK.search(text, first.end()) if first else None
    keep = cut.start() if cut and _ARABIC.search(text, cut.end()) else len(text)
    another_year = _INTO_YEAR.search(text, first.end()) if first else None
    return min(keep, another_year.start()) if another_year and another_year.start() > 0 else keep


def confidence_of(features: dict, coefficients: dict, intercept: float) -> float:
    """P(the span answers the question) under the fitted logistic model."""
    z = intercept + sum(coefficients.get(name, 0.0) * features[name] for name in FEATURES)
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def merge_overlapping(spans: list[ScoredSpan]) -> list[ScoredSpan]:
    """Best first, with any span that overlaps a better one in the same document dropped
    (overlapping passages and windows propose the same answer more than once)."""
    kept: list[ScoredSpan] = []
    for span in sorted(spans, key=lambda s: -s.confidence):
        if not any(k.doc_id == span.doc_id and k.start < span.end and span.start < k.end for k in kept):
            kept.append(span)
    return kept
