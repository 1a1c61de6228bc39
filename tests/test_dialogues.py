"""eval/dialogues.jsonl, the follow-up question set: every turn well formed, every answer an
exact substring of its report, and the kinds it promises (a follow-up differs from its
full question; turn 1 and topic switches are asked in full)."""

import json
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DIALOGUES = [json.loads(line) for line in (REPO / "eval/dialogues.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()]


def test_dialogues_are_well_formed_and_answers_are_exact_substrings():
    assert len(DIALOGUES) >= 80 and len({d["id"] for d in DIALOGUES}) == len(DIALOGUES)
    texts = {p.name: p.read_text(encoding="utf-8") for p in (REPO / "seeds").iterdir()}
    for dialogue in DIALOGUES:
        assert dialogue["split"] in {"dev", "test"} and dialogue["kind"] in {"follow_up", "topic_switch", "cross_report"}
        assert dialogue["lang"] in {"zh-Hans", "zh-Hant", "en", "mixed"} and 2 <= len(dialogue["turns"]) <= 3
        for turn in dialogue["turns"]:
            assert set(turn) == {"question", "full_question", "answers", "doc"}, dialogue["id"]
            assert bool(turn["answers"]) == (turn["doc"] is not None), dialogue["id"]
            assert all(a in texts[turn["doc"]] for a in turn["answers"]), dialogue["id"]
        first = dialogue["turns"][0]
        assert first["full_question"] == first["question"], dialogue["id"]


def test_the_set_mixes_languages_and_kinds():
    kinds = {k: sum(d["kind"] == k for d in DIALOGUES) for k in ("follow_up", "topic_switch", "cross_report")}
    assert min(kinds.values()) >= 10
    assert {d["lang"] for d in DIALOGUES} == {"zh-Hans", "zh-Hant", "en", "mixed"}
    follow_ups = [t for d in DIALOGUES if d["kind"] != "topic_switch" for t in d["turns"][1:]]
    assert sum(t["question"] != t["full_question"] for t in follow_ups) >= 0.8 * len(follow_ups)


def test_qa_eval_scores_follow_ups_with_history_as_typed_and_in_full(seed_index, tmp_path, capsys):
    """`qa eval` on a dialogue file: the later turns, per condition (with the conversation,
    alone, written out in full), with the usual metrics."""
    from qa.frontends.cli import main

    dialogue = {"id": "t1", "split": "dev", "lang": "zh-Hans", "kind": "cross_report", "turns": [
        {"question": "温州市委书记是谁？", "full_question": "温州市委书记是谁？", "answers": ["陈伟俊"],
         "doc": "002_c93a4296dfa4c8a6.txt"},
        {"question": "丽水的呢？", "full_question": "丽水市委书记是谁？", "answers": ["吴舜泽"],
         "doc": "004_a2c695bdbd89f31f.txt"}]}
    path = tmp_path / "dialogues.jsonl"
    path.write_text(json.dumps(dialogue, ensure_ascii=False) + "\n", encoding="utf-8")
    assert main(["eval", str(path), "--index-dir", str(seed_index), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary) == {"history", "typed", "full"}
    assert summary["full"]["n"] == summary["typed"]["n"] == summary["history"]["n"] == 1
    assert summary["full"]["f1"] == summary["history"]["f1"] == 1.0 and set(summary["full"]["by_type"]) == {"cross_report"}
    assert summary["typed"]["f1"] == 0.0  # '丽水的呢？' alone names no office
    assert main(["eval", str(path), "--index-dir", str(seed_index)]) == 0
    table = capsys.readouterr().out
    assert "history F1" in table and "typed F1" in table and "full F1" in table and "type cross_report" in table
