"""Each report's date and place, read at index time from its text, and the filters on them
(Python, CLI, HTTP)."""

import pytest

from qa.errors import InvalidRequest
from qa.ingest.metadata import report_date, report_place
from qa.textnorm import normalise_for_matching

QUANZHOU_PLENUM, QUANZHOU_TRADITIONAL, WENZHOU, QUANZHOU_WORK_REPORT, LISHUI = (
    "000_575acf73bce17c5b.txt", "001_e042bc5b6dc4b2ff.txt", "002_c93a4296dfa4c8a6.txt",
    "003_4207b2f59b3502d4.txt", "004_a2c695bdbd89f31f.txt")


def test_dates_and_places_of_the_seed_reports(assistant):
    documents = {d["id"]: d for d in assistant.documents()}
    assert {d: (documents[d]["date"], documents[d]["place"]) for d in documents} == {
        QUANZHOU_PLENUM: ("2025-07-22", "泉州"),  # the resolution's adoption date
        QUANZHOU_TRADITIONAL: (None, "泉州"),  # no full date in its text
        WENZHOU: (None, "温州"),  # '昨天' only
        QUANZHOU_WORK_REPORT: ("2024-01-12", "泉州"),  # the dateline '2024-01-12 09:16'
        LISHUI: (None, "丽水"),  # '7月5日', no year
    }


@pytest.mark.parametrize("text, date", [
    ("来源:某某客户端 2024-01-12 09:16 阅读", "2024-01-12"),
    ("2025年7月22日中国共产党某市第十三届委员会第九次全体会议通过", "2025-07-22"),
    ("发布时间：2023/3/5", "2023-03-05"),
    ("2022年1.2萬億元", None),  # a year and a figure, not a date
    ("2024年13月40日", None),
    ("今天(22日)上午", None),
])
def test_report_date(text, date):
    assert report_date(text) == date


def test_report_place_needs_repeated_mentions_and_skips_provinces():
    assert report_place(normalise_for_matching("福建泉州。福建省泉州市。泉州发展。福建福建。")) == "泉州"
    assert report_place(normalise_for_matching("泉州的一句话。")) is None


def test_select_documents_by_place_in_any_script_and_by_year(assistant):
    assert assistant.select_documents(place="Lishui") == [LISHUI]
    assert assistant.select_documents(place="麗水市") == [LISHUI]
    assert assistant.select_documents(place="泉州") == [QUANZHOU_PLENUM, QUANZHOU_TRADITIONAL, QUANZHOU_WORK_REPORT]
    assert assistant.select_documents(place="泉州", year=2024) == [QUANZHOU_WORK_REPORT]
    assert assistant.select_documents(docs=[WENZHOU, LISHUI], place="温州") == [WENZHOU]
    assert assistant.select_documents() is None
    with pytest.raises(InvalidRequest, match="no indexed report is about 厦门"):
        assistant.select_documents(place="厦门")
    with pytest.raises(InvalidRequest, match="year"):
        assistant.select_documents(year="2024")


def test_place_filter_on_the_command_line(seed_index, capsys):
    from qa.frontends.cli import main

    assert main(["ask", "市委书记是谁？", "--place", "温州", "--index-dir", str(seed_index), "--json"]) == 0
    assert '"answer": "陈伟俊"' in capsys.readouterr().out
    assert main(["ask", "市委书记是谁？", "--place", "Xiamen", "--index-dir", str(seed_index)]) == 1
    assert "no indexed report is about Xiamen" in capsys.readouterr().err


def test_an_index_from_before_dates_and_places_gets_them_on_the_next_run(corpus, tmp_path):
    """A manifest without date and place (0.2.0) is described by the next `qa index`, even
    when no file changed."""
    import json

    from qa.ingest.indexing import update_index

    (corpus / "c.txt").write_text("晋江市委书记讲话。晋江发展。晋江建设。\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    update_index([corpus], index_dir, progress=False, warn=lambda line: None)
    manifest_path = index_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for meta in manifest["documents"].values():
        del meta["date"], meta["place"]
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    report = update_index([corpus], index_dir, progress=False, warn=lambda line: None)
    assert report.added == [] and report.removed == []
    documents = json.loads(manifest_path.read_text(encoding="utf-8"))["documents"]
    assert documents["c.txt"]["place"] == "晋江" and documents["a.txt"]["date"] == ""
