"""jieba with its dictionary memory-mapped: a process start reads no dictionary.

jieba keeps its 350,000-word dictionary as Python dicts: a prefix table of 498,000 keys
(its marshal cache loaded in about 0.5 s by the first cut) and a word → part-of-speech
table read line by line from the text file when `jieba.posseg` is imported (0.25 s).
Together they were a third of a one-question `qa ask` and about 100 MB of a server.

Here both are built once into marisa tries in the cache folder (`files.cache_folder`,
named by jieba's version and dictionary) and memory-mapped: a process pays a fraction
of a millisecond and the pages its questions touch, and processes share them. jieba's own
cutting code runs on the tries unchanged (they answer `in`, `[]` and `get` as its dicts
do, prefixes included); `tests/test_segmenter.py` compares the cuts with jieba's own.
When the cache folder cannot be written, jieba loads its dicts as it always did.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from .files import built_once, cache_folder, cached_trie, inputs_key

TOTAL_KEY = ""
"""The counts trie also holds jieba's `total` (the sum of the dictionary's counts) under
the empty word, which no cut looks up."""


class TrieCounts(Mapping):
    """jieba's prefix table (word → count, a word's prefixes → 0) over a marisa trie."""

    def __init__(self, trie):
        self._trie = trie

    def __getitem__(self, word: str) -> int:
        found = self._trie.get(word) if word != TOTAL_KEY else None
        if found is None:
            raise KeyError(word)
        return found[0][0]

    def get(self, word: str, default=None):
        found = self._trie.get(word) if word != TOTAL_KEY else None
        return default if found is None else found[0][0]

    def __contains__(self, word) -> bool:
        return word != TOTAL_KEY and word in self._trie

    def __iter__(self):
        return (word for word in self._trie.iterkeys() if word != TOTAL_KEY)

    def __len__(self) -> int:
        return len(self._trie) - 1


class TrieTags(Mapping):
    """jieba's word → part-of-speech tag table over a marisa trie."""

    def __init__(self, trie):
        self._trie = trie

    def __getitem__(self, word: str) -> str:
        found = self._trie.get(word)
        if found is None:
            raise KeyError(word)
        return found[0].decode()

    def get(self, word: str, default=None):
        found = self._trie.get(word)
        return default if found is None else found[0].decode()

    def __contains__(self, word) -> bool:
        return word in self._trie

    def __iter__(self):
        return self._trie.iterkeys()

    def __len__(self) -> int:
        return len(self._trie)


def jieba():
    """The jieba module, its dictionary mapped from the cache folder (`segmenter` docs)."""
    return _loaded()[0]


def posseg():
    """`jieba.posseg`, its word tags mapped from the cache folder."""
    return _loaded()[1]


@built_once
def _loaded():
    import jieba

    jieba.setLogLevel(60)
    tries = _tries(jieba)
    if tries is None:
        import jieba.posseg
        return jieba, jieba.posseg
    counts, tags = tries
    tokenizer = jieba.dt
    with tokenizer.lock:
        if not tokenizer.initialized:
            tokenizer.FREQ, tokenizer.total = TrieCounts(counts), counts[TOTAL_KEY][0][0]
            tokenizer.initialized = True
    if "jieba.posseg" not in sys.modules:
        # Importing jieba.posseg builds its tagger, which reads the dictionary file named
        # by jieba.dt: an empty file for that moment, the mapped tags after.
        dictionary, tokenizer.dictionary = tokenizer.dictionary, os.devnull
        try:
            import jieba.posseg
        finally:
            tokenizer.dictionary = dictionary
        jieba.posseg.dt.word_tag_tab = TrieTags(tags)
    return jieba, sys.modules["jieba.posseg"]


def _tries(jieba):
    """(counts, tags) marisa tries from the cache folder (`files.cached_trie`), built there
    the first time from jieba's dictionary as its own code reads it; None when they cannot
    be kept there (jieba's dicts are then as cheap as tries built in memory)."""
    import marisa_trie

    stem = f"jieba-{_version(jieba)}"
    try:
        cache_folder().mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    counts = cached_trie(f"{stem}-counts.marisa", lambda: marisa_trie.RecordTrie("<Q"), lambda: _counts(jieba))
    tags = cached_trie(f"{stem}-tags.marisa", marisa_trie.BytesTrie, lambda: _tags(jieba))
    return counts, tags


def _counts(jieba):
    """jieba's prefix table (`gen_pfdict`), its total under `TOTAL_KEY`."""
    import marisa_trie

    counts, total = jieba.Tokenizer.gen_pfdict(jieba.dt.get_dict_file())
    return marisa_trie.RecordTrie("<Q", [(TOTAL_KEY, (total,))] + [(w, (c,)) for w, c in counts.items()])


def _tags(jieba):
    """jieba's word tags, read as `jieba.posseg`'s `load_word_tag` reads them."""
    import marisa_trie

    tags: dict[str, str] = {}
    with jieba.dt.get_dict_file() as lines:
        for line in lines:
            line = line.strip().decode("utf-8")
            if line:
                word, _, tag = line.split(" ")
                tags[word] = tag
    return marisa_trie.BytesTrie((w, t.encode()) for w, t in tags.items())


def _version(jieba) -> str:
    """What the tries are built from: jieba's version, this module and the size of the
    dictionary file jieba reads (`files.inputs_key`)."""
    dictionary = jieba.dt.dictionary or Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME
    try:
        size = os.path.getsize(dictionary)
    except OSError:
        size = 0
    return f"{inputs_key(('jieba',), (__file__,))}-{size}"
