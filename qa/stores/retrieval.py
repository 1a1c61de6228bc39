"""Hybrid retrieval in the folder store: dense FAISS hits and BM25 hits fused by reciprocal rank.

Reciprocal rank fusion (Cormack, Clarke & Buettcher, SIGIR 2009): each chunk scores
sum(1 / (k + rank)) over the rankings it appears in. It needs no score calibration
between cosine and BM25, which matters here because BM25 scores for an English question
over Chinese text are all zero while its dense scores are fine.
"""

from __future__ import annotations

import numpy as np

from .. import settings
from ..core import Chunk, Document, Hit, IndexData, Sentence
from .dense import build_dense_index, search_dense
from .lexical import build_lexical_index, score_lexical


def fuse_rankings(rankings: list[np.ndarray], k: int = settings.RRF_K) -> dict[int, float]:
    """Reciprocal rank fusion of several best-first id arrays: id → fused score."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, row in enumerate(ranking.tolist()):
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank + 1)
    return fused


def allowed_rows(index: IndexData, docs: list[str] | None) -> np.ndarray | None:
    """Chunk rows of the given documents, or None for no filter."""
    if docs is None:
        return None
    wanted = set(docs)
    return np.asarray([i for i, c in enumerate(index.chunks) if c.doc_id in wanted], dtype=np.int64)


def retrieve(index: IndexData, query_vector: np.ndarray, question: str, top_k: int,
             docs: list[str] | None = None, candidates: int = settings.CANDIDATE_PASSAGES) -> list[Hit]:
    """The `top_k` best chunks for a question, by fused dense and lexical rank (the folder
    store's `IndexData.searcher`)."""
    allowed = allowed_rows(index, docs)
    if not index.chunks or (allowed is not None and not len(allowed)):
        return []
    dense_ids, _ = search_dense(index.dense, query_vector, candidates, allowed)
    lexical = score_lexical(index.lexical, question, index.manifest["lexical_tokenizer"],
                            len(index.chunks))
    if allowed is not None:
        mask = np.zeros(len(lexical), bool)
        mask[allowed] = True
        lexical = np.where(mask, lexical, 0.0)
    lexical_ids = np.argsort(-lexical, kind="stable")[:candidates]
    lexical_ids = lexical_ids[lexical[lexical_ids] > 0]
    fused = fuse_rankings([dense_ids, lexical_ids])
    return [Hit(row, score) for row, score in sorted(fused.items(), key=lambda item: -item[1])[:top_k]]


def searchable_index(manifest: dict, documents: dict[str, Document], chunks: list[Chunk],
                     sentences: list[Sentence], vectors: np.ndarray) -> IndexData:
    """An index this module searches: FAISS over the chunk vectors, BM25 over the chunk texts."""
    texts = [documents[c.doc_id].text[c.start:c.end] for c in chunks]
    lexical = build_lexical_index(texts, manifest["lexical_tokenizer"]) if texts else None
    return IndexData(manifest, documents, chunks, sentences, vectors, build_dense_index(vectors), lexical, retrieve)
