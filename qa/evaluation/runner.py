"""Score the assistant on a Q&A file or an open-domain benchmark folder (`qa eval`).

Every question is asked through the public `Assistant.ask`, exactly as a user would, and
each answer becomes a per-item record; metrics are means over records, overall and per
type, language and trap. A benchmark folder is indexed into its own cached index (reused
incrementally), since its paragraphs must never mix with the reports' index.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from .. import settings
from ..errors import InvalidRequest
from .metrics import (abstain_precision, abstain_recall, char_f1, distinct_in_order, exact_match,
                      percentile, recall_at, reciprocal_rank)

DEFAULT_QA_FILE = Path("eval/qa.jsonl")
"""The hand-made Q&A set `qa eval` scores when given no file, relative to the working directory."""

BENCH_INDEX_ROOT = Path("index/bench")
"""Cached benchmark indexes go to <root>/<folder name> unless --index-dir is given."""

EVAL_TOP_K = 20
"""Passages asked for per question, so recall@5 and MRR see five distinct documents even
when one document fills several top passages; the answer itself ignores top_k."""

BENCH_TYPE = "open"
"""Question type given to benchmark items, which carry none."""

RATE_DIGITS = 4
"""Decimals kept for rates (EM, F1, recall...) in the metrics object."""

METRIC_KEYS = ("n", "em", "f1", "f1_answerable", "doc_accuracy", "recall_at_1", "recall_at_5", "mrr",
               "abstain_precision", "abstain_recall", "confident_wrong", "latency_p50_ms", "latency_p95_ms")
"""The metrics of every group, in table order."""

CONFIDENT = 0.4
"""Answers at this confidence or more are shown as "high": `confident_wrong` counts those
that are wrong (character F1 under 0.5, or any answer to an unanswerable question)."""


@dataclass(frozen=True)
class EvalItem:
    """One gold question; `answers` is empty (and `doc` None) when it is unanswerable."""

    id: str
    question: str
    answers: tuple[str, ...]
    doc: str | None
    type: str
    lang: str
    split: str | None = None
    trap: str | None = None


def load_items(path: Path, split: str = "all") -> list[EvalItem]:
    """The questions of a JSON Lines Q&A set, keeping one split.

    Args:
        path: file with one object per line (id, question, answers, doc, type, lang, split).
        split: 'dev', 'test' or 'all'.
    Returns:
        The items in file order.
    Raises:
        InvalidRequest: the file is missing, a line is malformed, or nothing is left.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidRequest(f"no Q&A file at {path}: pass one (`qa eval path/to/qa.jsonl`) "
                             "or a benchmark folder (`qa eval --bench DIR`)")
    items = [item for item in _read_jsonl(path, default_type=None)
             if split == "all" or item.split == split]
    if not items:
        raise InvalidRequest(f"no {split} questions in {path}: try --split all")
    return items


def load_benchmark(folder: Path) -> list[EvalItem]:
    """The questions of an open-domain benchmark folder (docs/ + questions.jsonl).

    Raises:
        InvalidRequest: the folder lacks docs/ or questions.jsonl, or a line is malformed.
    """
    folder = Path(folder)
    if not (folder / "docs").is_dir() or not (folder / "questions.jsonl").is_file():
        raise InvalidRequest(f"{folder} is not a benchmark folder: it needs docs/*.txt and "
                             "questions.jsonl, one JSON object per line with id, question, answers and doc")
    return _read_jsonl(folder / "questions.jsonl", default_type=BENCH_TYPE)


def _read_jsonl(path: Path, default_type: str | None) -> list[EvalItem]:
    items = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                items.append(_parse_item(line, f"{path}:{number}", default_type))
    return items


