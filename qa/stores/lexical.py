"""The lexical side of retrieval: BM25 (bm25s) over normalised Chinese-aware tokens.

bm25s does the scoring (Lucene's BM25 variant, Robertson & Zaragoza 2009); this module
only decides the tokens (see `textnorm`) and keeps tokens out of the vocabulary query
path. Scores for all chunks come back as one array, so fusion and filters are numpy.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..textnorm import lexical_tokens


def build_lexical_index(texts: Sequence[str], tokenizer: str):
    """A bm25s index over `texts`."""
    import bm25s

    index = bm25s.BM25()
    corpus = [lexical_tokens(t, tokenizer) or ["\u2400"] for t in texts]
    if corpus:
        index.index(corpus, show_progress=False)
    return index


def score_lexical(index, query: str, tokenizer: str, n_chunks: int) -> np.ndarray:
    """BM25 score of every chunk for `query` (zeros for an empty index or no known token)."""
    if n_chunks == 0:
        return np.zeros(0, np.float32)
    vocab = index.vocab_dict
    tokens = [t for t in lexical_tokens(query, tokenizer) if t in vocab]
    if not tokens:
        return np.zeros(n_chunks, np.float32)
    return np.asarray(index.get_scores(tokens), dtype=np.float32)
