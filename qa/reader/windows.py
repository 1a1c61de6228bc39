"""Question + passage token windows for the reader, shared by training and answering.

A window is `<s> question </s></s> passage-piece </s>` (XLM-R's pair layout), at most
`max_tokens` long; a passage longer than one window is cut into overlapping pieces with
`stride_tokens` of shared context, as in the reference SQuAD scripts. Each window keeps,
per token, the character offsets it came from in the passage (-1 outside the passage),
so a span the model picks is cut from the original text, never rebuilt from tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .tokenizer import Encoding

QUESTION_PREFIX = "query: "
"""The e5 role prefix the encoder was trained with for questions."""


@dataclass(frozen=True)
class Window:
    """One model input: token ids and, per token, the passage characters it covers."""

    passage: int
    ids: np.ndarray
    char_starts: np.ndarray
    char_ends: np.ndarray

    @property
    def context_mask(self) -> np.ndarray:
        """True where a token belongs to the passage (only those may start or end a span)."""
        return self.char_starts >= 0


def make_windows(question: Encoding, passages: list[Encoding], specials: tuple[int, int],
                 max_tokens: int, stride_tokens: int, max_question_tokens: int) -> list[Window]:
    """All windows of `question` against each of `passages`, in passage order.

    Args:
        specials: the (bos, eos) token ids.
        stride_tokens: passage tokens shared by consecutive windows of one passage.
    """
    bos, eos = specials
    q_ids = question.ids[:max_question_tokens]
    head = np.concatenate([[bos], q_ids, [eos, eos]]).astype(np.int64)
    room = max_tokens - len(head) - 1
    step = max(room - stride_tokens, 1)
    windows = []
    for p, enc in enumerate(passages):
        n = len(enc.ids)
        for lo in range(0, max(n - stride_tokens, 1), step) if n > room else [0]:
            hi = min(lo + room, n)
            pad = np.full(len(head), -1, np.int64)
            windows.append(Window(
                p, np.concatenate([head, enc.ids[lo:hi], [eos]]).astype(np.int64),
                np.concatenate([pad, enc.starts[lo:hi], [-1]]),
                np.concatenate([pad, enc.ends[lo:hi], [-1]])))
            if hi == n:
                break
    return windows


def pad_windows(windows: list[Window], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Token ids [n, longest] padded with `pad_id`, and the attention mask."""
    longest = max(len(w.ids) for w in windows)
    ids = np.full((len(windows), longest), pad_id, np.int64)
    mask = np.zeros((len(windows), longest), np.int64)
    for i, w in enumerate(windows):
        ids[i, :len(w.ids)] = w.ids
        mask[i, :len(w.ids)] = 1
    return ids, mask
