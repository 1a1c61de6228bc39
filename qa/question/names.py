"""Names a question relies on, found in the documents: Chinese names directly, English
names (Quanzhou, Zhang Yigong) by matching their letters against the pinyin of the text.

pypinyin gives each character its toneless readings (all of them: 莲都 is 'Liandu', though
都 is read 'dou' more often), so a match maps straight back to a character span; that span
can then join the lexical query and the document check.
"""

from __future__ import annotations

import functools
import re

from ..files import cached_text, inputs_key
from .. import segmenter

_NOT_NAMES = {"China", "Chinese", "Plan", "Anew"}
"""English words that happen to spell pinyin but are not names in these reports' sense."""
_GENERIC = {"全会", "会议", "全市", "全省", "报告", "政府", "市委", "中国", "中共", "我国", "全国", "城市"}


@functools.lru_cache(maxsize=4096)
def syllables_of(text: str) -> tuple[tuple[str, ...], ...]:
    """Every lower-case toneless pinyin reading of each character (('',) for non-Chinese ones)."""
    from pypinyin import Style, pinyin

    return tuple(tuple(readings) for readings in
                 pinyin(text, style=Style.NORMAL, heteronym=True, errors=lambda chunk: [""] * len(chunk)))


def find_pinyin(name: str, text: str) -> str | None:
    """The Chinese run of `text` that some reading of its characters spells `name` (case,
    spaces and hyphens ignored), among runs that start a word: a run that starts inside one
    is not a name ('理水' of 治理水平 is not Lishui, '福建' of 幸福建设 not Fujian). Of several,
    the one whose characters take their first readings most (福建 before 市建, where 市 is
    read 'fu'), then the earliest.

    The work is bounded by the places that could spell the name, not by the text: a regular
    expression of the characters that can be read as each syllable finds them in one pass,
    and only the stretch of Chinese around each is read with pypinyin and cut with jieba
    (both read a run of Chinese characters, or jieba's block, independently of the rest)."""
    target = re.sub(r"[^a-z]", "", name.lower())
    if len(target) < 3:
        return None

    def spellings():
        for match in re.finditer(_spelling_pattern(target), text):
            start = match.start()
            block = _around(_JIEBA_BLOCK, text, start)
            if start - block[0] in word_starts(text[block[0]:block[1]]):
                run = _around(_hans(), text, start)
                yield start, _spells(syllables_of(text[run[0]:run[1]]), start - run[0], target)

    return _best_spelling(text, spellings())


def find_pinyin_reading_all(name: str, text: str) -> str | None:
    """`find_pinyin` the plain way (as it was until 0.4.0): pypinyin and jieba over the whole
    text, every word start tried. What `find_pinyin` must equal (tests) and is timed against
    (bench/names.py)."""
    target = re.sub(r"[^a-z]", "", name.lower())
    if len(target) < 3:
        return None
    syllables = syllables_of(text)

    def spellings():
        position = 0
        for word in _words(text):
            yield position, _spells(syllables, position, target)
            position += len(word)

    return _best_spelling(text, spellings())


def _best_spelling(text: str, spellings) -> str | None:
    """Of (start, `_spells` result or None) pairs in text order, the run spelled with the
    fewest characters in other than their first reading, the earliest of equals."""
    best = None
    for start, spelled in spellings:
        if spelled and (best is None or spelled[1] < best[2]):
            best = (start, spelled[0], spelled[1])
            if not spelled[1]:
                break
    return text[best[0]:best[0] + best[1]] if best else None


@functools.lru_cache(maxsize=4096)
def find_pinyin_cached(name: str, text: str) -> str | None:
    """`find_pinyin`, remembered per (name, document text): the names people ask about recur
    (Quanzhou, Lishui)."""
    return find_pinyin(name, text)


def _spells(syllables, start: int, target: str) -> tuple[int, int] | None:
    """(characters from `start` that spell `target` exactly, how many of them in a reading
    other than their first), trying first readings first; None if none do."""
    for rank, reading in enumerate(syllables[start] if start < len(syllables) else ()):
        if reading and target.startswith(reading):
            if reading == target:
                return 1, int(rank > 0)
            rest = _spells(syllables, start + 1, target[len(reading):])
            if rest:
                return 1 + rest[0], int(rank > 0) + rest[1]
    return None


