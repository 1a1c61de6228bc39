"""The dense side of retrieval: a FAISS inner-product index over unit vectors.

Exact search (IndexFlatIP) below `HNSW_MIN_CHUNKS` chunks, HNSW above: the crossover is
measured in bench/scale.py. A document filter is pushed into FAISS with an ID selector
(exact index) or by over-fetching and filtering (HNSW), never by a Python loop over rows.
"""

from __future__ import annotations

import numpy as np

from .. import settings


def build_dense_index(vectors: np.ndarray):
    """A FAISS index over `vectors` (n, dim), its type chosen by corpus size."""
    import faiss

    n, dim = vectors.shape
    if n >= settings.HNSW_MIN_CHUNKS:
        index = faiss.IndexHNSWFlat(dim, settings.HNSW_NEIGHBORS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
    else:
        index = faiss.IndexFlatIP(dim)
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def search_dense(index, query: np.ndarray, k: int, allowed: np.ndarray | None = None):
    """Best `k` rows for one query vector, optionally only among `allowed` row ids.

    Returns:
        (ids, scores): int64 and float32 arrays, best first, at most k long.
    """
    import faiss

    k = min(k, index.ntotal if allowed is None else len(allowed))
    if k <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    if allowed is None:
        scores, ids = index.search(q, k)
    elif isinstance(index, faiss.IndexHNSWFlat):
        scores, ids = _search_hnsw_filtered(index, q, k, allowed)
    else:
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed.astype(np.int64)))
        scores, ids = index.search(q, k, params=params)
    keep = ids[0] >= 0
    return ids[0][keep], scores[0][keep]


def _search_hnsw_filtered(index, q, k, allowed):
    wanted = np.isin(np.arange(index.ntotal), allowed)
    fetch = k
    while True:
        fetch = min(fetch * 4, index.ntotal)
        scores, ids = index.search(q, fetch)
        mask = (ids[0] >= 0) & wanted[np.maximum(ids[0], 0)]
        if mask.sum() >= k or fetch == index.ntotal:
            return scores[:, mask][:, :k], ids[:, mask][:, :k]
