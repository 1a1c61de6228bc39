"""The engine's tokenizer, with character offsets, over a memory-mapped trie of its pieces.

The e5 engine normalises each code point through a table (NFKC-like, control characters
dropped), collapses runs of spaces, then runs SentencePiece unigram Viterbi with a `▁`
metaspace. The table is applied here so that every normalised character remembers which
original character it came from, and token offsets map back to the caller's text exactly.

The Viterbi search is Hugging Face `tokenizers`' Unigram model's, step for step (words
split before each `▁`, one `▁` put first, the best path by strictly greater score, an
unknown character scored ten below the lowest piece, unknown tokens in a row fused into
one), over the engine's 250,002 pieces kept as a marisa trie in the cache folder: that
model rebuilds its own trie at every start (0.54 s, most of a cold question's set-up
beside the reader itself); the mapped trie opens in a millisecond and holds a few MB.
`tests/test_reader.py` checks ids and offsets against that model and token counts against
the engine.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..files import built_once, cache_folder, cached_trie, write_atomically
from .weights import Vocabulary, engine_weight_path, load_engine_weights

METASPACE = "▁"
UNK_PENALTY = 10.0
"""An unknown character's score: this far below the lowest piece's (as SentencePiece)."""


@dataclass(frozen=True)
class Encoding:
    """Content token ids (no <s>/</s>) and each token's [start, end) in the original text."""

    ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray


class ReaderTokenizer:
    """Tokenises like the e5 engine; `encode_batch` returns offsets into the input."""

    def __init__(self, vocabulary: Vocabulary, trie, piece_of_key, score_of_key):
        """`trie` holds every piece; its key ids index `piece_of_key` and `score_of_key`
        (sequences of int and float: `array.array`s, 3 MB where lists took 20)."""
        self._trie, self._piece_of_key, self._score_of_key = trie, piece_of_key, score_of_key
        self._unk_score = min(score_of_key) - UNK_PENALTY
        self._longest = int(np.diff(vocabulary.offsets).max())  # in bytes: no piece has more characters
        self._table = vocabulary.normalisation
        self.bos, self.eos, self.pad, self.unk = vocabulary.bos, vocabulary.eos, vocabulary.pad, vocabulary.unk

    def encode_batch(self, texts: list[str]) -> list[Encoding]:
        """Encode `texts`; offsets of each token index the original string."""
        return [self.encode(text) for text in texts]

    def encode(self, text: str) -> Encoding:
        normalised, source = self._normalise(text)
        ids, starts, ends = [], [], []
        for piece, start, end in self._tokens(normalised):
            if end <= start:  # a bare metaspace: zero width at its position
                pos = source[start] if start < len(source) else len(text)
                starts.append(pos)
                ends.append(pos)
            else:
                starts.append(source[start])
                ends.append(source[end - 1] + 1)
            ids.append(piece)
        return Encoding(np.asarray(ids, np.int64), np.asarray(starts, np.int64), np.asarray(ends, np.int64))

    def piece(self, token_id: int) -> str:
        """The text of piece `token_id`."""
        return self._trie.restore_key(self._key_of_piece()[token_id])

    @lru_cache(maxsize=1)
    def _key_of_piece(self) -> list[int]:
        return np.argsort(np.frombuffer(self._piece_of_key, np.int64)).tolist()

    def _normalise(self, text: str) -> tuple[str, list[int]]:
        """The engine's normalised text and, per normalised character, its source index."""
        chars, source = [], []
        for i, ch in enumerate(text):
            for out in self._table.get(ch, ch):
                if out == " " and chars and chars[-1] == " ":
                    continue
                chars.append(out)
                source.append(i)
        return "".join(chars), source

    def _tokens(self, normalised: str):
        """(piece id, start, end) over `normalised`, offsets as the Unigram model gives them:
        the `▁` put first shares the first character's place."""
        if not normalised:
            return
        spaced = normalised.replace(" ", METASPACE)
        shift = 0 if spaced.startswith(METASPACE) else 1
        spaced = METASPACE * shift + spaced
        word_start = 0
        for word_end in [i for i in range(1, len(spaced)) if spaced[i] == METASPACE] + [len(spaced)]:
            for piece, start, end in self._viterbi(spaced[word_start:word_end]):
                a, b = word_start + start, word_start + end
                yield piece, max(a - shift, 0), max(b - shift, 1)
            word_start = word_end

    def _viterbi(self, word: str) -> list[tuple[int, int, int]]:
        """The best pieces of one word: (piece id, start, end) in its characters."""
        n = len(word)
        score = [0.0] * (n + 1)
        came_from: list[int | None] = [None] * (n + 1)
        piece = [0] * (n + 1)
        pieces, scores = self._piece_of_key, self._score_of_key
        for start in range(n):
            till_here = score[start]
            single = False
            for key, key_id in self._trie.iter_prefixes_with_ids(word[start:start + self._longest]):
                end = start + len(key)
                candidate = scores[key_id] + till_here
                if came_from[end] is None or candidate > score[end]:
                    score[end], came_from[end], piece[end] = candidate, start, pieces[key_id]
                single = single or end == start + 1
            if not single:
                candidate = self._unk_score + till_here
                if came_from[start + 1] is None or candidate > score[start + 1]:
                    score[start + 1], came_from[start + 1], piece[start + 1] = candidate, start, self.unk
        out, end = [], n
        while end > 0:
            start = came_from[end]
            if piece[end] == self.unk and out and out[-1][0] == self.unk:
                out[-1] = (self.unk, start, out[-1][2])  # unknown tokens in a row are one
            else:
                out.append((piece[end], start, end))
            end = start
        return out[::-1]


