"""Questions from a file, answers to a file: `qa ask --file QUESTIONS --out ANSWERS`.

Read by suffix: `.txt` (one question per line), `.csv` and `.xlsx` (a `question` column;
the other columns are kept and written back beside the answers), `.jsonl` (objects with a
`question`); `-` reads one question per line from stdin. Written by suffix: `.csv` (UTF-8
with a byte-order mark, so spreadsheet programs read Chinese correctly), `.xlsx`
(openpyxl), `.jsonl`; `-` writes CSV to stdout. Files are written in one atomic step.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from ..answer.table import ROW_FIELDS, answer_row, error_row
from ..errors import InvalidQuestion, InvalidRequest
from ..files import write_atomically

QUESTION_SUFFIXES = (".txt", ".csv", ".xlsx", ".jsonl")
ANSWER_SUFFIXES = (".csv", ".xlsx", ".jsonl")
INPUT_PREFIX = "input_"
"""Put before a kept input column whose name is also an answer column ('answer' → 'input_answer')."""


def read_questions(path: str | Path) -> list[dict]:
    """One dict per question, in file order: its `question` (as written; an empty cell is
    an empty string, which gets an error row) and the row's other columns.

    Raises:
        InvalidRequest: an unreadable file, an unknown suffix, or no `question` column.
    """
    if str(path) == "-":
        return _from_lines(sys.stdin.read())
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in QUESTION_SUFFIXES:
        raise InvalidRequest(f"{path}: questions are read from {', '.join(QUESTION_SUFFIXES)} files")
    try:
        if suffix == ".xlsx":
            return _from_xlsx(path)
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError, ValueError, KeyError) as exc:
        raise InvalidRequest(f"{path}: cannot be read ({exc.__class__.__name__}: {exc})") from None
    if suffix == ".txt":
        return _from_lines(text)
    if suffix == ".jsonl":
        return _from_jsonl(text, path)
    return _from_table(list(csv.reader(io.StringIO(text))), path)


def _from_lines(text: str) -> list[dict]:
    return [{"question": line.strip()} for line in text.splitlines() if line.strip()]


def _from_jsonl(text: str, path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidRequest(f"{path}:{number}: not JSON ({exc.msg})") from None
        rows.append(item if isinstance(item, dict) and "question" in item else {"question": item})
    return rows


def _from_xlsx(path: Path) -> list[dict]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        table = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    return _from_table(table, path)


def _from_table(table: list[list], path: Path) -> list[dict]:
    """Rows of a sheet whose first row names the columns, one of them `question`."""
    if not table:
        return []
    header = [str(name).strip() for name in table[0]]
    if "question" not in [name.lower() for name in header]:
        raise InvalidRequest(f"{path}: the first row must name a 'question' column (it has: "
                             f"{', '.join(header) or 'nothing'})")
    column = [name.lower() for name in header].index("question")
    rows = []
    for cells in table[1:]:
        if not any(str(c).strip() for c in cells):
            continue
        cells = list(cells) + [""] * (len(header) - len(cells))
        row = {name: cells[i] for i, name in enumerate(header) if i != column and name}
        question = cells[column]
        rows.append({"question": str(question).strip(), **row})
    return rows


def ask_all(assistant, items: list[dict], *, top_k: int, docs: list[str] | None = None,
            on_answer=None, on_error=None) -> list[dict]:
    """One row per item, in order: its answer, or the reason it could not be asked (an
    error cell; the batch goes on), with the item's other columns beside it.

    Args:
        assistant: an `Assistant` (its `ask_each`).
        items: dicts with a `question`, as `read_questions` gives them.
        on_answer: called with each `Answer` as it comes (to print or count it).
        on_error: called with (position, InvalidQuestion) for a question that is refused.
    Raises:
        InvalidRequest: a bad `top_k` or unknown `docs` (every question would fail alike).
    """
    rows = []
    results = assistant.ask_each([item["question"] for item in items], top_k=top_k, docs=docs)
    for position, (item, result) in enumerate(zip(items, results)):
        if isinstance(result, InvalidQuestion):
            rows.append(merged_row(error_row(item["question"], str(result)), item))
            if on_error:
                on_error(position, result)
            continue
        rows.append(merged_row(answer_row(result.to_dict()), item))
        if on_answer:
            on_answer(result)
    return rows


def output_columns(items: list[dict]) -> list[str]:
    """The answer columns, then every kept input column (renamed where it clashes)."""
    kept = dict.fromkeys(k for item in items for k in item if k != "question")
    return [*ROW_FIELDS, *(INPUT_PREFIX + k if k in ROW_FIELDS else k for k in kept)]


def merged_row(answer_row: dict, item: dict) -> dict:
    """An answer row with its input row's other columns beside it."""
    kept = {(INPUT_PREFIX + k if k in ROW_FIELDS else k): v for k, v in item.items() if k != "question"}
    return {**answer_row, **kept}


def check_answer_path(path: str | Path) -> None:
    """Refuse an answers file of an unknown kind before any question is asked."""
    if str(path) != "-" and Path(path).suffix.lower() not in ANSWER_SUFFIXES:
        raise InvalidRequest(f"{path}: answers are written to {', '.join(ANSWER_SUFFIXES)} files (or - for CSV)")


def write_answers(path: str | Path, rows: list[dict], columns: list[str]) -> None:
    """Write `rows` to `path` by its suffix (`-`: CSV on stdout)."""
    check_answer_path(path)
    if str(path) == "-":
        sys.stdout.write(_csv_text(rows, columns))
        return
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        data = "".join(json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False) + "\n" for row in rows)
        write_atomically(path, data)
    elif suffix == ".csv":
        write_atomically(path, "\ufeff" + _csv_text(rows, columns))
    else:
        write_atomically(path, _xlsx_bytes(rows, columns))


def _csv_text(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({c: _cell(row.get(c)) for c in columns} for row in rows)
    return out.getvalue()


def _cell(value):
    """None as an empty cell; booleans as true/false (as --json writes them)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _xlsx_bytes(rows: list[dict], columns: list[str]) -> bytes:
    """An .xlsx workbook of one sheet: a header row, then one row per answer. Text is stored
    as text even when it starts with '=' (openpyxl would store a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook()
    sheet = book.active
    sheet.title = "answers"
    sheet.append(columns)
    for r, row in enumerate(rows, start=2):
        for c, name in enumerate(columns, start=1):
            value = row.get(name)
            if isinstance(value, str):  # control characters XML cannot hold
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
