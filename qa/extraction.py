"""Pick the answer: score the sentences of the best passages, then the best typed span.

A sentence scores by its embedding similarity to the question (precomputed sentence
vectors), the share of the question's content bigrams it contains, the rank of its
passage, and three checks that catch the classic traps: the year the question names,
target versus achievement (read from the sentence and its section heading), and names
(places, people, pinyin of English names) that must occur in the sentence's document.
Inside the best sentences, the span of the wanted kind nearest the question's words
wins; when no typed span fits, the clause that overlaps the question most answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .questions import Question, content_bigrams
from .spans import Span, clause_spans, find_spans
from .textnorm import bigram_tokens

from .calibration import WEIGHTS  # noqa: E402  (fitted on dev; see eval/calibrate.py)

SENTENCES_FOR_SPANS = 5
"""Best sentences whose spans compete for the answer."""

_TARGET_MARKERS = re.compile(r"力争|确保|目标|预期|计划|争取|将|要|拟|预计|任务|部署|明年|今年")
_ACHIEVED_MARKERS = re.compile(r"完成了|实现了|达到了|取得|已|累计|获批|回顾|成效|成绩|过去|同比|比上年")
_HEADING_TARGET = re.compile(r"目标|任务|计划|安排|部署|重点做好|思路")
_HEADING_ACHIEVED = re.compile(r"回顾|成绩|总结|成效")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?=年)")


@dataclass(frozen=True)
class SentenceContext:
    """A candidate sentence with what scoring needs to know about it."""

    row: int
    doc_id: str
    start: int
    end: int
    text: str
    norm: str
    heading: str
    passage_rank: int
    dense: float
    doc_has_names: bool
    clause_dense: tuple[tuple[int, int, float], ...] = ()
    """(start, end, cosine to the question) of each clause, offsets within the sentence."""

    def dense_at(self, position: int) -> float:
        """Cosine of the clause holding `position` (the sentence's own for one-clause sentences)."""
        return next((d for a, b, d in self.clause_dense if a <= position < b + 1), self.dense)


@dataclass(frozen=True)
class ScoredSpan:
    """A candidate answer with its sentence and the scores that chose it."""

    sentence: SentenceContext
    span: Span
    sentence_score: float
    span_score: float
    features: dict
    english: bool = False

    @property
    def score(self) -> float:
        return self.sentence_score + WEIGHTS.get("span", 1.0) * self.span_score


def score_sentence(question: Question, q_bigrams: dict[str, float], ctx: SentenceContext,
                   best_dense: float) -> tuple[float, dict]:
    """A sentence's score and the features behind it."""
    lexical = _overlap(q_bigrams, ctx.norm)
    features = {
        "dense": ctx.dense - best_dense,
        "lexical": lexical,
        "passage": 1.0 / (ctx.passage_rank + 1),
        "typed": 1.0 if answer_spans(question, ctx) else 0.0,
        "year": year_agreement(question, ctx),
        "intent": intent_agreement(question, ctx),
        "names": 0.0 if ctx.doc_has_names else -1.0,
    }
    return sum(WEIGHTS[name] * value for name, value in features.items()), features


def year_agreement(question: Question, ctx: SentenceContext) -> float:
    """+1 if the sentence or its section names an asked year, -1 if it names only others."""
    if not question.years:
        return 0.0
    years = set(_YEAR.findall(ctx.norm)) | set(_YEAR.findall(ctx.heading))
    if not years:
        return 0.0
    return 1.0 if years & set(question.years) else -1.0


def sentence_intent(ctx: SentenceContext) -> str | None:
    """'target' or 'achievement' as the section heading (or else the sentence) reads: in
    work reports the heading ('2023年工作回顾' / '2024年工作目标任务') is the surer sign."""
    if _HEADING_TARGET.search(ctx.heading):
        return "target"
    if _HEADING_ACHIEVED.search(ctx.heading):
        return "achievement"
    target = bool(_TARGET_MARKERS.search(ctx.norm))
    achieved = bool(_ACHIEVED_MARKERS.search(ctx.norm))
    if target != achieved:
        return "target" if target else "achievement"
    return None


def intent_agreement(question: Question, ctx: SentenceContext) -> float:
    if question.intent is None:
        return 0.0
    intent = sentence_intent(ctx)
    if intent is None:
        return 0.0
    return 1.0 if intent == question.intent else -1.0


STRICT_TYPES = ("number", "percent", "date", "person", "place", "org")
"""Answer kinds with a recognisable form: when some sentence holds one, only such
sentences may answer (a sentence without a figure cannot answer 'how many')."""


def choose_answer(question: Question, sentences: list[SentenceContext],
                  extra_terms: tuple[str, ...] = (), idf: dict[str, float] | None = None) -> list[ScoredSpan]:
    """Candidate answers, best first (empty when there is no sentence).

    Args:
        extra_terms: Chinese renderings of names in an English question (pinyin matches),
            counted as question words for lexical overlap.
        idf: inverse document frequency of bigrams over the index's sentences, so that a
            rare word of the question (候补) outweighs a common one (市委); unseen bigrams
            weigh as much as the rarest.
    """
    if not sentences:
        return []
    terms = content_bigrams(question) | {t for term in extra_terms for t in bigram_tokens(term)}
    ceiling = max(idf.values(), default=1.0) if idf else 1.0
    q_bigrams = {t: (idf.get(t, ceiling) if idf else 1.0) for t in terms}
    best_dense = max(s.dense for s in sentences)
    scored = sorted(((score_sentence(question, q_bigrams, s, best_dense), s) for s in sentences),
                    key=lambda item: -item[0][0])
    if question.answer_type in STRICT_TYPES:
        typed = [item for item in scored if item[0][1]["typed"]]
        scored = typed or scored
    candidates = []
    best_clause = max(max((d for _, _, d in s.clause_dense), default=s.dense) for s in sentences)
    for (sentence_score, features), ctx in scored[:SENTENCES_FOR_SPANS]:
        for span, span_score in score_spans(question, q_bigrams, ctx, idf):
            span_score += WEIGHTS.get("clause", 0.0) * (ctx.dense_at(span.start) - best_clause)
            candidates.append(ScoredSpan(ctx, span, sentence_score, span_score, features,
                                         question.language == "en"))
    candidates.sort(key=lambda c: -c.score)
    return candidates


def rarity(text: str, idf: dict[str, float] | None) -> float:
    """Mean IDF of the text's bigrams relative to the rarest possible (0..1)."""
    tokens = bigram_tokens(text)
    if not idf or not tokens:
        return 1.0
    ceiling = max(idf.values())
    return sum(idf.get(t, ceiling) for t in tokens) / (len(tokens) * ceiling)


def answer_spans(question: Question, ctx: SentenceContext) -> list[Span]:
    """Spans of the wanted kind that the question does not already contain."""
    return [s for s in find_spans(ctx.text, question.answer_type)
            if ctx.norm[s.start:s.end] not in question.normalised]


def score_spans(question: Question, q_bigrams: dict[str, float], ctx: SentenceContext,
                idf: dict[str, float] | None = None):
    """(span, score) for the typed spans of a sentence, or its clauses as a fallback.

    A typed span also scores for rarity: a name that fills every other sentence (the
    leader every report quotes) is seldom the specific answer."""
    typed = answer_spans(question, ctx)
    spans = typed or [part for clause in clause_spans(ctx.text)
                      for part in split_copula(ctx.text, ctx.norm, clause, q_bigrams)]
    clauses = clause_spans(ctx.text)
    out = []
    for span in spans:
        score = proximity(q_bigrams, ctx, span, clauses)
        if not typed:
            score -= 0.5 + 0.002 * (span.end - span.start)
            score -= 2.0 * _overlap(q_bigrams, ctx.norm[span.start:span.end]) * 0.5
        else:
            score += WEIGHTS.get("rarity", 0.3) * rarity(ctx.norm[span.start:span.end], idf)
        if typed and question.units and units_agree(question.units, ctx.text[span.start:span.end]):
            score += 0.5
        elif typed and question.answer_type == "number" and ctx.text[span.end - 1].isdigit():
            score -= 0.3  # a bare figure with no measure word is a weaker number answer
        out.append((span, score))
    return out


_COPULA = re.compile(r"是|为")


def split_copula(text: str, norm: str, clause: Span, q_bigrams: dict[str, float]) -> list[Span]:
    """For 'A是B', the side the question does not already say ('改革创新是根本出路' answers
    '根本出路是什么' with '改革创新'); other clauses pass through whole."""
    match = _COPULA.search(text, clause.start + 1, clause.end - 1)
    if not match:
        return [clause]
    left = Span(clause.start, match.start(), clause.kind)
    right = Span(match.end(), clause.end, clause.kind)
    left_overlap = _overlap(q_bigrams, norm[left.start:left.end])
    right_overlap = _overlap(q_bigrams, norm[right.start:right.end])
    if abs(left_overlap - right_overlap) < 1e-9:
        return [clause]
    return [left if left_overlap < right_overlap else right]


UNIT_FAMILIES = ("人名位员", "个项家所座条处批种", "元万亿", "亩公顷", "次场届")
"""Measure words that answer the same 'how many' (多少名委员 is answered by 34人)."""


def units_agree(wanted: str, span_text: str) -> bool:
    """True if the span ends in a measure word the question asked for, or a sibling of one."""
    family = set(wanted)
    for members in UNIT_FAMILIES:
        if family & set(members):
            family |= set(members)
    return any(u in span_text for u in family)


def proximity(q_bigrams: dict[str, float], ctx: SentenceContext, span: Span, clauses: list[Span]) -> float:
    """How much of the question surrounds the span: its clause fully, the clause before a quarter."""
    index = next((i for i, c in enumerate(clauses) if c.start <= span.start < c.end + 1), None)
    if index is None:
        return 0.0
    own = _overlap(q_bigrams, ctx.norm[clauses[index].start:clauses[index].end])
    before = _overlap(q_bigrams, ctx.norm[clauses[index - 1].start:clauses[index - 1].end]) if index else 0.0
    return own + 0.25 * before


def _overlap(q_bigrams: dict[str, float], text: str) -> float:
    """Weighted share of the question's bigrams that occur in `text`."""
    total = sum(q_bigrams.values())
    if not total:
        return 0.0
    return sum(q_bigrams.get(t, 0.0) for t in set(bigram_tokens(text))) / total


def candidate_features(best: ScoredSpan, runner_up: ScoredSpan | None) -> dict:
    """The features the confidence model reads: the sentence's, plus margin and span score."""
    return dict(best.features, dense_abs=best.sentence.dense,
                margin=(best.score - runner_up.score) if runner_up else 1.0, span=best.span_score,
                english=1.0 if best.english else 0.0)


VIOLATION_CONFIDENCE = 0.05
"""Confidence given to an answer that breaks a trap rule (see `violated_rule`)."""


def violated_rule(features: dict) -> str | None:
    """Why an answer cannot be right whatever its score: the question names a year the
    sentence's section contradicts, or a name its document never mentions."""
    if features.get("year", 0.0) < 0:
        return "year"
    if features.get("names", 0.0) < 0:
        return "names"
    return None


def confidence_of(best: ScoredSpan, runner_up: ScoredSpan | None) -> float:
    """P(answer is right) from a logistic model fitted on the dev split (eval/calibrate.py)."""
    from .calibration import COEFFICIENTS, INTERCEPT

    features = candidate_features(best, runner_up)
    if violated_rule(features):
        return VIOLATION_CONFIDENCE
    z = INTERCEPT + sum(COEFFICIENTS.get(name, 0.0) * value for name, value in features.items())
    return float(1.0 / (1.0 + np.exp(-z)))