@built_once
def load_tokenizer() -> ReaderTokenizer:
    """The tokenizer of the installed engine (its trie built once into the cache folder, then
    mapped; built in memory when the folder cannot be written)."""
    import marisa_trie

    vocabulary = load_engine_weights().vocabulary
    stem = f"e5-pieces-{_version()}"
    trie = cached_trie(f"{stem}.marisa", marisa_trie.Trie, lambda: marisa_trie.Trie(vocabulary.pieces))
    piece_of_key = _piece_of_key(trie, vocabulary, stem)
    scores = vocabulary.scores[piece_of_key].astype(np.float64)
    return ReaderTokenizer(vocabulary, trie, array("l", piece_of_key.astype(np.int64).tobytes()),
                           array("d", scores.tobytes()))


def _piece_of_key(trie, vocabulary: Vocabulary, stem: str) -> np.ndarray:
    """Piece id of each of the trie's key ids (the trie numbers its keys in its own order),
    kept beside the trie in the cache folder; checked against the trie on a sample of keys."""
    path = cache_folder() / f"{stem}.npy"
    try:
        table = np.load(path)
        if len(table) == len(trie) and all(trie.restore_key(k) == _piece_text(vocabulary, int(table[k]))
                                           for k in range(0, len(table), max(1, len(table) // 64))):
            return table
    except (OSError, ValueError, IndexError):
        pass
    ids = {piece: i for i, piece in enumerate(vocabulary.pieces)}
    table = np.asarray([ids[trie.restore_key(k)] for k in range(len(trie))], np.int32)
    try:
        write_atomically(path, _npy_bytes(table))
    except OSError:
        pass
    return table


def _npy_bytes(array: np.ndarray) -> bytes:
    import io

    out = io.BytesIO()
    np.save(out, array)
    return out.getvalue()


def _piece_text(vocabulary: Vocabulary, piece: int) -> str:
    start, end = int(vocabulary.offsets[piece]), int(vocabulary.offsets[piece + 1])
    return bytes(vocabulary.blob[start:end]).decode("utf-8", "replace")


def _version() -> str:
    """What the trie is built from: the engine's weight file, by its size and vocabulary."""
    import hashlib

    vocabulary = load_engine_weights().vocabulary
    digest = hashlib.sha256(bytes(vocabulary.blob[:1 << 16]))
    digest.update(vocabulary.scores.tobytes())
    return f"{engine_weight_path().stat().st_size}-{digest.hexdigest()[:16]}"