def _parse_item(line: str, where: str, default_type: str | None) -> EvalItem:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidRequest(f"{where}: not JSON ({exc.msg}); fix or remove the line") from exc
    answers, doc, question = obj.get("answers"), obj.get("doc"), obj.get("question")
    if not isinstance(question, str) or not question.strip():
        raise InvalidRequest(f"{where}: 'question' must be a non-empty string")
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise InvalidRequest(f"{where}: 'answers' must be a list of strings ([] if unanswerable)")
    if bool(answers) != isinstance(doc, str):
        raise InvalidRequest(f"{where}: give 'doc' exactly when 'answers' is non-empty "
                             "(an unanswerable item has answers [] and doc null)")
    kind = obj.get("type") or default_type or ("open" if answers else "unanswerable")
    return EvalItem(id=str(obj.get("id", where)), question=question, answers=tuple(answers),
                    doc=doc, type=kind, lang=obj.get("lang") or "unknown",
                    split=obj.get("split"), trap=obj.get("trap"))


def evaluate(assistant, items: list[EvalItem], top_k: int = EVAL_TOP_K,
             progress: bool = True) -> dict:
    """Ask every question and score the answers.

    Args:
        assistant: a loaded `Assistant` (anything with its `ask`).
        items: the gold questions, e.g. from `load_items` or `load_benchmark`.
        top_k: passages asked for (ranks are read from them).
        progress: show a progress bar on stderr.
    Returns:
        The overall metrics (METRIC_KEYS), "by_type", "by_lang", "by_trap" (group →
        metrics) and "records" (one dict per item, in order).
    """
    from tqdm import tqdm

    records = [score_item(item, assistant.ask(item.question, top_k=top_k).to_dict())
               for item in tqdm(items, desc="asking", unit="q", file=sys.stderr,
                                disable=not progress, leave=False)]
    return {**summarise(records), **breakdowns(records), "records": records}


def score_item(item: EvalItem, answer: dict) -> dict:
    """One item's record: gold, prediction and per-item scores (None where undefined).

    Args:
        item: the gold question.
        answer: `Answer.to_dict()` of the assistant's reply.
    """
    ranked = distinct_in_order([p["doc"] for p in answer["passages"]])
    top_doc = answer["citations"][0]["doc"] if answer["citations"] else None
    prediction = None if answer["abstained"] else answer["answer"]
    gold_doc = item.doc  # set exactly when the item is answerable (checked on loading)
    return {
        "id": item.id, "question": item.question, "type": item.type, "lang": item.lang,
        "trap": item.trap, "gold_answers": list(item.answers), "gold_doc": gold_doc,
        "predicted": prediction, "abstained": answer["abstained"],
        "confidence": answer["confidence"], "top_doc": top_doc, "ranked_docs": ranked[:5],
        "em": exact_match(prediction, item.answers), "f1": char_f1(prediction, item.answers),
        "doc_hit": None if gold_doc is None else float(top_doc == gold_doc),
        "hit_at_1": None if gold_doc is None else recall_at(gold_doc, ranked, 1),
        "hit_at_5": None if gold_doc is None else recall_at(gold_doc, ranked, 5),
        "rr": None if gold_doc is None else reciprocal_rank(gold_doc, ranked),
        "latency_ms": answer["timings_ms"]["total"],
    }


def summarise(records: list[dict]) -> dict:
    """METRIC_KEYS over `records`; retrieval metrics over answerable items only, and any
    metric with nothing to average is None."""
    latencies = [r["latency_ms"] for r in records]
    abstained = [r["abstained"] for r in records]
    unanswerable = [not r["gold_answers"] for r in records]
    return {
        "n": len(records),
        "em": _mean(r["em"] for r in records), "f1": _mean(r["f1"] for r in records),
        "f1_answerable": _mean(r["f1"] for r in records if r["gold_answers"]),
        "doc_accuracy": _mean(r["doc_hit"] for r in records),
        "recall_at_1": _mean(r["hit_at_1"] for r in records),
        "recall_at_5": _mean(r["hit_at_5"] for r in records),
        "mrr": _mean(r["rr"] for r in records),
        "abstain_precision": _round(abstain_precision(abstained, unanswerable)),
        "abstain_recall": _round(abstain_recall(abstained, unanswerable)),
        "confident_wrong": sum(1 for r in records if not r["abstained"] and r["confidence"] >= CONFIDENT
                               and (not r["gold_answers"] or r["f1"] < 0.5)),
        "latency_p50_ms": _round(percentile(latencies, 50), 1),
        "latency_p95_ms": _round(percentile(latencies, 95), 1),
    }


