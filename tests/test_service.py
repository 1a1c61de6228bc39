"""The live service: a running server notices an index made live by another process
(`qa index`, `qa remove` from a shell) and swaps it in; requests keep the assistant they
started with; an index that cannot be loaded yet leaves the current one answering."""

import shutil
import time

import pytest

from qa.frontends.cli import main
from qa.service import LiveAssistant

LISHUI = "004_a2c695bdbd89f31f.txt"


@pytest.fixture()
def live_copy(seed_index, tmp_path):
    """A live service over a private copy of the seed index, checking for changes often."""
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    live = LiveAssistant(index, reload_seconds=0.2)
    yield live, index
    live.close()


def wait_for(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_removal_from_the_shell_reaches_a_running_server(live_copy):
    live, index = live_copy
    before = live.current()
    assert main(["remove", LISHUI, "--index-dir", str(index)]) == 0  # what `qa remove` runs
    assert wait_for(lambda: LISHUI not in live.current().index.documents), "the server kept the removed report"
    answer = live.current().ask("丽水市委书记是谁？")
    assert LISHUI not in {c.doc for c in answer.citations} | {p.doc for p in answer.passages}
    assert LISHUI in before.index.documents  # a request that began before keeps its assistant
    assert before.ask("丽水市委书记是谁？").answer == "吴舜泽"


def test_a_report_indexed_from_the_shell_is_answered_by_a_running_server(live_copy, tmp_path):
    live, index = live_copy
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "park.txt").write_text("测试市公园报告\n测试市2025年新建公园17个。\n", encoding="utf-8")
    assert main(["index", str(folder), "--index-dir", str(index)]) == 0
    assert wait_for(lambda: "park.txt" in live.current().index.documents)
    assert live.current().ask("测试市2025年新建公园多少个？").answer == "17个"
    assert any(d["id"] == "park.txt" for d in live.current().documents())


def test_an_index_that_cannot_be_loaded_keeps_the_current_one(live_copy):
    live, index = live_copy
    live.close()  # check by hand, not in the background
    current = live.current()
    (index / "manifest.json").write_text("{", encoding="utf-8")  # another version, unreadable
    assert live.reload_if_changed() is False
    assert live.current() is current and live.current().ask("丽水市委书记是谁？").answer == "吴舜泽"
