"""Prove a change left every answer as it was: fingerprint the assistant's answers.

Asks every question of the Q&A files in eval/ (over an index of seeds/), every turn of
eval/dialogues.jsonl (each with the dialogue's earlier turns and answers as its history)
and the first questions of each open-domain benchmark folder (over that folder's own
index), and hashes each answer's JSON (`Answer.to_dict()` without `timings_ms`). `--update` stores
the hashes in eval/answers.fingerprint.json; without it the stored ones are compared and
every changed answer is listed (exit 1). Indexes are built with `qa index` into
index/check-answers/, so the script needs nothing of the package but its public API.

    python eval/check_answers.py                  # compare (make check-answers)
    python eval/check_answers.py --update         # store after an intended change
    python eval/check_answers.py --benchmarks DIR # where drcd_open/ and cmrc_open/ are
    python eval/check_answers.py --dump FILE      # also write every answer's JSON, to diff

The fingerprint holds for one machine kind and the same library versions: floats in the
answers (confidence, passage scores) are rounded, not tolerant.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FINGERPRINT = ROOT / "eval/answers.fingerprint.json"
QA_FILES = ("eval/qa.jsonl", "eval/en_dev.jsonl", "eval/dev2.jsonl", "eval/dev3.jsonl", "eval/premises.jsonl",
            "eval/premises2.jsonl", "eval/premises3.jsonl", "eval/premises4.jsonl", "eval/premises5.jsonl",
            "eval/premises6.jsonl")
DIALOGUES = "eval/dialogues.jsonl"
BENCHMARKS = ("drcd_open", "cmrc_open")
DEFAULT_BENCHMARKS = ROOT.parent / "shared/benchmarks"
"""Where the public benchmark folders are by default (`--benchmarks` to point elsewhere)."""
BENCH_QUESTIONS = 100
"""Questions asked of each benchmark (its first ones, in file order)."""
TOP_K = 20
"""Passages asked for, as `qa eval` asks (more passages, more of the answer fingerprinted)."""
INDEX_ROOT = ROOT / "index/check-answers"


def build_index(source: Path, index_dir: Path) -> None:
    """`qa index source --index-dir index_dir` (incremental: unchanged files are reused)."""
    subprocess.run([sys.executable, "-m", "qa", "index", str(source), "--index-dir", str(index_dir)],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def answer_hash(answer: dict) -> str:
    """A short hash of an answer's JSON without its timings."""
    answer = {k: v for k, v in answer.items() if k != "timings_ms"}
    text = json.dumps(answer, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_questions(path: Path, limit: int | None = None) -> list[tuple[str, str]]:
    """(id, question) pairs of a JSON Lines file, in file order."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(str(r["id"]), r["question"]) for r in rows[:limit]]


def fingerprint_set(index_dir: Path, questions: list[tuple[str, str]], dump=None, name: str = "") -> dict[str, str]:
    """id → answer hash for every question, asked of the index at `index_dir` (each answer's
    JSON, timings left out, also written to `dump` when given)."""
    from qa import Assistant

    assistant = Assistant.load(index_dir)
    out = {}
    for qid, question in questions:
        out[qid] = _record(assistant.ask(question, top_k=TOP_K).to_dict(), name, qid, dump)
    return out


def fingerprint_dialogues(index_dir: Path, path: Path, dump=None) -> dict[str, str]:
    """'dialogue id-turn' → answer hash for every turn of a dialogue file, each turn asked
    with the earlier turns of its dialogue and the answers they got as history."""
    from qa import Assistant

    assistant = Assistant.load(index_dir)
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        dialogue, history = json.loads(line), []
        for number, turn in enumerate(dialogue["turns"]):
            answer = assistant.ask(turn["question"], top_k=TOP_K, history=history).to_dict()
            qid = f"{dialogue['id']}-{number}"
            out[qid] = _record(answer, DIALOGUES, qid, dump)
            history.append({"question": turn["question"], "answer": answer["answer"]})
    return out


def _record(answer: dict, name: str, qid: str, dump) -> str:
    """The hash of `answer` without its timings (which also go to `dump` when given)."""
    answer = {k: v for k, v in answer.items() if k != "timings_ms"}
    if dump is not None:
        dump.write(json.dumps({"set": name, "id": qid, "answer": answer}, ensure_ascii=False) + "\n")
    return answer_hash(answer)


def fingerprint_all(benchmarks: Path, dump=None) -> dict[str, dict[str, str]]:
    """Set name → {id → answer hash} over the Q&A files and the benchmarks found."""
    out = {}
    seeds_index = INDEX_ROOT / "seeds"
    build_index(ROOT / "seeds", seeds_index)
    for name in QA_FILES:
        out[name] = fingerprint_set(seeds_index, read_questions(ROOT / name), dump, name)
        print(f"{name}: {len(out[name])} answers", file=sys.stderr)
    out[DIALOGUES] = fingerprint_dialogues(seeds_index, ROOT / DIALOGUES, dump)
    print(f"{DIALOGUES}: {len(out[DIALOGUES])} answers", file=sys.stderr)
    for name in BENCHMARKS:
        folder = benchmarks / name
        if not (folder / "questions.jsonl").is_file():
            print(f"{folder}: not found, skipped (pass --benchmarks DIR)", file=sys.stderr)
            continue
        build_index(folder / "docs", INDEX_ROOT / name)
        out[name] = fingerprint_set(INDEX_ROOT / name, read_questions(folder / "questions.jsonl", BENCH_QUESTIONS),
                                    dump, name)
        print(f"{name}: {len(out[name])} answers", file=sys.stderr)
    return out


def compare(stored: dict, current: dict) -> list[str]:
    """One line per answer that differs (or set missing) between `stored` and `current`."""
    problems = []
    for name, answers in stored.items():
        if name not in current:
            problems.append(f"{name}: not checked this time")
            continue
        for qid, digest in answers.items():
            if current[name].get(qid) != digest:
                problems.append(f"{name} {qid}: answer changed")
        problems += [f"{name} {qid}: new question" for qid in current[name] if qid not in answers]
    problems += [f"{name}: no stored fingerprint" for name in current if name not in stored]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="store the current answers' fingerprint")
    parser.add_argument("--benchmarks", type=Path, default=DEFAULT_BENCHMARKS,
                        help="folder holding drcd_open/ and cmrc_open/ (default: ../shared/benchmarks)")
    parser.add_argument("--dump", type=Path, default=None, help="also write every answer's JSON here (JSON Lines)")
    args = parser.parse_args(argv)
    with open(args.dump, "w", encoding="utf-8") if args.dump else contextlib.nullcontext() as dump:
        current = fingerprint_all(args.benchmarks, dump)
    if args.update:
        FINGERPRINT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"stored {sum(map(len, current.values()))} answer hashes in {FINGERPRINT.relative_to(ROOT)}")
        return 0
    stored = json.loads(FINGERPRINT.read_text(encoding="utf-8"))
    problems = compare(stored, current)
    for line in problems:
        print(line)
    total = sum(map(len, current.values()))
    print(f"{total - len(problems)} of {total} answers as stored" if problems
          else f"all {total} answers identical to the stored fingerprint")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
