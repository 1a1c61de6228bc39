"""Per-document views for answering: each report's normalised text, section headings and
sentence starts, prepared once when an index is loaded (none depends on the question).

The checks read a span's sentence and the headings above it (a work report's '二、2024年
工作目标任务' frames every figure under it); citations quote the sentence that holds a span.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass

from ..core import IndexData
from ..textnorm import normalise_for_matching
from .checks import section_context

HEADING_CHARS = 40
"""Lines at most this long count as section headings (for year and target context)."""


@dataclass(frozen=True)
class DocView:
    """Question-independent facts about one document."""

    norm: str
    """The text normalised for matching (same length, so offsets hold)."""
    heading_starts: list[int]
    headings: list[str]
    sentence_starts: list[int]
    sentence_rows: list[int]
    """Rows in `IndexData.sentences` of this document's sentences, in order."""


class DocViews:
    """The views of every document of one loaded index."""

    def __init__(self, index: IndexData):
        self.index = index
        rows: dict[str, list[int]] = {doc_id: [] for doc_id in index.documents}
        for i, sentence in enumerate(index.sentences):
            rows[sentence.doc_id].append(i)
        self.views = {doc_id: _view_of(doc.text, rows[doc_id], index) for doc_id, doc in index.documents.items()}
        self.normalised = {doc_id: view.norm for doc_id, view in self.views.items()}

    @functools.cached_property
    def joined(self) -> str:
        """Every document's normalised text in one string, for the dictionary lookups of
        English questions (made on the first one, not at load)."""
        return "\n".join(self.normalised.values())

    def sentence_bounds(self, doc_id: str, position: int) -> tuple[int, int]:
        """[start, end) of the indexed sentence holding `position` (the line, if none does)."""
        view = self.views[doc_id]
        i = bisect.bisect_right(view.sentence_starts, position) - 1
        if i >= 0:
            sentence = self.index.sentences[view.sentence_rows[i]]
            if sentence.start <= position < sentence.end:
                return sentence.start, sentence.end
        text = self.index.documents[doc_id].text
        return text.rfind("\n", 0, position) + 1, (text.find("\n", position) + 1 or len(text) + 1) - 1

    def sentence_context(self, doc_id: str, position: int) -> tuple[str, str]:
        """The normalised sentence around `position` and the headings of its section."""
        view = self.views[doc_id]
        start, end = self.sentence_bounds(doc_id, position)
        h = bisect.bisect_right(view.heading_starts, start) - 1
        return view.norm[start:end], section_context(view.headings[:h + 1])


def _view_of(text: str, rows: list[int], index: IndexData) -> DocView:
    norm = normalise_for_matching(text)
    heading_starts, headings, offset = [], [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if 0 < len(stripped) <= HEADING_CHARS:
            heading_starts.append(offset)
            headings.append(norm[offset:offset + len(line)].strip())
        offset += len(line) + 1
    return DocView(norm, heading_starts, headings, [index.sentences[i].start for i in rows], rows)
