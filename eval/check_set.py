"""Validate the hand-made QA evaluation set (stdlib only).

Usage:  python eval/check_set.py [path/to/qa.jsonl]

Checks the schema and allowed values, that every answer and evidence string
occurs verbatim in the named seed document, that answers are substrings of
their evidence, the unanswerable conventions, and the mix rules (counts per
lang / type / split / trap / paraphrase, document coverage).  Prints a summary
table; exits 1 and lists the problems if any check fails.

`check_set(path, seeds_dir) -> list[str]` returns the list of problems so a
test can import it.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SET = HERE / "qa.jsonl"
DEFAULT_SEEDS = HERE.parent / "seeds"

REQUIRED_KEYS = {"id", "split", "question", "answers", "doc", "evidence", "type", "lang"}
OPTIONAL_KEYS = {"trap", "paraphrase", "premise"}
PREMISES = {"place", "role", "measure", "year", "meeting", "date", "part", "other", "script", "code", "list"}
SPLITS = {"dev", "test"}
TYPES = {"number", "date", "person", "place", "org", "phrase", "explain", "unanswerable"}
ANSWERABLE_TYPES = TYPES - {"unanswerable"}
LANGS = {"zh-Hans", "zh-Hant", "en"}
TRAPS = {"year", "city"}

# Mix rules
MIN_TOTAL = 130
MIN_HANT = 15
MIN_EN = 15
MIN_UNANSWERABLE_SHARE = 0.18
MIN_YEAR_TRAPS = 8
MIN_CITY_TRAPS = 6
MIN_PARAPHRASE_SHARE = 1 / 3
MIN_PER_ANSWERABLE_TYPE = 5
MIN_DOC_SHARE = 0.10          # each seed document gets >= 10% of answerable items
DEV_SHARE_RANGE = (0.30, 0.50)
MAX_SPAN = {"explain": 80}    # max length of the first (minimal) answer, chars
DEFAULT_MAX_SPAN = 40
PARAPHRASE_MAX_SHARED = 5     # paraphrased zh question shares < 6 consecutive chars with evidence

# Characters that exist only in one script (common ones), for a light lang sanity check.
_PAIRS = (
    "国國 会會 时時 为為 说說 发發 经經 济濟 个個 们們 这這 书書 记記 亿億 万萬 产產 业業 区區 设設 议議 "
    "计計 对對 举舉 开開 关關 员員 党黨 项項 数數 长長 门門 间間 级級 总總 实實 务務 报報 东東 乡鄉 义義 "
    "习習 农農 镇鎮 县縣 两兩 环環 湾灣 资資 调調 么麼 哪哪 谁誰 丽麗 温溫 泉泉 审審 岁歲 亩畝 场場 动動 "
    "划劃 协協 现現 进進 这這 过過 还還 样樣 岗崗 确確 预預 标標 选選 达達 几幾 届屆 体體 题題 与與 "
)
SIMP_ONLY = set()
TRAD_ONLY = set()
for _p in _PAIRS.split():
    if _p[0] != _p[1]:
        SIMP_ONLY.add(_p[0])
        TRAD_ONLY.add(_p[1])

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def _longest_common_substring(a: str, b: str) -> int:
    best = 0
    prev = [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        cur = [0] * (len(b) + 1)
        ai = a[i - 1]
        for j in range(1, len(b) + 1):
            if ai == b[j - 1]:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best = cur[j]
        prev = cur
    return best


def load_set(path: Path) -> tuple[list[dict], list[str]]:
    items, problems = [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append(f"line {n}: invalid JSON ({e})")
                continue
            if not isinstance(obj, dict):
                problems.append(f"line {n}: not a JSON object")
                continue
            items.append(obj)
    return items, problems


def _check_item(r: dict, docs: dict[str, str]) -> list[str]:
    p: list[str] = []
    rid = r.get("id", "<no id>")
    keys = set(r)
    missing = REQUIRED_KEYS - keys
    extra = keys - REQUIRED_KEYS - OPTIONAL_KEYS
    if missing:
        p.append(f"{rid}: missing keys {sorted(missing)}")
    if extra:
        p.append(f"{rid}: unexpected keys {sorted(extra)}")
    if missing:
        return p
    if not isinstance(rid, str) or not re.fullmatch(r"(?:q|p|pm|pq|pr|ps)\d{3,}", rid):
        p.append(f"{rid}: id must look like q001")  # p001, pm001, pq001, pr001, ps001 in premises*.jsonl
    if "premise" in r and r["premise"] not in PREMISES:
        p.append(f"{rid}: premise {r['premise']!r} not in {sorted(PREMISES)}")
    if r["split"] not in SPLITS:
        p.append(f"{rid}: split {r['split']!r} not in {sorted(SPLITS)}")
    if r["type"] not in TYPES:
        p.append(f"{rid}: type {r['type']!r} not in {sorted(TYPES)}")
    if r["lang"] not in LANGS:
        p.append(f"{rid}: lang {r['lang']!r} not in {sorted(LANGS)}")
    if "trap" in r and r["trap"] not in TRAPS:
        p.append(f"{rid}: trap {r['trap']!r} not in {sorted(TRAPS)}")
    if "paraphrase" in r and r["paraphrase"] is not True:
        p.append(f"{rid}: paraphrase, if present, must be true")

    q = r["question"]
    if not isinstance(q, str) or not q.strip():
        p.append(f"{rid}: empty question")
        return p
    # language / script sanity
    lang = r["lang"]
    n_cjk, n_lat = len(_CJK.findall(q)), len(_LATIN.findall(q))
    if lang == "en":
        if n_lat < 3 * n_cjk or n_lat == 0:
            p.append(f"{rid}: lang en but question is not mainly English")
    else:
        if n_cjk == 0 or n_lat > n_cjk:
            p.append(f"{rid}: lang {lang} but question is not mainly Chinese")
        bad = sorted({c for c in q if c in (SIMP_ONLY if lang == "zh-Hant" else TRAD_ONLY)})
        if bad:
            p.append(f"{rid}: lang {lang} but question contains characters of the other script: {''.join(bad)}")

    answers, doc, ev = r["answers"], r["doc"], r["evidence"]
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        p.append(f"{rid}: answers must be a list of strings")
        return p
    if r["type"] == "unanswerable" or doc is None:
        if r["type"] != "unanswerable":
            p.append(f"{rid}: doc is null but type is {r['type']!r} (expected unanswerable)")
        if doc is not None:
            p.append(f"{rid}: unanswerable item must have doc null")
        if answers:
            p.append(f"{rid}: unanswerable item must have no answers")
        if ev is not None:
            p.append(f"{rid}: unanswerable item must have evidence null")
        if r.get("paraphrase"):
            p.append(f"{rid}: unanswerable item cannot be flagged paraphrase (no evidence)")
        return p

    if doc not in docs:
        p.append(f"{rid}: doc {doc!r} not found in seeds dir")
        return p
    text = docs[doc]
    if not 1 <= len(answers) <= 3:
        p.append(f"{rid}: needs 1-3 answers, has {len(answers)}")
    if len(set(answers)) != len(answers):
        p.append(f"{rid}: duplicate answers")
    if not isinstance(ev, str) or not ev.strip():
        p.append(f"{rid}: evidence missing")
        return p
    if ev not in text:
        p.append(f"{rid}: evidence not found verbatim in {doc}")
    if "\n" in ev:
        p.append(f"{rid}: evidence spans a line break")
    if "??" in ev or "\ufffd" in ev:
        p.append(f"{rid}: evidence touches the mojibake run")
    for a in answers:
        if not a.strip():
            p.append(f"{rid}: empty answer")
            continue
        if a not in text:
            p.append(f"{rid}: answer {a!r} not found verbatim in {doc}")
        if a not in ev:
            p.append(f"{rid}: answer {a!r} not a substring of the evidence")
    if answers:
        first = answers[0]
        limit = MAX_SPAN.get(r["type"], DEFAULT_MAX_SPAN)
        if len(first) > limit:
            p.append(f"{rid}: first answer is {len(first)} chars (> {limit}); give the minimal span first")
        if first == ev and r["type"] != "explain":
            p.append(f"{rid}: first answer equals the whole evidence; give the minimal span")
    if r.get("paraphrase") and lang != "en":
        shared = _longest_common_substring(q, ev)
        if shared > PARAPHRASE_MAX_SHARED:
            p.append(f"{rid}: flagged paraphrase but shares {shared} consecutive chars with the evidence")
    return p


def _mix_problems(items: list[dict], docs: dict[str, str]) -> list[str]:
    p: list[str] = []
    n = len(items)
    lang = Counter(r.get("lang") for r in items)
    typ = Counter(r.get("type") for r in items)
    trap = Counter(r.get("trap") for r in items if r.get("trap"))
    n_para = sum(1 for r in items if r.get("paraphrase") is True)
    n_dev = sum(1 for r in items if r.get("split") == "dev")

    if n < MIN_TOTAL:
        p.append(f"mix: {n} items < {MIN_TOTAL}")
    if lang["zh-Hant"] < MIN_HANT:
        p.append(f"mix: {lang['zh-Hant']} zh-Hant questions < {MIN_HANT}")
    if lang["en"] < MIN_EN:
        p.append(f"mix: {lang['en']} en questions < {MIN_EN}")
    if n and typ["unanswerable"] / n < MIN_UNANSWERABLE_SHARE:
        p.append(f"mix: unanswerable share {typ['unanswerable'] / n:.1%} < {MIN_UNANSWERABLE_SHARE:.0%}")
    if trap["year"] < MIN_YEAR_TRAPS:
        p.append(f"mix: {trap['year']} year traps < {MIN_YEAR_TRAPS}")
    if trap["city"] < MIN_CITY_TRAPS:
        p.append(f"mix: {trap['city']} city traps < {MIN_CITY_TRAPS}")
    if n and n_para / n < MIN_PARAPHRASE_SHARE:
        p.append(f"mix: paraphrase share {n_para / n:.1%} < one third")
    for t in sorted(ANSWERABLE_TYPES):
        if typ[t] < MIN_PER_ANSWERABLE_TYPE:
            p.append(f"mix: only {typ[t]} items of type {t} (< {MIN_PER_ANSWERABLE_TYPE})")
    answerable = [r for r in items if r.get("doc")]
    per_doc = Counter(r["doc"] for r in answerable)
    for d in sorted(docs):
        if answerable and per_doc[d] / len(answerable) < MIN_DOC_SHARE:
            p.append(f"mix: document {d} has {per_doc[d]} answerable items (< {MIN_DOC_SHARE:.0%} of answerable)")
    if n:
        lo, hi = DEV_SHARE_RANGE
        if not lo <= n_dev / n <= hi:
            p.append(f"mix: dev share {n_dev / n:.1%} outside {lo:.0%}-{hi:.0%}")
    for t in sorted(TYPES):
        splits = {r.get("split") for r in items if r.get("type") == t}
        if typ[t] >= 2 and splits != SPLITS:
            p.append(f"mix: type {t} is not present in both dev and test")
    return p


def load_docs(seeds_dir: Path) -> dict[str, str]:
    return {f.name: f.read_text(encoding="utf-8") for f in sorted(Path(seeds_dir).glob("*.txt"))}


def check_set(path, seeds_dir) -> list[str]:
    """Return a list of problems (empty if the set is valid)."""
    docs = load_docs(Path(seeds_dir))
    problems: list[str] = []
    if not docs:
        return [f"no seed documents found in {seeds_dir}"]
    items, problems = load_set(Path(path))
    ids = Counter(r.get("id") for r in items)
    for rid, c in ids.items():
        if c > 1:
            problems.append(f"{rid}: duplicate id ({c} times)")
    for r in items:
        problems.extend(_check_item(r, docs))
    problems.extend(_mix_problems(items, docs))
    return problems


def summary(path) -> str:
    items, _ = load_set(Path(path))
    rows = []

    def table(title, key):
        vals = sorted({key(r) for r in items}, key=str)
        rows.append(f"\n{title:<28}{'dev':>6}{'test':>6}{'total':>7}")
        for v in vals:
            dev = sum(1 for r in items if key(r) == v and r.get("split") == "dev")
            test = sum(1 for r in items if key(r) == v and r.get("split") == "test")
            rows.append(f"  {str(v):<26}{dev:>6}{test:>6}{dev + test:>7}")

    table("type", lambda r: r.get("type"))
    table("lang", lambda r: r.get("lang"))
    table("doc", lambda r: r.get("doc") or "(unanswerable)")
    table("trap", lambda r: r.get("trap") or "-")
    table("paraphrase", lambda r: bool(r.get("paraphrase")))
    n = len(items)
    n_dev = sum(1 for r in items if r.get("split") == "dev")
    rows.append(f"\nTOTAL {n} items: dev {n_dev}, test {n - n_dev}")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_SET
    if not path.exists():
        print(f"no such file: {path}")
        return 1
    print(f"QA set: {path}\nseeds:  {DEFAULT_SEEDS}")
    print(summary(path))
    problems = check_set(path, DEFAULT_SEEDS)
    if problems:
        print(f"\n{len(problems)} PROBLEM(S):")
        for pr in problems:
            print(f"  - {pr}")
        return 1
    print("\nOK: no problems found.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
