"""The answer record every front end shows: span, confidence, citations and passages.

`Answer.to_dict()` is the JSON contract of `qa ask --json` and `POST /api/ask`; its keys
are fixed. `citations[0]` supports `answer`: the cited document's text[start:end] is it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Citation:
    """Where an answer comes from: the span and the sentence that contains it."""

    doc: str
    title: str
    start: int
    end: int
    quote: str
    quote_start: int
    quote_end: int
    page: int | None
    score: float


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk, offered for reading."""

    doc: str
    title: str
    start: int
    end: int
    text: str
    score: float


@dataclass(frozen=True)
class Alternative:
    """Another candidate answer the reader proposed: shown for context, never a citation."""

    doc: str
    title: str
    start: int
    end: int
    text: str
    confidence: float


@dataclass(frozen=True)
class Answer:
    """The result of one question; `answer` is None when the assistant abstains."""

    question: str
    answer: str | None
    abstained: bool
    confidence: float
    citations: tuple[Citation, ...]
    passages: tuple[Passage, ...]
    timings_ms: dict
    alternatives: tuple[Alternative, ...] = ()
    asked_as: str | None = None
    """The standalone question that was answered: a follow-up written out in full from the
    conversation (`question.followups`); None means the question itself."""
    reason: str | None = None
    """Why nothing was found, in the question's language (`answer.reasons`); None when answered."""

    def to_dict(self) -> dict:
        """The JSON object of the public contract (keys fixed, values plain)."""
        return {
            "question": self.question,
            "asked_as": self.asked_as or self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "reason": self.reason,
            "confidence": round(self.confidence, 4),
            "citations": [asdict(c) for c in self.citations],
            "passages": [asdict(p) for p in self.passages],
            "other_candidates": [asdict(a) for a in self.alternatives],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
