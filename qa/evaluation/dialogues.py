"""Score follow-up questions: the later turns of eval/dialogues.jsonl, asked as typed with
the conversation's history (the assistant's own earlier answers, as in the chat), as typed
without it, and as written out in full by hand (the ceiling a follow-up can reach).

Each later turn is scored as an `EvalItem` per condition, typed by the dialogue's kind
(follow_up, cross_report, topic_switch) and language, so the usual metrics and breakdowns
apply. Turn 1 is a plain question and is left out.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .. import settings
from ..errors import InvalidRequest
from .runner import EVAL_TOP_K, EvalItem, breakdowns, evaluate, score_item, summarise

CONDITIONS = ("history", "typed", "full")
"""How a follow-up is asked: as typed after the earlier turns (each asked in turn, with the
assistant's answers to them), as typed alone, or as its standalone `full_question`."""


def is_dialogue_file(path: Path) -> bool:
    """Whether a JSON Lines file holds dialogues (objects with `turns`), not single questions."""
    try:
        with Path(path).open(encoding="utf-8") as lines:
            first = next((line for line in lines if line.strip()), "")
        return "turns" in json.loads(first)
    except (OSError, ValueError, TypeError):
        return False


def load_dialogues(path: Path, split: str = "all") -> list[dict]:
    """The dialogues of one split, in file order.

    Raises:
        InvalidRequest: a malformed line, or nothing left in the split.
    """
    dialogues = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            dialogue = json.loads(line)
            turns = dialogue["turns"]
            assert isinstance(turns, list) and all({"question", "answers", "doc"} <= set(t) for t in turns)
        except (ValueError, KeyError, TypeError, AssertionError):
            raise InvalidRequest(f"{path}:{number}: a dialogue needs 'turns', each with question, answers "
                                 "and doc") from None
        if split == "all" or dialogue.get("split") == split:
            dialogues.append(dialogue)
    if not dialogues:
        raise InvalidRequest(f"no {split} dialogues in {path}: try --split all")
    return dialogues


def follow_up_items(dialogues: list[dict], condition: str) -> list[EvalItem]:
    """The later turns as questions: as typed, or their `full_question` ("full")."""
    return [EvalItem(id=f"{d['id']}-{i}", question=turn["full_question"] if condition == "full" else turn["question"],
                     answers=tuple(turn["answers"]), doc=turn["doc"], type=d.get("kind", "follow_up"),
                     lang=d.get("lang", "unknown"), split=d.get("split"))
            for d in dialogues for i, turn in enumerate(d["turns"]) if i > 0]


def evaluate_dialogues(assistant, dialogues: list[dict], progress: bool = True) -> dict[str, dict]:
    """Condition → `runner.evaluate` metrics (records included) over the later turns."""
    return {condition: evaluate_with_history(assistant, dialogues, progress) if condition == "history"
            else evaluate(assistant, follow_up_items(dialogues, condition), progress=progress)
            for condition in CONDITIONS}


def evaluate_with_history(assistant, dialogues: list[dict], progress: bool = True) -> dict:
    """Each dialogue asked turn by turn as a chat asks it: every later turn with the earlier
    questions and the assistant's own answers to them as `history`; the later turns scored."""
    from tqdm import tqdm

    items = iter(follow_up_items(dialogues, "typed"))
    records = []
    for dialogue in tqdm(dialogues, desc="dialogues", unit="d", file=sys.stderr, disable=not progress, leave=False):
        history = []
        for number, turn in enumerate(dialogue["turns"]):
            answer = assistant.ask(turn["question"], top_k=EVAL_TOP_K, history=history).to_dict()
            if number > 0:
                records.append({**score_item(next(items), answer), "asked_as": answer["asked_as"]})
            history.append({"question": turn["question"], "answer": answer["answer"]})
    return {**summarise(records), **breakdowns(records), "records": records}


def render_dialogue_table(results: dict[str, dict], header: str) -> str:
    """F1 and EM of follow-ups per condition, overall and by kind and language."""
    groups = [("all", lambda m: m)] + [(f"{key} {g}", lambda m, key=key, g=g: m[f"by_{key}"].get(g))
                                       for key in ("type", "lang")
                                       for g in sorted(results[CONDITIONS[0]][f"by_{key}"])]
    width = max(len(label) for label, _ in groups)
    lines = [header, "F1 / EM in %, later turns only", "group".ljust(width) + "     n" +
             "".join(f"  {c + ' F1':>9}  {c + ' EM':>9}" for c in CONDITIONS)]
    for label, pick in groups:
        rows = [pick(results[c]) for c in CONDITIONS]
        cells = "".join(f"  {100 * r['f1']:>9.1f}  {100 * r['em']:>9.1f}" if r and r["f1"] is not None
                        else f"  {'-':>9}  {'-':>9}" for r in rows)
        lines.append(label.ljust(width) + f"  {rows[0]['n'] if rows[0] else 0:>4}" + cells)
    return "\n".join(lines)


def run_dialogue_evaluation(*, qa_file: Path, index_dir: "Path | str" = settings.DEFAULT_INDEX_DIR,
                            split: str = "all", limit: int | None = None, as_json: bool = False) -> int:
    """`qa eval eval/dialogues.jsonl`: follow-ups as typed and written out in full; prints
    the table (or one JSON object) and returns the exit code (0).

    Raises:
        InvalidRequest: a malformed file, an empty split, a bad limit.
    """
    from ..assistant import Assistant

    if limit is not None and limit < 1:
        raise InvalidRequest("--limit must be a positive number of dialogues")
    dialogues = load_dialogues(qa_file, split)[:limit]
    results = evaluate_dialogues(Assistant.load(index_dir), dialogues)
    summary = {condition: {k: v for k, v in result.items() if k != "records"} for condition, result in results.items()}
    header = f"{split} split of {qa_file}: {len(dialogues)} dialogues, index {index_dir}"
    print(json.dumps(summary, ensure_ascii=False) if as_json else render_dialogue_table(results, header))
    return 0