def breakdowns(records: list[dict]) -> dict:
    """Metrics per type, per language and per trap (items without a trap are left out)."""
    return {f"by_{key}": {group: summarise([r for r in records if r[key] == group])
                          for group in sorted({r[key] for r in records if r[key] is not None})}
            for key in ("type", "lang", "trap")}


def _mean(values) -> float | None:
    defined = [v for v in values if v is not None]
    return _round(sum(defined) / len(defined)) if defined else None


def _round(value: float | None, digits: int = RATE_DIGITS) -> float | None:
    return None if value is None else round(value, digits)


def run_evaluation(*, qa_file: Path | None = None, bench: Path | None = None,
                   index_dir: "Path | str" = settings.DEFAULT_INDEX_DIR, split: str = "all",
                   limit: int | None = None, as_json: bool = False, out: Path | None = None) -> int:
    """`qa eval`: choose the questions and index, evaluate, print, optionally write files.

    Args:
        qa_file: a JSON Lines Q&A set (default DEFAULT_QA_FILE); or
        bench: an open-domain benchmark folder (indexed into its own index).
        index_dir: the index (folder or store spec) a Q&A set is asked of.
        split: 'dev', 'test' or 'all' of a Q&A set.
        limit: score only the first `limit` questions.
        as_json: print one JSON object instead of the table.
        out: write metrics.json, report.md and scores.png into this folder.
    Returns:
        The exit code (0).
    Raises:
        InvalidRequest: conflicting or bad arguments, a missing Q&A file or folder.
    """
    from ..assistant import Assistant
    from .scorecard import render_table, require_plotting, write_scorecard

    if out is not None:
        require_plotting()
    if limit is not None and limit < 1:
        raise InvalidRequest("--limit must be a positive number of questions")
    if bench is not None and qa_file is not None:
        raise InvalidRequest("pass either a Q&A file or --bench DIR, not both")
    if bench is not None:
        items, index_dir = load_benchmark(bench), bench_index_dir(bench, index_dir)
        prepare_bench_index(bench, index_dir)
        what = f"benchmark {bench}"
    else:
        items = load_items(qa_file or DEFAULT_QA_FILE, split)
        what = f"{split} split of {qa_file or DEFAULT_QA_FILE}"
    items = items[:limit] if limit else items
    header = f"{what}: {len(items)} questions, index {index_dir}"
    assistant = Assistant.load(index_dir)
    _warn_missing_docs(items, assistant, index_dir)
    result = evaluate(assistant, items)
    records = result.pop("records")
    metrics = {**result, "split": None if bench else split, "source": str(bench or qa_file or DEFAULT_QA_FILE)}
    if out is not None:
        write_scorecard(out, metrics, records, header)
    print(json.dumps(metrics, ensure_ascii=False) if as_json else render_table(metrics, header))
    return 0


def bench_index_dir(folder: Path, index_dir: "Path | str") -> "Path | str":
    """Where a benchmark's index lives: `index_dir` (a folder or store spec) when the user
    chose one, else its own folder under BENCH_INDEX_ROOT (the reports' default index is
    never reused for it)."""
    if Path(index_dir) != settings.DEFAULT_INDEX_DIR:
        return index_dir
    return BENCH_INDEX_ROOT / Path(folder).resolve().name


def prepare_bench_index(folder: Path, index_dir: Path) -> None:
    """Index `folder`/docs into `index_dir`, re-embedding only new or changed paragraphs."""
    from ..ingest.indexing import update_index

    report = update_index([Path(folder) / "docs"], index_dir)
    print(f"{index_dir}: {report.summary()}", file=sys.stderr)


def _warn_missing_docs(items: list[EvalItem], assistant, index_dir: Path) -> None:
    missing = sorted({i.doc for i in items if i.doc and i.doc not in assistant.index.documents})
    if missing:
        print(f"warning: {len(missing)} gold documents are not in {index_dir} (e.g. "
              f"{missing[0]}); their questions count as retrieval misses", file=sys.stderr)
