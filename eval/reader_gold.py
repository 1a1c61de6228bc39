"""Score the reader alone with the gold paragraph given (closed-book reading comprehension).

This is the setting of the published DRCD / CMRC 2018 figures
(`../shared/benchmarks/PUBLISHED_BASELINES.md`): every question of a SQuAD-style file is
read against its own paragraph and the reader's best span is the prediction (no
abstention). EM and F1 follow the CMRC 2018 convention (`qa.evaluation.metrics`). The dev files are
measurement only: nothing is trained or tuned on them.

    python eval/reader_gold.py ../shared/benchmarks/raw/drcd/DRCD_dev.json
    python eval/reader_gold.py FILE --model train/runs/reader/reader-int8.onnx --limit 300
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def questions_of(path: Path) -> list[tuple[str, str, list[str]]]:
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    return [(qa["question"], para["context"], [a["text"] for a in qa["answers"]])
            for article in data for para in article["paragraphs"] for qa in para["qas"]]


def main() -> None:
    from qa.evaluation.metrics import char_f1, exact_match, percentile
    from qa.reader.runtime import MODEL_DIR, Reader, load_reader_manifest

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--model", type=Path, default=None, help="an ONNX file (default: the shipped reader)")
    parser.add_argument("--limit", type=int, default=0, help="first N questions only")
    parser.add_argument("--json", type=Path, default=None, help="write the metrics here")
    args = parser.parse_args()
    manifest = load_reader_manifest(MODEL_DIR) if args.model is None else None
    window = manifest["window"] if manifest else json.loads(
        (args.model.parent / "config.json").read_text())
    reader = Reader(args.model or MODEL_DIR / manifest["file"], window)
    items = questions_of(args.file)[:args.limit or None]
    em = f1 = 0.0
    latencies = []
    for n, (question, context, golds) in enumerate(items, 1):
        began = time.perf_counter()
        spans = reader.read(question, [context])
        latencies.append((time.perf_counter() - began) * 1000)
        prediction = context[spans[0].start:spans[0].end] if spans else ""
        em += exact_match(prediction, golds)
        f1 += char_f1(prediction, golds)
        if n % 200 == 0:
            print(f"  {n}/{len(items)}: EM {100 * em / n:.1f} F1 {100 * f1 / n:.1f}", file=sys.stderr)
    result = {"file": args.file.name, "model": str(args.model or "shipped"), "n": len(items),
              "em": round(100 * em / len(items), 1), "f1": round(100 * f1 / len(items), 1),
              "latency_p50_ms": round(percentile(latencies, 50), 1)}
    print(f"| {result['file']} | {result['n']} | {result['em']} | {result['f1']} | {result['latency_p50_ms']} |")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
