"""Evaluation metrics as pure functions: answer EM / F1, retrieval ranks, abstention, latency.

Answers are scored the CMRC 2018 way (ymcui/cmrc2018 `cmrc2018_evaluate.py`, also used for
DRCD): strings are cut into tokens, one per Chinese character and one per Latin word or
number, punctuation dropped; EM compares the token strings and F1 is taken from their
longest common *contiguous* run of tokens, not from a bag-of-characters overlap.
"""

from __future__ import annotations

from typing import Sequence

from ..textnorm import answer_tokens, normalise_answer  # noqa: F401 (part of the metrics API)


def exact_match(prediction: str | None, golds: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals any normalised gold answer, else 0.0.

    Args:
        prediction: the system's answer, None when it abstained.
        golds: acceptable answers; empty means the question is unanswerable, and then
            only an abstention scores 1.0.
    Returns:
        The best score over `golds`; an empty (or punctuation-only) prediction scores 0.0.
    """
    if not golds:
        return float(prediction is None)
    predicted = normalise_answer(prediction or "")
    return float(bool(predicted) and any(predicted == normalise_answer(g) for g in golds))


def char_f1(prediction: str | None, golds: Sequence[str]) -> float:
    """Token-level F1 from the longest common substring, max over golds (CMRC 2018).

    Precision is lcs / len(prediction tokens), recall lcs / len(gold tokens), where lcs is
    the length of the longest run of tokens the two share contiguously.

    Args:
        prediction: the system's answer, None when it abstained.
        golds: acceptable answers; empty means unanswerable (1.0 only for an abstention).
    Returns:
        F1 in [0, 1].
    """
    if not golds:
        return float(prediction is None)
    predicted = answer_tokens(prediction or "")
    return max((_lcs_f1(predicted, answer_tokens(g)) for g in golds), default=0.0)


def _lcs_f1(predicted: list[str], gold: list[str]) -> float:
    if predicted and "".join(predicted) == "".join(gold):
        return 1.0  # an exact match ("New York" / "newyork" tokenise apart) keeps EM <= F1
    common = longest_common_run(predicted, gold)
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def longest_common_run(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest contiguous run shared by `a` and `b` (dynamic programming)."""
    best, previous = 0, [0] * (len(b) + 1)
    for x in a:
        current = [0] * (len(b) + 1)
        for j, y in enumerate(b, start=1):
            if x == y:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def distinct_in_order(items: Sequence[str]) -> list[str]:
    """`items` with repeats removed, first occurrence kept (passages → ranked documents)."""
    return list(dict.fromkeys(items))


def reciprocal_rank(gold_doc: str, ranked_docs: Sequence[str]) -> float:
    """1 / rank of `gold_doc` among the distinct documents of `ranked_docs`, 0.0 if absent.

    Args:
        gold_doc: the document that holds the answer.
        ranked_docs: documents of the retrieved passages, best first; repeats count once.
    Returns:
        The reciprocal rank (its mean over questions is MRR).
    """
    ranked = distinct_in_order(ranked_docs)
    return 1.0 / (ranked.index(gold_doc) + 1) if gold_doc in ranked else 0.0


def recall_at(gold_doc: str, ranked_docs: Sequence[str], k: int) -> float:
    """1.0 when `gold_doc` is among the first `k` distinct documents of `ranked_docs`.

    Args:
        gold_doc: the document that holds the answer.
        ranked_docs: documents of the retrieved passages, best first; repeats count once.
        k: how many distinct documents to look at.
    Returns:
        1.0 or 0.0 (its mean over questions is recall@k).
    """
    return float(gold_doc in distinct_in_order(ranked_docs)[:k])


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile with linear interpolation between order statistics.

    This is numpy's default ("linear", Hyndman & Fan 1996 type 7): the value at position
    (n - 1) * q / 100 of the sorted values, interpolated between neighbours.

    Args:
        values: any order.
        q: percent in [0, 100].
    Returns:
        The percentile, or None for no values.
    """
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def abstain_precision(abstained: Sequence[bool], unanswerable: Sequence[bool]) -> float | None:
    """Of the questions the system abstained on, the share that were unanswerable.

    Args:
        abstained: per question, whether the system withheld an answer.
        unanswerable: per question (same order), whether the gold says there is none.
    Returns:
        The share, or None when the system never abstained (undefined, not 0: a system
        that always answers has made no wrong abstention).
    """
    outcomes = [u for a, u in zip(abstained, unanswerable, strict=True) if a]
    return sum(outcomes) / len(outcomes) if outcomes else None


def abstain_recall(abstained: Sequence[bool], unanswerable: Sequence[bool]) -> float | None:
    """Of the unanswerable questions, the share the system abstained on.

    Args:
        abstained: per question, whether the system withheld an answer.
        unanswerable: per question (same order), whether the gold says there is none.
    Returns:
        The share, or None when no question is unanswerable (undefined, e.g. benchmarks).
    """
    outcomes = [a for a, u in zip(abstained, unanswerable, strict=True) if u]
    return sum(outcomes) / len(outcomes) if outcomes else None
