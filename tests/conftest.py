"""Shared fixtures: the real seed reports, one real index over them, one assistant.

The index is built once per test session with the bundled embedder (no mocks) in a
temporary folder, so tests never depend on the working directory or on `index/`.
"""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


DOC_A = "甲市2023年开工重点项目240个。甲市新增就业9.5万人。"
DOC_B = "乙市市委书记王明讲话。乙市出席会议的委员42名。"
DOC_C = "丙县2024年计划新建学校12所。"
"""Three tiny reports for index tests; `corpus` holds the first two."""


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a.txt").write_text(DOC_A, encoding="utf-8")
    (folder / "b.txt").write_text(DOC_B, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    from qa.ingest.indexing import update_index

    index_dir = tmp_path_factory.mktemp("seed-index")
    update_index([SEEDS], index_dir, progress=False, warn=lambda line: None)
    return index_dir


@pytest.fixture(scope="session")
def assistant(seed_index):
    from qa import Assistant

    return Assistant.load(seed_index)
