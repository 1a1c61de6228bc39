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

SENTENCES_FOR_SPANS = 3
"""Best sentences whose spans compete for the answer."""

_TARGET_MARKERS = re.compile(r"力争|确保|目标|预期|计划|争取|将|要|拟|预计|任务|部署|明年|今年")
_ACHIEVED_MARKERS = re.compile(r"完成了|实现了|达到了|取得|已|建成|累计|新增|获批|回顾|成效|成绩|过去|同比|比上年")
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


@dataclass(frozen=True)
class ScoredSpan:
    """A candidate answer with its sentence and the scores that chose it."""

    sentence: SentenceContext
    span: Span
    sentence_score: float
    span_score: float
    features: dict

    @property
    def score(self) -> float:
        return self.sentence_score + self.span_score


def score_sentence(question: Question, q_bigrams: set[str], ctx: SentenceContext,
                   best_dense: float) -> tuple[float, dict]:
    """A sentence's score and the features behind it."""
    tokens = set(bigram_tokens(ctx.norm))
    lexical = len(q_bigrams & tokens) / len(q_bigrams) if q_bigrams else 0.0
    features = {
        "dense": ctx.dense - best_dense,
        "lexical": lexical,
        "passage": 1.0 / (ctx.passage_rank + 1),
        "typed": 1.0 if find_spans(ctx.text, question.answer_type) else 0.0,
        "year": year_agreement(question, ctx),
        "intent": intent_agreement(question, ctx),
        "names": 0.0 if ctx.doc_has_names else -1.0,
    }
    return sum(WEIGHTS[name] * value for name, value in features.items()), features


def year_agreement(question: Question, ctx: SentenceContext) -> float:
    """+1 if the sentence or its section names an asked year, -1 if it names only others."""
    if not question.years:
        return 0.0
    years = set(_YEAR.findall(ctx.norm)) or set(_YEAR.findall(ctx.heading))
    if not years:
        return 0.0
    return 1.0 if years & set(question.years) else -1.0


def sentence_intent(ctx: SentenceContext) -> str | None:
    """'target' or 'achievement' as the sentence (or else its section heading) reads."""
    target = bool(_TARGET_MARKERS.search(ctx.norm))
    achieved = bool(_ACHIEVED_MARKERS.search(ctx.norm))
    if target != achieved:
        return "target" if target else "achievement"
    if _HEADING_TARGET.search(ctx.heading):
        return "target"
    if _HEADING_ACHIEVED.search(ctx.heading):
        return "achievement"
    return None


def intent_agreement(question: Question, ctx: SentenceContext) -> float:
    if question.intent is None:
        return 0.0
    intent = sentence_intent(ctx)
    if intent is None:
        return 0.0
    return 1.0 if intent == question.intent else -1.0


def choose_answer(question: Question, sentences: list[SentenceContext]) -> list[ScoredSpan]:
    """Candidate answers, best first (empty when there is no sentence)."""
    if not sentences:
        return []
    q_bigrams = content_bigrams(question)
    best_dense = max(s.dense for s in sentences)
    scored = sorted(((score_sentence(question, q_bigrams, s, best_dense), s) for s in sentences),
                    key=lambda item: -item[0][0])
    candidates = []
    for (sentence_score, features), ctx in scored[:SENTENCES_FOR_SPANS]:
        for span, span_score in score_spans(question, q_bigrams, ctx):
            candidates.append(ScoredSpan(ctx, span, sentence_score, span_score, features))
    candidates.sort(key=lambda c: -c.score)
    return candidates


def score_spans(question: Question, q_bigrams: set[str], ctx: SentenceContext):
    """(span, score) for the typed spans of a sentence, or its clauses as a fallback."""
    typed = [s for s in find_spans(ctx.text, question.answer_type)
             if ctx.norm[s.start:s.end] not in question.normalised]
    spans = typed or clause_spans(ctx.text)
    clauses = clause_spans(ctx.text)
    out = []
    for span in spans:
        score = proximity(q_bigrams, ctx, span, clauses)
        if not typed:
            score -= 0.5 + 0.002 * (span.end - span.start)
            score -= 2.0 * _overlap(q_bigrams, ctx.norm[span.start:span.end]) * 0.5
        elif question.units and any(u in ctx.text[span.start:span.end] for u in question.units):
            score += 0.5
        out.append((span, score))
    return out


def proximity(q_bigrams: set[str], ctx: SentenceContext, span: Span, clauses: list[Span]) -> float:
    """How much of the question surrounds the span: its clause fully, the clause before a quarter."""
    index = next((i for i, c in enumerate(clauses) if c.start <= span.start < c.end + 1), None)
    if index is None:
        return 0.0
    own = _overlap(q_bigrams, ctx.norm[clauses[index].start:clauses[index].end])
    before = _overlap(q_bigrams, ctx.norm[clauses[index - 1].start:clauses[index - 1].end]) if index else 0.0
    return own + 0.25 * before


def _overlap(q_bigrams: set[str], text: str) -> float:
    if not q_bigrams:
        return 0.0
    return len(q_bigrams & set(bigram_tokens(text))) / len(q_bigrams)


def candidate_features(best: ScoredSpan, runner_up: ScoredSpan | None) -> dict:
    """The features the confidence model reads: the sentence's, plus margin and span score."""
    return dict(best.features, dense_abs=best.sentence.dense,
                margin=(best.score - runner_up.score) if runner_up else 1.0, span=best.span_score)


def confidence_of(best: ScoredSpan, runner_up: ScoredSpan | None) -> float:
    """P(answer is right) from a logistic model fitted on the dev split (eval/calibrate.py)."""
    from .calibration import COEFFICIENTS, INTERCEPT

    features = candidate_features(best, runner_up)
    z = INTERCEPT + sum(COEFFICIENTS.get(name, 0.0) * value for name, value in features.items())
    return float(1.0 / (1.0 + np.exp(-z)))
