"""Helpers every benchmark shares: arguments, the machine header, percentiles, Markdown
tables, JSON output and the seed index they measure against.

The machine is small (2 cores) and shared, so every run records the load average at its
start and end next to its figures: a ratio measured in one interleaved run is far more
trustworthy than an absolute time compared across runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"
SEEDS_DIR = ROOT / "seeds"
QA_FILE = ROOT / "eval" / "qa.jsonl"
DEFAULT_INDEX_DIR = Path("/tmp/bench_idx")
"""Seed index the benchmarks share; never the repository's own index/."""


def parse_args(description: str, extra=None) -> argparse.Namespace:
    """`--quick` (under a minute) and `--index-dir`, plus whatever `extra(parser)` adds."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="smaller run, under about a minute")
    parser.add_argument("--label", default=None,
                        help="suffix for the JSON file, e.g. 'passive' writes NAME-passive.json")
    parser.add_argument("--index-dir", type=Path, default=DEFAULT_INDEX_DIR,
                        help=f"seed index to use (built if missing; default {DEFAULT_INDEX_DIR})")
    if extra:
        extra(parser)
    return parser.parse_args()


def machine_info() -> dict:
    """Cores, CPU model, date, Python, the OpenMP settings the measured code runs with and
    the load average right now."""
    import qa  # noqa: F401  (qa may set OpenMP variables on import: report those)

    model = next((line.split(":", 1)[1].strip() for line in _read_lines("/proc/cpuinfo")
                  if line.startswith("model name")), platform.processor())
    return {
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "cpu": model,
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "load_avg_start": [round(x, 2) for x in os.getloadavg()],
    }


def _read_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def print_header(title: str, info: dict, quick: bool) -> None:
    """The Markdown heading every benchmark prints first."""
    print(f"## {title}{' (--quick)' if quick else ''}\n")
    print(f"Machine: {info['cores']} cores ({info['usable_cores']} usable), {info['cpu']}; "
          f"Python {info['python']}; OMP_NUM_THREADS={info['omp_num_threads'] or 'unset'}, "
          f"OMP_WAIT_POLICY={info['omp_wait_policy'] or 'unset'}; "
          f"{info['date']}; load average at start {info['load_avg_start']}\n")


def finish(name: str, info: dict, results: dict, label: str | None = None) -> Path:
    """Stamp the end load average, write bench/out/NAME[-LABEL].json and say where it went."""
    info = dict(info, load_avg_end=[round(x, 2) for x in os.getloadavg()])
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / (f"{name}-{label}.json" if label else f"{name}.json")
    path.write_text(json.dumps({"machine": info, **results}, ensure_ascii=False, indent=1,
                               default=_jsonable), encoding="utf-8")
    print(f"\nLoad average at end {info['load_avg_end']}. JSON: {path.relative_to(ROOT)}")
    return path


def _jsonable(value):
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def percentile_ms(seconds: list[float], q: float) -> float:
    """The q-th percentile of durations given in seconds, in milliseconds."""
    return float(np.percentile(np.asarray(seconds) * 1000.0, q)) if seconds else float("nan")


def markdown_table(headers: list[str], rows: list[list]) -> str:
    """A GitHub Markdown table; floats get sensible precision."""
    def cell(v):
        if isinstance(v, float):
            return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"
        return str(v)
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def ensure_seed_index(index_dir: Path) -> Path:
    """Bring the seed index at `index_dir` up to date with the current code, via the
    incremental `update_index`: ~40 ms when nothing changed, a full build (a minute or
    two) when it is missing or its format or chunking changed."""
    from qa.ingest.indexing import update_index

    began = time.perf_counter()
    report = update_index([SEEDS_DIR], index_dir, progress=False, warn=lambda line: None)
    if report.added:
        print(f"(built the seed index at {index_dir} in {time.perf_counter() - began:.0f} s)",
              file=sys.stderr)
    return index_dir


def load_questions() -> list[dict]:
    """Every row of eval/qa.jsonl, in file order."""
    with open(QA_FILE, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def pick_questions(n: int, skip: set[str] = frozenset()) -> list[dict]:
    """`n` questions mixing the languages: half Simplified, a quarter each Traditional and
    English (as far as the set allows), spread evenly over the file, ids in `skip` left out."""
    rows = [r for r in load_questions() if r["id"] not in skip]
    shares = {"zh-Hans": n - 2 * (n // 4), "zh-Hant": n // 4, "en": n // 4}
    picked = []
    for lang, count in shares.items():
        pool = [r for r in rows if r["lang"] == lang]
        step = max(len(pool) / max(count, 1), 1.0)
        picked += [pool[int(i * step)] for i in range(min(count, len(pool)))]
    return sorted(picked, key=lambda r: r["id"])
