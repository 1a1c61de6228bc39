"""`qa ask --file / --out`: questions from txt, csv, xlsx and jsonl files, answers to csv,
xlsx and jsonl files that hold the same answers as `qa ask --json`, and a bad row that
gets an error cell instead of losing the batch."""

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from qa.answer.table import ROW_FIELDS
from qa.frontends.cli import main

QUESTIONS = ["2023年泉州开工重点项目多少个？", "Who is the Party secretary of Wenzhou?", "厦门市2023年GDP是多少？"]
"""Simplified, English, and one the reports do not answer."""


@pytest.fixture(scope="module")
def expected(seed_index):
    """The answers `qa ask --json` gives, as the rows a batch file must hold."""
    from qa import Assistant
    from qa.answer.table import answer_row

    assistant = Assistant.load(seed_index)
    return [answer_row(assistant.ask(q).to_dict()) for q in QUESTIONS]


def read_csv(path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode()), "a byte-order mark, so spreadsheet programs read UTF-8"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def as_csv_cells(row: dict) -> dict:
    """A row as the csv module reads it back: text, empty for None, true/false."""
    cell = {None: "", True: "true", False: "false"}
    return {k: cell[v] if v is None or isinstance(v, bool) else str(v) for k, v in row.items()}


def test_csv_in_csv_out_equals_json_and_keeps_the_other_columns(seed_index, expected, tmp_path):
    source = tmp_path / "questions.csv"
    with open(source, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "question", "answer"])  # 'answer' (say, a gold answer) clashes
        writer.writerows([[f"r{i}", q, f"gold{i}"] for i, q in enumerate(QUESTIONS)])
    assert main(["ask", "--file", str(source), "--out", str(tmp_path / "answers.csv"),
                 "--index-dir", str(seed_index)]) == 0
    rows = read_csv(tmp_path / "answers.csv")
    assert list(rows[0]) == [*ROW_FIELDS, "id", "input_answer"]
    for row, want, i in zip(rows, expected, range(len(QUESTIONS))):
        assert {k: row[k] for k in ROW_FIELDS} == as_csv_cells(want)
        assert (row["id"], row["input_answer"]) == (f"r{i}", f"gold{i}")
    assert rows[0]["answer"] == "240个" and rows[2]["abstained"] == "true" and rows[2]["answer"] == ""


def test_xlsx_in_xlsx_out_equals_json(seed_index, expected, tmp_path):
    book = Workbook()
    book.active.append(["Question", "note"])
    for q in QUESTIONS:
        book.active.append([q, "x"])
    book.save(tmp_path / "questions.xlsx")
    assert main(["ask", "--file", str(tmp_path / "questions.xlsx"), "--out", str(tmp_path / "answers.xlsx"),
                 "--index-dir", str(seed_index)]) == 0
    sheet = load_workbook(tmp_path / "answers.xlsx").active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header == [*ROW_FIELDS, "note"]
    for row, want in zip(rows, expected):
        got = dict(zip(header, row))
        assert {k: got[k] for k in ROW_FIELDS} == {k: (None if v == "" else v) for k, v in want.items()}


def test_a_bad_row_gets_an_error_cell_and_the_batch_goes_on(seed_index, tmp_path, capsys):
    (tmp_path / "q.txt").write_text(f"{QUESTIONS[0]}\n{'长' * 1001}\n{QUESTIONS[1]}\n", encoding="utf-8")
    assert main(["ask", "--file", str(tmp_path / "q.txt"), "--out", str(tmp_path / "a.jsonl"),
                 "--index-dir", str(seed_index)]) == 0
    rows = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["answer"] for r in rows] == ["240个", None, "陈伟俊"]
    assert "1000" in rows[1]["error"] and rows[0]["error"] is None
    assert "1 could not be asked" in capsys.readouterr().err


def test_stdin_to_stdout_and_jsonl_questions(seed_index, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(QUESTIONS[0] + "\n\n"))
    assert main(["ask", "--file", "-", "--out", "-", "--index-dir", str(seed_index)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 1 and rows[0]["answer"] == "240个"
    (tmp_path / "q.jsonl").write_text(json.dumps({"question": QUESTIONS[1], "tag": 7}) + "\n", encoding="utf-8")
    assert main(["ask", "--file", str(tmp_path / "q.jsonl"), "--json", "--index-dir", str(seed_index)]) == 0
    assert json.loads(capsys.readouterr().out)["answer"] == "陈伟俊"


@pytest.mark.parametrize("args,message", [
    (["--file", "questions.pdf"], "questions are read from"),
    (["--file", "nothing-here.csv"], "cannot be read"),
    (["--file", "no-column.csv"], "'question' column"),
    (["--file", "q.txt", "--out", "answers.docx"], "answers are written to"),
    ([], "give a question"),
])
def test_bad_batch_arguments_are_one_line_errors(seed_index, tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "no-column.csv").write_text("id,text\n1,2\n", encoding="utf-8")
    (tmp_path / "q.txt").write_text(QUESTIONS[0], encoding="utf-8")
    assert main(["ask", *args, "--index-dir", str(seed_index)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not (tmp_path / "answers.docx").exists()


@pytest.fixture(scope="module")
def client(seed_index):
    from fastapi.testclient import TestClient

    from qa.frontends.server import create_app

    with TestClient(create_app(seed_index)) as test_client:
        yield test_client


def test_http_batch_answers_in_order_like_single_asks(client):
    body = client.post("/api/ask/batch", json={"questions": [QUESTIONS[0], "   ", QUESTIONS[1]], "top_k": 3})
    assert body.status_code == 200
    answers = body.json()["answers"]
    single = client.post("/api/ask", json={"question": QUESTIONS[1], "top_k": 3}).json()
    assert answers[0]["answer"] == "240个" and "empty" in answers[1]["error"]
    assert {k: v for k, v in answers[2].items() if k != "timings_ms"} == \
        {k: v for k, v in single.items() if k != "timings_ms"}


@pytest.mark.parametrize("body,status", [
    ({"questions": []}, 422),
    ({"questions": ["q"] * 201}, 422),
    ({"questions": "泉州?"}, 422),
    ({"questions": ["泉州?"], "docs": ["no-such.txt"]}, 400),
    ({"questions": ["泉州?"], "extra": 1}, 422),
])
def test_http_batch_refuses_bad_bodies_with_one_error(client, body, status):
    response = client.post("/api/ask/batch", json=body)
    assert response.status_code == status and set(response.json()) == {"error"}


def test_the_chat_pages_batch_tab_offers_csv_and_xlsx(seed_index, expected, tmp_path):
    """The Batch tab's real handler: a questions file in, the answer files out."""
    from qa.frontends.webui import PageHandlers
    from qa.service import LiveAssistant

    (tmp_path / "q.txt").write_text("\n".join(QUESTIONS), encoding="utf-8")
    *_, (status, files) = PageHandlers(LiveAssistant(seed_index)).answer_file(str(tmp_path / "q.txt"), None, 5)
    assert "Answered 3 of 3" in status and [f.rsplit("/", 1)[1] for f in files] == ["answers.csv", "answers.xlsx"]
    rows = read_csv(Path(files[0]))
    assert [{k: row[k] for k in ROW_FIELDS} for row in rows] == [as_csv_cells(want) for want in expected]
