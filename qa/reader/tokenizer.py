"""The engine's tokenizer, rebuilt with Hugging Face `tokenizers`, with character offsets.

The e5 engine normalises each code point through a table (NFKC-like, control characters
dropped), collapses runs of spaces, then runs SentencePiece unigram Viterbi with a `▁`
metaspace. `tokenizers`' Unigram model does the Viterbi; the code-point table is applied
here so that every normalised character remembers which original character it came
from, and token offsets map back to the caller's text exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .weights import Vocabulary, load_engine_weights


@dataclass(frozen=True)
class Encoding:
    """Content token ids (no <s>/</s>) and each token's [start, end) in the original text."""

    ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray


class ReaderTokenizer:
    """Tokenises like the e5 engine; `encode_batch` returns offsets into the input."""

    def __init__(self, vocabulary: Vocabulary):
        from tokenizers import Tokenizer, models, pre_tokenizers

        pieces = list(zip(vocabulary.pieces, vocabulary.scores.astype(float).tolist()))
        self._tokenizer = Tokenizer(models.Unigram(pieces, unk_id=vocabulary.unk))
        self._tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
        self._table = vocabulary.normalisation
        self.bos, self.eos, self.pad = vocabulary.bos, vocabulary.eos, vocabulary.pad

    def encode_batch(self, texts: list[str]) -> list[Encoding]:
        """Encode `texts`; offsets of each token index the original string."""
        normalised = [self._normalise(t) for t in texts]
        encoded = self._tokenizer.encode_batch([n for n, _ in normalised], add_special_tokens=False)
        return [_with_source_offsets(e, source, len(text))
                for e, (_, source), text in zip(encoded, normalised, texts)]

    def encode(self, text: str) -> Encoding:
        return self.encode_batch([text])[0]

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


def _with_source_offsets(encoding, source: list[int], text_len: int) -> Encoding:
    starts, ends = [], []
    for start, end in encoding.offsets:
        if end <= start:  # a bare metaspace: zero width at its position
            pos = source[start] if start < len(source) else text_len
            starts.append(pos)
            ends.append(pos)
        else:
            starts.append(source[start])
            ends.append(source[end - 1] + 1)
    return Encoding(np.asarray(encoding.ids, np.int64), np.asarray(starts, np.int64), np.asarray(ends, np.int64))


@lru_cache(maxsize=1)
def load_tokenizer() -> ReaderTokenizer:
    """The tokenizer of the installed engine (built once per process)."""
    return ReaderTokenizer(load_engine_weights().vocabulary)
