"""Names a question relies on, found in the documents: Chinese names directly, English
names (Quanzhou, Zhang Yigong) by matching their letters against the pinyin of the text.

pypinyin gives one toneless syllable per character, so a match maps straight back to a
character span; that span can then join the lexical query and the document check.
"""

from __future__ import annotations

import functools
import re

_GENERIC = {"全会", "会议", "全市", "全省", "报告", "政府", "市委", "中国", "中共", "我国", "全国", "城市"}


@functools.lru_cache(maxsize=256)
def syllables_of(text: str) -> tuple[str, ...]:
    """One lower-case toneless pinyin syllable per character ('' for non-Chinese ones)."""
    from pypinyin import lazy_pinyin

    return tuple(lazy_pinyin(text, errors=lambda chunk: [""] * len(chunk)))


def find_pinyin(name: str, text: str) -> str | None:
    """The Chinese run of `text` whose pinyin spells `name` (case, spaces and hyphens ignored)."""
    target = re.sub(r"[^a-z]", "", name.lower())
    if len(target) < 3:
        return None
    syllables = syllables_of(text)
    for start, first in enumerate(syllables):
        if not first or not target.startswith(first):
            continue
        spelled, end = "", start
        while end < len(syllables) and syllables[end] and len(spelled) < len(target):
            spelled += syllables[end]
            end += 1
            if spelled == target:
                return text[start:end]
    return None


def chinese_names(normalised_question: str) -> tuple[str, ...]:
    """Place, person and organisation names jieba tags in a (normalised) Chinese question."""
    from .spans import tagged_words

    words = tagged_words(normalised_question, ("ns", "nr", "nt", "nz"))
    return tuple(dict.fromkeys(w for w, _ in words if len(w) >= 2 and w not in _GENERIC))