@functools.lru_cache(maxsize=1)
def _hans() -> re.Pattern:
    """A character pypinyin reads as Chinese (its `RE_HANS`), runs of which it reads one by
    one (pypinyin is imported on first use: a Chinese question never needs it)."""
    from pypinyin.constants import RE_HANS

    return re.compile(RE_HANS.pattern[len("^(?:"):-len(")+$")])


_JIEBA_BLOCK = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]")
"""A character of the blocks jieba cuts one by one (its `re_han_default`)."""


def _around(character: re.Pattern, text: str, position: int) -> tuple[int, int]:
    """(start, end) of the run of `character`s in `text` holding `position`."""
    start, end = position, position + 1
    while start > 0 and character.match(text, start - 1):
        start -= 1
    while end < len(text) and character.match(text, end):
        end += 1
    return start, end


@functools.lru_cache(maxsize=1)
def _characters_read() -> dict[str, str]:
    """Toneless reading → every character pypinyin may read so (any of its readings); kept in
    the cache folder (`files.cached_text`), so an English question imports no pypinyin
    table to spell its names."""
    def build() -> str:
        import unicodedata

        from pypinyin.constants import PINYIN_DICT

        read: dict[str, set[str]] = {}
        for code, readings in PINYIN_DICT.items():
            for reading in readings.split(","):
                plain = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
                plain = "".join(c for c in plain if c.isascii()).lower()
                read.setdefault(plain, set()).add(chr(code))
        return "".join(f"{reading}\t{''.join(sorted(chars))}\n" for reading, chars in sorted(read.items()) if reading)

    text = cached_text(f"pinyin-readings-{_pinyin_version()}.tsv", build)
    return dict(line.split("\t", 1) for line in text.splitlines())


@functools.lru_cache(maxsize=256)
def _spelling_pattern(target: str) -> re.Pattern:
    """A zero-width pattern matching where some characters' readings spell `target`."""
    read = _characters_read()

    @functools.lru_cache(maxsize=None)
    def rest(i: int) -> str:
        if i == len(target):
            return ""
        options = [f"[{re.escape(read[target[i:j]])}]{tail}"
                   for j in range(i + 1, min(len(target), i + 6) + 1)
                   if target[i:j] in read and (tail := rest(j)) is not None]
        return None if not options else options[0] if len(options) == 1 else f"(?:{'|'.join(options)})"

    body = rest(0)
    return re.compile(f"(?={body})" if body is not None else r"(?!)")


@functools.lru_cache(maxsize=256)
def word_starts(text: str) -> frozenset[int]:
    """Where jieba's words of `text` start (its dictionary only, as `chinese_names` reads)."""
    starts, position = [], 0
    for word in _words(text):
        starts.append(position)
        position += len(word)
    return frozenset(starts)


def _words(text: str):
    """jieba's words of `text`, its dictionary only (no HMM for unknown words)."""
    return segmenter.jieba().cut(text, HMM=False)


@functools.lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin knows ('ü' spelled 'v' and 'u'), kept in the
    cache folder as `_characters_read` is."""
    def build() -> str:
        import unicodedata

        from pypinyin.constants import PINYIN_DICT

        out = set()
        for readings in PINYIN_DICT.values():
            for reading in readings.split(","):
                plain = "".join(c for c in unicodedata.normalize("NFD", reading) if c.isascii())
                out.update({plain.lower(), plain.lower().replace("v", "u")})
        return "".join(f"{s}\n" for s in sorted(out) if s.isalpha())

    return frozenset(cached_text(f"pinyin-syllables-{_pinyin_version()}.txt", build).split())


@functools.lru_cache(maxsize=1)
def _pinyin_version() -> str:
    """What the pinyin tables are built from: pypinyin's version and this module."""
    return inputs_key(("pypinyin",), (__file__,))


_BARE = frozenset({"a", "o", "e", "n", "m", "ng", "hm", "hng", "r"})
"""Syllables with no initial (啊 a, 嗯 n...): names rarely hold them, and with them almost any
English word splits into pinyin ('Ten' = te+n, 'Decision' = de+ci+si+o+n)."""


@functools.lru_cache(maxsize=1)
def _name_syllables() -> frozenset[str]:
    """The syllables a name is spelled with: all but the bare ones."""
    return pinyin_syllables() - _BARE


