"""Shared fixtures: the real seed reports, one real index over them, one assistant.

The index is built once per test session with the bundled embedder (no mocks) in a
temporary folder, so tests never depend on the working directory or on `index/`.
"""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    from qa.indexing import update_index

    index_dir = tmp_path_factory.mktemp("seed-index")
    update_index([SEEDS], index_dir, progress=False, warn=lambda line: None)
    return index_dir


@pytest.fixture(scope="session")
def assistant(seed_index):
    from qa import Assistant

    return Assistant.load(seed_index)
