"""English names over long reports, and the CC-CEDICT headword lists: per-question work
that grew with the archive.

Table 1: `names.find_pinyin` (0.4.0: a regular expression finds where a name could be
spelled, pinyin and jieba read only the Chinese around it) against reading every character
(0.3.0: pypinyin and jieba over the whole text, then every word start tried), for a name the
text holds and one it does not, over the seed reports repeated to 20k, 100k and 500k
characters (the document limit). Both are first calls on the text (no cache), median of a
few runs; the answers are compared too.

Table 2: CC-CEDICT's common words and proper nouns, read from the dictionary against read
from the cache folder (`dictionary._headwords`).

    .venv/bin/python bench/names.py [--quick]   # ~1 min (--quick: ~15 s)
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

import common

ROOT = common.ROOT
SIZES = (20_000, 100_000, 500_000)
NAMES = ("Lishui", "Xiamen")


def timed(function, *args, runs: int) -> tuple[float, object]:
    """Median seconds of `runs` calls, caches cleared before each, and the last result."""
    from qa.question import names

    times, result = [], None
    for _ in range(runs):
        names.syllables_of.cache_clear()
        names.word_starts.cache_clear()
        names._spelling_pattern.cache_clear()
        began = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0])
    info = common.machine_info()
    common.print_header("English names over long reports; CC-CEDICT headwords", info, args.quick)
    import jieba

    from qa.question import dictionary
    from qa.question.names import find_pinyin, find_pinyin_reading_all

    jieba.setLogLevel(60)
    jieba.initialize()
    find_pinyin("Quanzhou", "泉州")  # the character table, built once per process
    seeds = "".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted((ROOT / "seeds").iterdir()))
    runs, rows = (1 if args.quick else 3), []
    for size in SIZES[:2] if args.quick else SIZES:
        text = (seeds * (size // len(seeds) + 1))[:size]
        for name in NAMES:
            before, old = timed(find_pinyin_reading_all, name, text, runs=runs)
            after, new = timed(find_pinyin, name, text, runs=runs)
            rows.append([f"{size:,}", name, before, after, f"{before / after:.0f}x", old == new])
    print(common.markdown_table(["text chars", "name", "whole text (0.3.0) s", "around spellings (0.4.0) s",
                                 "ratio", "same answer"], rows))
    headwords = []
    with tempfile.TemporaryDirectory() as cache:
        os.environ["QA_CACHE_DIR"] = cache
        for label in ("read from the dictionary (first process)", "read from the cache folder"):
            dictionary._headwords.cache_clear()
            began = time.perf_counter()
            dictionary._headwords()
            headwords.append([label, time.perf_counter() - began])
    print()
    print(common.markdown_table(["CC-CEDICT common words and proper nouns", "s"], headwords))
    common.finish("names", info, {"names": rows, "headwords": headwords}, args.label)


if __name__ == "__main__":
    main()
