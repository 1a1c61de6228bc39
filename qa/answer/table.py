"""An answer as one flat row: what a spreadsheet of answers holds, one row per question.

Built from `Answer.to_dict()`, the same JSON `qa ask --json` prints, so a batch file and
`--json` never disagree. The first citation supports the answer; other candidates are
joined into one cell; an abstention says why in `reason`. A question that could not be asked keeps its row, with the reason in
`error` and the answer cells empty.
"""

from __future__ import annotations

ROW_FIELDS = ("question", "answer", "confidence", "abstained", "reason", "title", "doc", "start", "end",
              "quote", "page", "other_candidates", "error")
"""The columns of an answer row, in order."""


def answer_row(answer: dict) -> dict:
    """The row of one answer (`Answer.to_dict()`); cells without a value are None."""
    cited = answer["citations"][0] if answer["citations"] else {}
    others = " · ".join(f"{c['text']} ({c['title']}, {c['confidence']:.2f})" for c in answer["other_candidates"])
    return {"question": answer["question"], "answer": answer["answer"], "confidence": answer["confidence"],
            "abstained": answer["abstained"], "reason": answer.get("reason"), "title": cited.get("title"), "doc": cited.get("doc"),
            "start": cited.get("start"), "end": cited.get("end"), "quote": cited.get("quote"),
            "page": cited.get("page"), "other_candidates": others or None, "error": None}


def error_row(question, message: str) -> dict:
    """The row of a question that could not be asked (empty, too long, not text)."""
    row = dict.fromkeys(ROW_FIELDS)
    return {**row, "question": question if isinstance(question, str) else None, "error": message}
