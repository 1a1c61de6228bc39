"""Normalise text for matching and cut it into lexical tokens.

Traditional and Simplified Chinese are one language to a reader, so everything that is
*compared* (BM25 tokens, question keywords, metric strings) goes through OpenCC's t2s
first; nothing that is *shown or cited* does. Conversion is kept length-preserving (it
falls back to character-by-character when a phrase rule would change the length), so an
offset found in normalised text is the same offset in the original.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:\.[0-9]+)?%?")


@functools.lru_cache(maxsize=1)
def _t2s():
    from opencc_purepy import OpenCC

    return OpenCC("t2s")


CONVERT_PIECE_CHARS = 100_000
"""Longest piece handed to OpenCC at once. opencc-purepy converts an input of a million
characters or more in a `multiprocessing.Pool`; forked from a threaded server, that pool's
children can deadlock on a lock another thread held, so long texts go in pieces, each ending
just after a delimiter (OpenCC converts between delimiters independently: the result is the same)."""


def convert(converter, text: str) -> str:
    """`converter.convert(text)` in pieces of at most CONVERT_PIECE_CHARS (never forking)."""
    if len(text) <= CONVERT_PIECE_CHARS:
        return converter.convert(text)
    out, start = [], 0
    while start < len(text):
        end = min(start + CONVERT_PIECE_CHARS, len(text))
        if end < len(text):
            cut = max(text.rfind(mark, start, end) for mark in "\n。，, ")
            end = cut + 1 if cut > start else end
        out.append(converter.convert(text[start:end]))
        start = end
    return "".join(out)


def to_simplified(text: str) -> str:
    """`text` in Simplified characters, same length as the input."""
    converted = convert(_t2s(), text)
    if len(converted) == len(text):
        return converted
    return "".join(c if len(c) == 1 else o for o, c in zip(text, map(_t2s().convert, text)))


@functools.lru_cache(maxsize=1)
def _s2t():
    from opencc_purepy import OpenCC

    return OpenCC("s2t")


def to_traditional(text: str) -> str:
    """`text` in Traditional characters (OpenCC s2t; its length may change)."""
    return convert(_s2t(), text)


def normalise_for_matching(text: str) -> str:
    """Simplified, NFKC (full-width digits and letters to ASCII), lower-case; same length."""
    folded = unicodedata.normalize("NFKC", text)
    if len(folded) != len(text):
        folded = "".join(c if len(n) != 1 else n for c, n in
                         ((c, unicodedata.normalize("NFKC", c)) for c in text))
    simplified = to_simplified(folded)
    lowered = simplified.lower()
    if len(lowered) == len(simplified):
        return lowered
    # 'İ'.lower() is 'i' + a combining dot: such characters keep their case, not their length
    return "".join(low if len(low) == 1 else c for c, low in ((c, c.lower()) for c in simplified))


def bigram_tokens(text: str) -> list[str]:
    """Character bigrams of every Chinese run (single characters for runs of one), plus
    lower-cased Latin words and numbers. Expects normalised text."""
    tokens: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group()
        if _CJK_RUN.fullmatch(word):
            tokens.extend(word[i:i + 2] for i in range(max(len(word) - 1, 1)))
        else:
            tokens.append(word)
    return tokens


def jieba_tokens(text: str) -> list[str]:
    """jieba's search-mode words (Chinese) plus Latin words and numbers. Expects normalised text."""
    from . import segmenter

    return [t for t in segmenter.jieba().lcut_for_search(text) if _WORD.fullmatch(t) or _CJK_RUN.fullmatch(t)]


LEXICAL_TOKENIZERS = {"bigram": bigram_tokens, "jieba": jieba_tokens}
"""Tokenizers BM25 can use; the choice is recorded in the manifest (see eval/RESULTS.md)."""

DEFAULT_LEXICAL_TOKENIZER = "bigram"
"""Measured against jieba on the dev set (eval/RESULTS.md); bigrams need no dictionary load."""


def lexical_tokens(text: str, tokenizer: str = DEFAULT_LEXICAL_TOKENIZER) -> list[str]:
    """Normalise `text` and cut it with the named tokenizer."""
    return LEXICAL_TOKENIZERS[tokenizer](normalise_for_matching(text))


# Answer strings as exact match compares them (the CMRC 2018 evaluation's convention: see
# `evaluation.metrics`); the assistant uses the same folding to tell one answer from another.

KEPT_MARKS = frozenset("%‰")
"""Punctuation-class characters that change an answer's meaning (5% is not 5), so stay."""

DROPPED_SYMBOLS = frozenset("+=^`~|<>")
"""Math and markup symbols dropped like punctuation (the CMRC script drops + = ^ ` ~ too)."""

_WIDE = "\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0002fa1f"
_TOKEN = re.compile(rf"[{_WIDE}]|(?:[^\W{_WIDE}]|(?<=\d)\.(?=\d))+|\S")
"""One token per Han / kana / Hangul character, per Latin word or number (5.2 is one), or
per remaining symbol (%, ℃, ¥)."""


def _is_punctuation(text: str, i: int) -> bool:
    """Whether text[i] is punctuation to drop; a decimal point between digits is not."""
    char = text[i]
    if char == "." and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
        return False
    if char in DROPPED_SYMBOLS:
        return True
    return unicodedata.category(char).startswith("P") and char not in KEPT_MARKS


def answer_tokens(text: str) -> list[str]:
    """The CMRC-style tokens of an answer string after folding and punctuation removal.

    Args:
        text: an answer as written (any script, width or case).
    Returns:
        Tokens: each Chinese character alone, Latin words and numbers whole, lower-cased,
        Traditional folded to Simplified, full-width folded to ASCII.
    """
    folded = normalise_for_matching(text)
    # Punctuation is deleted, not turned into a space, as the CMRC script does: "6,000"
    # becomes the one token "6000" and "Quanzhou-style" the one word "quanzhoustyle".
    kept = "".join(c for i, c in enumerate(folded) if not _is_punctuation(folded, i))
    return _TOKEN.findall(kept)


def normalise_answer(text: str) -> str:
    """The answer folded (Traditional→Simplified, NFKC, lower-case) without punctuation or
    whitespace: the string exact match compares. Equals "".join(answer_tokens(text))."""
    return "".join(answer_tokens(text))