def is_pinyin(word: str) -> bool:
    """True if each part of `word` (split at apostrophes and hyphens) splits into pinyin
    syllables other than the bare ones (Quanzhou, Nan'an; not Party, Committee, Facing)."""
    syllables = _name_syllables()
    for part in re.split(r"['’\-]", word.lower()):
        reachable = [True] + [False] * len(part)
        for end in range(1, len(part) + 1):
            reachable[end] = any(reachable[start] and part[start:end] in syllables
                                 for start in range(max(0, end - 6), end))
        if not reachable[-1]:
            return False
    return True


def latin_names(question: str) -> tuple[str, ...]:
    """Capitalised pinyin words of an English question, neighbours joined (Zhang Yigong),
    apostrophes and hyphens kept (Nan'an, Song-Yuan; not a possessive 's). A lone syllable
    is no name: 'You', 'Song' and 'Nan' are English words or parts of names far more often."""
    names, current = [], []
    for word in re.findall(r"[A-Za-z]+(?:['’\-](?!s\b)[A-Za-z]+)*|[^A-Za-z]+", question):
        if word[0].isupper() and len(word) > 1 and word not in _NOT_NAMES and is_pinyin(word):
            current.append(word)
            continue
        if word.strip() == "" and current:
            continue
        if current:
            names.append(" ".join(current))
            current = []
    if current:
        names.append(" ".join(current))
    syllables = pinyin_syllables()
    return tuple(dict.fromkeys(n for n in names if " " in n or n.lower() not in syllables))


def chinese_names(normalised_question: str, tags: tuple[str, ...] = ("ns", "nr")) -> tuple[str, ...]:
    """Place and person names jieba tags in a (normalised) Chinese question (places only
    with `tags=("ns",)`)."""
    words = [word for word, flag in tagged(normalised_question) if flag in tags]
    return tuple(dict.fromkeys(w for w in words if len(w) >= 2 and w not in _GENERIC))


_OFFICE_OF_A_PLACE = re.compile(r"[市县区](?:委|长|政府|人大|政协|纪委)|[市县区]$")
_NAME_TAGS = ("ns", "nz", "nr", "nrt", "j")


_BODY_OF_A_PLACE = re.compile(r"^([\u4e00-\u9fff]{2,3}?)[市县区](?:委|政府)$")


def places_before_office(normalised_question: str) -> tuple[str, ...]:
    """Names jieba does not tag as places but a place's office or level follows ('三明' in
    '三明市委书记', '三明/市'), or that jieba joins to one as an organisation ('厦门市委'):
    they name a place all the same."""
    words = tagged(normalised_question)
    found = [word for (word, flag), (after, _) in zip(words, words[1:])
             if 2 <= len(word) <= 3 and flag in _NAME_TAGS and word not in _GENERIC and _OFFICE_OF_A_PLACE.match(after)]
    found += [body[1] for word, flag in words if flag == "nt" and (body := _BODY_OF_A_PLACE.match(word))]
    return tuple(dict.fromkeys(found))


def place_stem(place: str) -> str:
    """A city's name without 市 (泉州市 → 泉州), so both spellings compare equal."""
    return place[:-1] if len(place) > 2 and place.endswith("市") else place


def romanised(place: str, spellings: tuple[str, ...] = ()) -> str:
    """A Chinese place name as English writes it: 泉州 → 'Quanzhou', 莲都区 → 'Liandou
    District' (市 and 省 dropped, 县 and 区 as County and District; each character in its
    first reading), or as one of `spellings` (a question's own 'Liandu') spells it."""
    from pypinyin import lazy_pinyin

    suffix = {"县": " County", "区": " District"}.get(place[-1:], "")
    stem = place[:-1] if len(place) > 2 and place[-1] in "市省县区" else place
    for name in spellings:
        target = re.sub(r"[^a-z]", "", name.lower())
        if target and (spelled := _spells(syllables_of(stem), 0, target)) and spelled[0] == len(stem):
            return name + suffix
    return "".join(lazy_pinyin(stem)).capitalize() + suffix


@functools.lru_cache(maxsize=4096)
def tagged(text: str) -> tuple[tuple[str, str], ...]:
    """jieba part-of-speech tags; the HMM for unknown words is off (same names found on the
    eval set, and no 100 ms first-call tail: bench/RESULTS.md)."""
    return tuple((p.word, p.flag) for p in segmenter.posseg().cut(text, HMM=False))
