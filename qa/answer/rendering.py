"""Render an answer as readable text for the terminal.

The answer is shown as quoted; when the question's script differs from the document's
(a Traditional question over a Simplified report, say), a converted rendering follows in
brackets, marked as a conversion, never replacing the quote.
"""

from __future__ import annotations

from .answers import Answer

NOT_FOUND = "Not found in the reports."

CANDIDATE_TITLE_CHARS = 30
"""Characters of a report title shown beside another candidate."""


def converted_rendering(answer_text: str, question: str) -> str | None:
    """The answer in the question's Chinese script, or None when it is already in it."""
    from ..question.questions import detect_language
    from ..textnorm import to_simplified, to_traditional

    converted = (to_traditional if detect_language(question) == "zh-Hant" else to_simplified)(answer_text)
    return converted if converted != answer_text else None


def render_answer(answer: Answer) -> str:
    """Several lines: the answer (or not-found and why), confidence, numbered citations."""
    lines = [f"Q: {answer.question}"]
    if answer.asked_as and answer.asked_as != answer.question:
        lines.append(f"   (asked as: {answer.asked_as})")
    if answer.abstained:
        lines.append(f"A: {NOT_FOUND} (confidence {answer.confidence:.2f})")
        if answer.reason:
            lines.append(f"   {answer.reason}")
        if answer.passages:
            lines.append("Closest passages:")
            for i, p in enumerate(answer.passages[:3], 1):
                lines.append(f"  {i}. {shorten(p.title, 40)} ({p.doc} [{p.start}:{p.end}]) {shorten(p.text)}")
        return "\n".join(lines)
    converted = converted_rendering(answer.answer, answer.question)
    lines.append(f"A: {answer.answer}" + (f"  (converted: {converted})" if converted else "")
                 + f"  [1]  (confidence {answer.confidence:.2f})")
    for i, c in enumerate(answer.citations, 1):
        page = f", page {c.page}" if c.page else ""
        lines.append(f"  [{i}] {c.doc} [{c.start}:{c.end}]{page} — {c.title}")
        lines.append(f"      “{shorten(c.quote, 160)}”")
    if answer.alternatives:
        cited = answer.citations[0].doc if answer.citations else None
        lines.append("  other candidates: " + " · ".join(
            f"{a.text} ({candidate_source(a.doc, a.title, cited)}, {a.confidence:.2f})" for a in answer.alternatives))
    return "\n".join(lines)


def candidate_source(doc: str, title: str, cited_doc: str | None) -> str:
    """Where another candidate comes from, as shown beside it: 'same report' when it is the
    cited answer's, else its report's title, shortened."""
    return "same report" if doc == cited_doc else shorten(title, CANDIDATE_TITLE_CHARS)



def shorten(text: str, limit: int = 80) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"
