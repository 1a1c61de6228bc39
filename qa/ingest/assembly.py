"""Assemble an index from documents: cut each into passages and sentences, embed the
passages not embedded before, and build the search structures over the whole set.

A document kept from the previous index (`OldIndex`) keeps its units and vectors; one
prepared on Ray arrives with both; the rest are cut here and embedded in one stream.
Only passages get vectors: sentences are what answers are quoted from, found by offset.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import settings
from ..core import Chunk, Document, IndexData, Sentence
from ..stores.retrieval import searchable_index
from ..textnorm import DEFAULT_LEXICAL_TOKENIZER, normalise_for_matching
from .chunking import chunk_document, split_sentences
from .embedding import Embedder
from .metadata import report_date, report_place


@dataclass
class DocUnits:
    """What is cut from one document: passages to retrieve and read (with their vectors,
    one row per passage, once embedded) and sentences to quote."""

    chunks: list[Chunk]
    sentences: list[Sentence]
    vectors: np.ndarray | None = None


def split_units(doc: Document) -> DocUnits:
    """A document cut into passages and sentences (not yet embedded)."""
    return DocUnits(chunk_document(doc), split_sentences(doc))


def index_settings(embedder: Embedder) -> dict:
    """The manifest fields that decide whether an old index's vectors can be reused."""
    return {
        "format_version": settings.INDEX_FORMAT_VERSION,
        "embedder": {"name": embedder.name, "dim": embedder.dim},
        "chunking": {"chunk_chars": settings.CHUNK_CHARS, "overlap_chars": settings.OVERLAP_CHARS,
                     "pipeline": pipeline_fingerprint()},
        "lexical_tokenizer": DEFAULT_LEXICAL_TOKENIZER,
    }


SETTINGS_KEYS = ("format_version", "embedder", "chunking", "lexical_tokenizer")
"""The manifest fields `index_settings` gives."""


def stored_settings(manifest: dict) -> dict:
    """The settings an index was built with, to compare with `index_settings` (missing: None)."""
    return {k: manifest.get(k) for k in SETTINGS_KEYS}


@functools.lru_cache(maxsize=1)
def pipeline_fingerprint() -> str:
    """Hash of the code that turns files into chunks: a new version re-chunks everything,
    so an index never mixes chunks cut by two different cleaners. Read once per process
    (the code that runs is the code that was imported)."""
    from . import chunking, cleaning, documents

    digest = hashlib.sha256()
    for module in (documents, cleaning, chunking):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:12]


class OldIndex:
    """A previous index seen as a cache of per-document units and their vectors."""

    def __init__(self, data: IndexData):
        self.data = data
        self.embedder_name = data.embedder_name
        self.documents = data.documents
        self._chunk_rows: dict[str, list[int]] = {}
        self._sentence_rows: dict[str, list[int]] = {}
        for row, chunk in enumerate(data.chunks):
            self._chunk_rows.setdefault(chunk.doc_id, []).append(row)
        for row, sentence in enumerate(data.sentences):
            self._sentence_rows.setdefault(sentence.doc_id, []).append(row)

    def roots(self) -> dict[str, str | None]:
        """doc id → the source root it was indexed from, as the manifest records it."""
        return {d: m.get("root") for d, m in self.data.manifest["documents"].items()}

    def manifest_settings(self) -> dict:
        return stored_settings(self.data.manifest)

    def vectors_by_text(self) -> dict[str, np.ndarray]:
        """Passage text → its stored vector, for reuse after a chunking change."""
        texts = (self.data.documents[c.doc_id].text[c.start:c.end] for c in self.data.chunks)
        return dict(zip(texts, self.data.chunk_vectors))

    def units_of(self, doc_id: str) -> DocUnits:
        """The document's units and vectors, as stored."""
        chunk_rows = self._chunk_rows.get(doc_id, [])
        return DocUnits([self.data.chunks[i] for i in chunk_rows],
                        [self.data.sentences[i] for i in self._sentence_rows.get(doc_id, [])],
                        self.data.chunk_vectors[chunk_rows])


