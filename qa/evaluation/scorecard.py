"""Show evaluation metrics: the terminal table, and metrics.json, report.md and scores.png.

Separate from `evaluation` so that scoring stays free of presentation. Rates are shown as
percentages with one decimal (the metrics object keeps fractions); an undefined metric
(no abstentions, no unanswerable questions) shows as "-". The chart uses matplotlib's
`Figure` directly, so no GUI backend or global pyplot state is involved.
"""

from __future__ import annotations

import json
from pathlib import Path

COLUMNS = (("n", "n"), ("em", "EM"), ("f1", "F1"), ("f1_answerable", "F1ans"), ("doc_accuracy", "DocAcc"),
           ("recall_at_1", "R@1"), ("recall_at_5", "R@5"), ("mrr", "MRR"),
           ("abstain_precision", "AbsP"), ("abstain_recall", "AbsR"), ("confident_wrong", "Wrong≥.4"),
           ("latency_p50_ms", "p50 ms"), ("latency_p95_ms", "p95 ms"))
"""Table columns: metric key and heading."""

WORST_MISSES = 15
"""Misses listed in report.md, lowest F1 first and, among equals, most confident first."""

CHART_SIZE_INCHES = (10, 4.5)
"""Width and height of scores.png."""


def table_rows(metrics: dict) -> list[tuple[str, dict]]:
    """(label, metrics) for the overall row, then each type, language and trap."""
    rows = [("all", metrics)]
    for key in ("type", "lang", "trap"):
        rows += [(f"{key} {group}", values) for group, values in metrics[f"by_{key}"].items()]
    return rows


def format_cell(key: str, value) -> str:
    """A metric as shown: count as is, ms with no decimals, rates as percent, None as '-'."""
    if value is None:
        return "-"
    if key in ("n", "confident_wrong"):
        return str(value)
    if key.endswith("_ms"):
        return f"{value:.0f}"
    return f"{100 * value:.1f}"


def render_table(metrics: dict, header: str) -> str:
    """The aligned plain-text table `qa eval` prints (header line first)."""
    rows = table_rows(metrics)
    label_width = max(len(label) for label, _ in rows)
    widths = [max(len(title), 6) for _, title in COLUMNS]
    lines = [header, "rates in %, latency in ms",
             "group".ljust(label_width) + "".join(f"  {t:>{w}}" for (_, t), w in zip(COLUMNS, widths))]
    for label, values in rows:
        cells = (format_cell(key, values[key]) for key, _ in COLUMNS)
        lines.append(label.ljust(label_width) + "".join(f"  {c:>{w}}" for c, w in zip(cells, widths)))
    return "\n".join(lines)


def render_report(metrics: dict, records: list[dict], header: str) -> str:
    """report.md: the metrics table and the worst misses, in Markdown."""
    heading = "| group | " + " | ".join(t for _, t in COLUMNS) + " |"
    lines = [f"# Evaluation: {header}", "", "Rates in %, latency in ms.", "",
             heading, "|" + "---|" * (len(COLUMNS) + 1)]
    for label, values in table_rows(metrics):
        lines.append(f"| {label} | " + " | ".join(format_cell(k, values[k]) for k, _ in COLUMNS) + " |")
    lines += ["", f"## {WORST_MISSES} worst misses", "",
              "| id | type | question | gold | predicted | F1 | confidence |", "|---|---|---|---|---|---|---|"]
    for r in worst_misses(records):
        predicted = "(abstained)" if r["predicted"] is None else r["predicted"]
        gold = " / ".join(r["gold_answers"]) or "(unanswerable)"
        cells = [r["id"], r["type"], r["question"], gold, predicted, f"{r['f1']:.2f}", f"{r['confidence']:.2f}"]
        lines.append("| " + " | ".join(_markdown_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def worst_misses(records: list[dict], count: int = WORST_MISSES) -> list[dict]:
    """Records with F1 below 1, lowest F1 first, then the most confident first."""
    misses = [r for r in records if r["f1"] < 1]
    return sorted(misses, key=lambda r: (r["f1"], -r["confidence"]))[:count]


def _markdown_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def plot_scores(metrics: dict, path: Path) -> None:
    """Write a bar chart of F1 and EM per type and per language to `path` (PNG)."""
    from matplotlib.figure import Figure

    groups = [(f"{key}\n{name}", values) for key in ("type", "lang")
              for name, values in metrics[f"by_{key}"].items()]
    positions = range(len(groups))
    figure = Figure(figsize=CHART_SIZE_INCHES, layout="constrained")
    axes = figure.add_subplot()
    for offset, key, label in ((-0.2, "f1", "F1"), (0.2, "em", "EM")):
        axes.bar([p + offset for p in positions], [100 * (v[key] or 0) for _, v in groups],
                 width=0.4, label=label)
    axes.set_xticks(list(positions), [name for name, _ in groups], fontsize=8)
    axes.set_ylim(0, 100)
    axes.set_ylabel("%")
    axes.set_title(f"F1 {100 * (metrics['f1'] or 0):.1f}, EM {100 * (metrics['em'] or 0):.1f} "
                   f"over {metrics['n']} questions")
    axes.legend()
    figure.savefig(path, dpi=120)


def require_plotting() -> None:
    """Fail early, before any question is asked, when scores.png cannot be drawn.

    Raises:
        QAError: matplotlib (the `plot` extra) is not installed.
    """
    import importlib.util

    from ..errors import QAError

    if importlib.util.find_spec("matplotlib") is None:
        raise QAError("--out draws scores.png with matplotlib, which is not installed: "
                      "pip install -e '.[plot]' (or leave out --out)")


def write_scorecard(folder: Path, metrics: dict, records: list[dict], header: str) -> None:
    """Write metrics.json, items.jsonl (per-question records), report.md and scores.png."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.json").write_text(
        json.dumps(metrics, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (folder / "items.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    (folder / "report.md").write_text(render_report(metrics, records, header), encoding="utf-8")
    plot_scores(metrics, folder / "scores.png")
