"""Check a synthetic SQuAD file (train/data/synthetic/*.json) and its _en.jsonl twin.

    python train/check_synthetic.py train/data/synthetic/n1.json

Prints every problem (an answer offset that does not cut its text, a passage length or
question count off the recipe, a question with no English twin, a city the reports are
about) and a summary line. Each of n1..n8 was checked with it until it printed "no
problems" (train/data/README.md).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

REPORT_CITIES = "泉州 温州 溫州 丽水 麗水 南安 晋江 晉江 石狮 莲都 蓮都".split()
"""Places the five reports are about: fictional passages must not name them."""
QUESTIONS_PER_PASSAGE = 12
PASSAGE_CHARS = (450, 1000)
EDGE = " ，。、；：,.;:\n"
TRADITIONAL_MARKS = "區會議與發導為"
HAN = re.compile(r"[\u3400-\u9fff]")


def check(path: Path) -> tuple[list[str], str]:
    """(problems, summary) of the SQuAD file at `path` and its `<stem>_en.jsonl`."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    problems, ids = [], []
    answerable = unanswerable = traditional = passages = 0
    for article in data:
        for para in article["paragraphs"]:
            passages += 1
            context = para["context"]
            if not PASSAGE_CHARS[0] <= len(context) <= PASSAGE_CHARS[1]:
                problems.append(f"{article['id']}: context length {len(context)} (want 500-900)")
            problems += [f"{article['id']}: names {city}, a city of the reports"
                         for city in REPORT_CITIES if city in context]
            traditional += any(ch in context for ch in TRADITIONAL_MARKS)
            if len(para["qas"]) != QUESTIONS_PER_PASSAGE:
                problems.append(f"{article['id']}: {len(para['qas'])} questions "
                                f"(want {QUESTIONS_PER_PASSAGE})")
            for qa in para["qas"]:
                ids.append(qa["id"])
                if qa.get("is_impossible"):
                    unanswerable += 1
                    if qa["answers"]:
                        problems.append(f"{qa['id']}: unanswerable but has answers")
                    continue
                answerable += 1
                if not qa["answers"]:
                    problems.append(f"{qa['id']}: no answers")
                problems += _answer_problems(qa, context)
    if len(set(ids)) != len(ids):
        problems.append("duplicate question ids")
    english_problems, english = _check_english(path.with_name(path.stem + "_en.jsonl"), ids)
    problems += english_problems
    summary = (f"passages {passages} (Traditional-looking {traditional}), answerable {answerable}, "
               f"unanswerable {unanswerable}, English {english}")
    return problems, summary


def _answer_problems(qa: dict, context: str) -> list[str]:
    out = []
    for answer in qa["answers"]:
        start, text = answer["answer_start"], answer["text"]
        if context[start:start + len(text)] != text:
            found = [m.start() for m in re.finditer(re.escape(text), context)]
            out.append(f"{qa['id']}: answer_start {start} wrong for {text!r}; occurs at {found}")
        if text != text.strip(EDGE):
            out.append(f"{qa['id']}: answer has edge punctuation {text!r}")
    return out


def _check_english(path: Path, ids: list[str]) -> tuple[list[str], int]:
    """(what is wrong with the English twins of questions `ids`, how many twins there are)."""
    if not path.exists():
        return [f"missing {path}"], 0
    problems, english = [], {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            english[row["id"]] = row["en"]
    for qid in ids:
        text = english.get("syn:" + qid)
        if not text:
            problems.append(f"no English for syn:{qid}")
        elif HAN.search(text):
            problems.append(f"the English of {qid} holds Chinese characters")
    extra = set(english) - {"syn:" + qid for qid in ids}
    if extra:
        problems.append(f"English ids with no question: {sorted(extra)[:5]}")
    return problems, len(english)


def main() -> None:
    problems, summary = check(Path(sys.argv[1]))
    print("\n".join(problems) or "no problems")
    print(summary)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