def assemble_index(documents: dict[str, Document], old: OldIndex | None, embedder: Embedder, *,
                   progress: bool = True, roots: dict[str, str] | None = None,
                   search_structures: bool = True, prepared: dict[str, DocUnits] | None = None,
                   reuse: dict[str, np.ndarray] | None = None) -> IndexData:
    """Units, vectors and (unless the store searches itself) the FAISS and BM25 structures
    for `documents`, reusing `old` where unchanged, `prepared` (made on Ray) where given,
    and `reuse` (passage text → vector) for any passage it holds."""
    all_units: list[DocUnits] = []
    pending: list[tuple[Document, DocUnits]] = []  # documents whose passages still need vectors
    for doc_id, doc in documents.items():
        if old is not None and old.documents.get(doc_id) is doc:
            units = old.units_of(doc_id)
        elif prepared and doc_id in prepared:
            units = prepared[doc_id]
        else:
            units = split_units(doc)
            pending.append((doc, units))
        all_units.append(units)
    _embed_pending(pending, embedder, progress, reuse or {})
    chunks = [c for units in all_units for c in units.chunks]
    sentences = [s for units in all_units for s in units.sentences]
    vectors = _stack([units.vectors for units in all_units], embedder.dim)
    chunk_counts = Counter(c.doc_id for c in chunks)
    documents = {doc_id: described(doc) for doc_id, doc in documents.items()}
    manifest = dict(index_settings(embedder), documents={
        doc_id: {"title": doc.title, "sha256": doc.sha256, "chars": len(doc.text),
                 "page_starts": list(doc.page_starts), "chunks": chunk_counts[doc_id],
                 "root": (roots or {}).get(doc_id), "date": doc.date, "place": doc.place}
        for doc_id, doc in documents.items()})
    if not search_structures:
        return IndexData(manifest, documents, chunks, sentences, vectors)
    return searchable_index(manifest, documents, chunks, sentences, vectors)


def described(doc: Document) -> Document:
    """`doc` with its date and place read from its text (`metadata`), unless already read."""
    if doc.date is not None and doc.place is not None:
        return doc
    return dataclasses.replace(doc, date=report_date(doc.text) or "",
                               place=report_place(normalise_for_matching(doc.text)) or "")


def _embed_pending(pending: list[tuple[Document, DocUnits]], embedder: Embedder, progress: bool,
                   reuse: dict[str, np.ndarray]) -> None:
    """Embed the passages of the pending documents (those `reuse` lacks) in one stream, then
    hand each document its rows."""
    texts = [doc.text[c.start:c.end] for doc, units in pending for c in units.chunks]
    missing = list(dict.fromkeys(t for t in texts if t not in reuse))
    fresh = dict(zip(missing, embed_texts(missing, embedder, progress)))
    embedded = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for row, text in enumerate(texts):
        embedded[row] = reuse[text] if text in reuse else fresh[text]
    row = 0
    for _, units in pending:
        units.vectors = embedded[row:row + len(units.chunks)]
        row += len(units.chunks)


def embed_texts(texts: list[str], embedder: Embedder, progress: bool = True) -> np.ndarray:
    """Passage vectors for `texts` in batches of similar length (a padded batch wastes
    little), with a progress bar on stderr."""
    from tqdm import tqdm

    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    size = settings.EMBED_BATCH_SIZE
    with tqdm(total=len(texts), desc="embedding", unit="text", disable=not progress or not texts,
              file=sys.stderr, leave=False) as bar:
        for start in range(0, len(texts), size):
            rows = order[start:start + size]
            out[rows] = embedder.embed_batch([texts[i] for i in rows], "passage")
            bar.update(len(rows))
    return out


def _stack(parts: list, dim: int) -> np.ndarray:
    parts = [p for p in parts if p is not None and len(p)]
    return np.vstack(parts).astype(np.float32) if parts else np.zeros((0, dim), np.float32)
