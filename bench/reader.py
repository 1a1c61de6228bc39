"""What does answering cost now that a trained reader picks the span?

For a mix of eval questions (half Simplified, a quarter each Traditional and English),
`Assistant.ask` is timed end to end and split by its own `timings_ms` (retrieve, read,
answer). Next to each ask, in the same run and interleaved, the bare reader forward pass
runs on exactly the windows that ask built (no tokenising, no post-processing): the
pipeline around the model should add < 30% on top of it. Building one question's windows
is timed with the passages' encodings cached and not. Then the three encodings of
the reader weights (fp32, fp16-stored, int8 dynamic) run on the same windows, round
robin, when a training run folder holds them (`--run`, default train/runs/reader).

    .venv/bin/python bench/reader.py [--quick] [--run train/runs/reader]
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import common


def extra_args(parser) -> None:
    parser.add_argument("--run", type=Path, default=common.ROOT / "train/runs/reader",
                        help="training run folder with reader-{fp32,fp16,int8}.onnx")


def windows_of(assistant, question: str):
    """The reader windows `ask` builds for `question` (same retrieval, same passages)."""
    from qa.question.terms import reader_question

    found = assistant.find_passages(question)
    return assistant.reader.windows(reader_question(found.question, found.terms), found.texts)


def measure_ask(assistant, questions: list[str], rounds: int) -> dict:
    totals, forwards, parts, tokens = [], [], {"retrieve": [], "read": [], "answer": []}, []
    for r in range(rounds):
        for i, q in enumerate(questions):
            windows = windows_of(assistant, q)
            order = (0, 1) if (i + r) % 2 == 0 else (1, 0)
            for step in order:
                if step == 0:
                    answer = assistant.ask(q)
                    totals.append(answer.timings_ms["total"] / 1000)
                    for k in parts:
                        parts[k].append(answer.timings_ms[k] / 1000)
                else:
                    began = time.perf_counter()
                    assistant.reader.forward(windows)
                    forwards.append(time.perf_counter() - began)
            tokens.append(sum(len(w.ids) for w in windows))
    return {"ask": totals, "forward": forwards, "parts": parts, "tokens": tokens}


def measure_windows(assistant, questions: list[str], rounds: int) -> dict:
    """Seconds to build one question's reader windows with its passages' encodings cached
    (as a repeated passage is read) and not (the cache emptied first), interleaved."""
    from qa.question.terms import reader_question

    times = {"cold": [], "cached": []}
    for r in range(rounds):
        for i, q in enumerate(questions):
            found = assistant.find_passages(q)
            asked = reader_question(found.question, found.terms)
            for kind in (("cold", "cached") if (i + r) % 2 == 0 else ("cached", "cold")):
                if kind == "cold":
                    assistant.reader._passages.clear()
                else:
                    assistant.reader.windows(asked, found.texts)  # make sure they are cached
                began = time.perf_counter()
                assistant.reader.windows(asked, found.texts)
                times[kind].append(time.perf_counter() - began)
    return times


def measure_variants(run: Path, windows_list, rounds: int) -> dict:
    from qa.reader.runtime import Reader

    window = json.loads((run / "config.json").read_text())
    readers = {v: Reader(run / f"reader-{v}.onnx", window) for v in ("fp32", "fp16", "int8")
               if (run / f"reader-{v}.onnx").exists()}
    times = {v: [] for v in readers}
    for _ in range(rounds):
        for windows in windows_list:
            for v, reader in readers.items():
                began = time.perf_counter()
                reader.forward(windows)
                times[v].append(time.perf_counter() - began)
    return times


def main() -> None:
    args = common.parse_args(__doc__.split("\n")[0], extra_args)
    info = common.machine_info()
    common.print_header("Reader cost (bench/reader.py)", info, args.quick)
    from qa import Assistant

    assistant = Assistant.load(common.ensure_seed_index(args.index_dir))
    questions = [r["question"] for r in common.pick_questions(8 if args.quick else 40)]
    for q in questions[:3]:
        assistant.ask(q)  # warm-up: ONNX Runtime allocates on first runs
    m = measure_ask(assistant, questions, 1 if args.quick else 2)
    p = common.percentile_ms
    rows = [["Assistant.ask (total)", p(m["ask"], 50), p(m["ask"], 95)],
            *[[f"  of which {k}", p(v, 50), p(v, 95)] for k, v in m["parts"].items()],
            ["bare reader forward, same windows", p(m["forward"], 50), p(m["forward"], 95)]]
    print(common.markdown_table(["what", "p50 ms", "p95 ms"], rows))
    ratio = p(m["ask"], 50) / p(m["forward"], 50)
    share = sum(m["parts"]["read"]) / sum(m["ask"])
    print(f"\nask p50 / bare forward p50 = {ratio:.2f}; reader share of ask time {100 * share:.0f}%; "
          f"{sum(m['tokens']) / len(m['tokens']):.0f} tokens read per question on average")
    w = measure_windows(assistant, questions, 1 if args.quick else 2)
    print("\n" + common.markdown_table(
        ["reader windows (tokenising question and passages)", "p50 ms", "p95 ms"],
        [["passage encodings not cached", p(w["cold"], 50), p(w["cold"], 95)],
         ["passage encodings cached (the shipped reader's cache)", p(w["cached"], 50), p(w["cached"], 95)]]))
    variants = {}
    if args.run.exists():
        windows_list = [windows_of(assistant, q) for q in questions[:8 if args.quick else 20]]
        variants = measure_variants(args.run, windows_list, 1 if args.quick else 2)
        base = p(variants.get("fp32", [1.0]), 50)
        print("\n" + common.markdown_table(
            ["encoding", "p50 ms", "p95 ms", "speed vs fp32"],
            [[v, p(t, 50), p(t, 95), base / p(t, 50)] for v, t in variants.items()]))
    common.finish("reader", info, {"ask": m, "ratio_ask_forward_p50": ratio, "read_share": share,
                                   "windows": w, "variants": variants}, args.label)


if __name__ == "__main__":
    main()
