"""The core types every stage hands on: documents, their passages and sentences, search hits
and a loaded index. This module imports nothing else of the package (the bottom layer).

Offsets are character offsets into `Document.text`, the document's original text, so
`doc.text[chunk.start:chunk.end]` is a chunk and a citation can always be checked.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol


@dataclass(frozen=True)
class Document:
    """One report: its id (path relative to the indexed folder), title and original text."""

    doc_id: str
    title: str
    text: str
    sha256: str
    page_starts: tuple[int, ...] = field(default=())
    """For PDFs, the offset in `text` where each page begins (page 1 first)."""
    date: str | None = None
    """The date the report bears (YYYY-MM-DD), '' when its text gives none, None when not yet read."""
    place: str | None = None
    """The place the report is about (泉州), '' when its text names none, None when not yet read."""

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding `offset`, or None for documents without pages."""
        if not self.page_starts:
            return None
        return bisect.bisect_right(self.page_starts, offset)


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: [start, end) in the original text, with a stable id."""

    chunk_id: str
    doc_id: str
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    """A sentence of a document, the unit answers are quoted from."""

    doc_id: str
    start: int
    end: int


def make_chunk_id(doc_id: str, start: int, end: int) -> str:
    """Stable id: the same document span always gets the same id."""
    return hashlib.sha1(f"{doc_id}:{start}:{end}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk (its row in `IndexData.chunks`) with its fused score."""

    row: int
    score: float


class Searcher(Protocol):
    """How a loaded index is searched: the folder store fuses FAISS and BM25 rankings in
    this process (`stores.retrieval`), the Milvus store asks Milvus."""

    def __call__(self, index: "IndexData", query_vector: Any, question: str, n: int,
                 docs: list[str] | None) -> list[Hit]: ...


@dataclass
class IndexData:
    """Everything a loaded index holds; built by `ingest.assembly`, loaded by a store.

    `dense` and `lexical` are the folder store's FAISS and bm25s structures (None where the
    store searches itself); `searcher` is set by whoever built or loaded the index.
    """

    manifest: dict
    documents: dict[str, Document]
    chunks: list[Chunk]
    sentences: list[Sentence]
    chunk_vectors: Any
    """float32 array [chunks, dim] (empty [0, dim] when the store did not load them)."""
    dense: Any = None
    lexical: Any = None
    searcher: Callable[..., list[Hit]] | None = None

    @property
    def embedder_name(self) -> str:
        return self.manifest["embedder"]["name"]

    def search(self, query_vector, question: str, n: int, docs: list[str] | None = None) -> list[Hit]:
        """The `n` best chunks for a question, by the store's hybrid (dense + BM25) ranking."""
        if self.searcher is None:
            raise RuntimeError("this index was built without a searcher")
        return self.searcher(self, query_vector, question, n, docs)
