"""The Milvus store (through Milvus Lite) and Ray indexing give the folder store's answers.

Real engines throughout: Milvus Lite in-process from a temporary .db file, a local Ray
with 2 CPUs, the bundled embedder. Nothing is mocked except, in one test, a failure
injected into Milvus inserts to stand for a killed run.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import DOC_C

from qa import stores
from qa.assistant import Assistant
from qa.errors import IndexNotFound, InvalidRequest
from qa.frontends.cli import main
from qa.ingest.indexing import RayOptions, update_index
from qa.stores import milvus
from qa.stores.folder import load_index

pytest.importorskip("pymilvus")



def quiet(**kwargs):
    return dict(progress=False, warn=lambda line: None, **kwargs)


@pytest.fixture(scope="module")
def seed_milvus(seed_index, tmp_path_factory):
    """The seed index's chunks and vectors written to Milvus Lite (nothing re-embedded)."""
    spec = f"milvus-lite:{tmp_path_factory.mktemp('milvus') / 'seeds.db'}"
    stores.open_store(spec).save(load_index(seed_index))
    return spec


def test_store_specs_parse_and_bad_ones_are_refused(tmp_path):
    assert stores.parse_store(tmp_path).kind == "folder"
    lite = stores.parse_store("milvus-lite:index/milvus.db")
    assert (lite.kind, lite.uri, lite.collection) == ("milvus", "index/milvus.db", "reports")
    remote = stores.parse_store("milvus://db.example:19531/archive_2026")
    assert (remote.uri, remote.collection, str(remote)) == ("http://db.example:19531", "archive_2026",
                                                             "milvus://db.example:19531/archive_2026")
    for bad in ("milvus-lite:index/milvus", "milvus://", "milvus://host:19530/bad-name!"):
        with pytest.raises(InvalidRequest):
            stores.parse_store(bad)


def test_cli_names_a_bad_or_empty_store_in_one_line(tmp_path, capsys):
    assert main(["ask", "甲市开工多少个项目？", "--store", "milvus-lite:nowhere"]) == 1
    assert "a Milvus Lite store is a .db file" in capsys.readouterr().err
    assert main(["ask", "甲市开工多少个项目？", "--store", f"milvus-lite:{tmp_path / 'empty.db'}"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no index in the Milvus store" in err and "qa index seeds/ --store" in err


def test_milvus_returns_the_folder_stores_passages_on_the_seeds(seed_index, seed_milvus):
    """Same chunks and vectors, different search engines (FAISS + bm25s bigrams vs Milvus
    dense + BM25 over jieba words): the top-5 sets must agree on nearly every question."""
    folder, milvus = load_index(seed_index), stores.open_store(seed_milvus).load()
    assert milvus.chunks == folder.chunks and milvus.sentences == folder.sentences
    assert {d: doc.text for d, doc in milvus.documents.items()} == {d: doc.text for d, doc in folder.documents.items()}
    assistant = Assistant(folder)
    qa_file = Path(__file__).resolve().parent.parent / "eval" / "qa.jsonl"
    questions = [json.loads(line)["question"] for line in open(qa_file, encoding="utf-8")]
    overlap = []
    for q in questions[::3]:
        v = assistant.embedder.embed_batch([q], "query")[0]
        a = {folder.chunks[h.row].chunk_id for h in folder.search(v, q, 5)}
        b = {milvus.chunks[h.row].chunk_id for h in milvus.search(v, q, 5)}
        overlap.append(len(a & b) / 5)
    assert np.mean(overlap) >= 0.95, np.mean(overlap)


def test_milvus_answers_like_the_folder_store_with_exact_citations(assistant, seed_milvus):
    milvus = Assistant.load(seed_milvus)
    for question in ("泉州市委书记是谁？", "丽水市GDP增长了多少倍？", "泉州市委全會在哪一天召開？"):
        a, b = assistant.ask(question), milvus.ask(question)
        assert b.answer == a.answer and b.answer
        c = b.citations[0]
        assert milvus.index.documents[c.doc].text[c.start:c.end] == b.answer


def test_a_document_filter_applies_to_both_milvus_searches(seed_milvus):
    """The filter goes on each request of the hybrid search (a filter on hybrid_search
    itself was not applied by Milvus Lite)."""
    milvus = Assistant.load(seed_milvus)
    doc = sorted(milvus.index.documents)[2]
    answer = milvus.ask("泉州市委书记是谁？", docs=[doc], top_k=10)
    assert answer.passages and {p.doc for p in answer.passages} == {doc}


def test_milvus_index_is_incremental_atomic_and_removes_by_filter(corpus, tmp_path):
    spec = f"milvus-lite:{tmp_path / 'm.db'}"
    first = update_index([corpus], spec, **quiet())
    assert sorted(first.added) == ["a.txt", "b.txt"]
    target = stores.parse_store(spec)
    client = milvus.client_for(target.uri)
    live = stores.open_store(spec).read_manifest()["data_dir"]
    again = update_index([corpus], spec, **quiet())
    assert again.added == [] and stores.open_store(spec).read_manifest()["data_dir"] == live  # nothing rewritten
    (corpus / "c.txt").write_text(DOC_C, encoding="utf-8")
    third = update_index([corpus], spec, **quiet())
    assert third.added == ["c.txt"] and sorted(third.unchanged) == ["a.txt", "b.txt"]
    new_live = stores.open_store(spec).read_manifest()["data_dir"]
    assert new_live != live and live not in client.list_collections()  # swapped, old one dropped
    before = stores.open_store(spec).load(vectors=True)
    assert main(["remove", "b.txt", "--store", spec]) == 0
    after = stores.open_store(spec).load(vectors=True)
    assert after.manifest["data_dir"] == new_live  # in place, by filter
    assert set(after.documents) == {"a.txt", "c.txt"} and all(c.doc_id != "b.txt" for c in after.chunks)
    kept = [i for i, c in enumerate(before.chunks) if c.doc_id != "b.txt"]
    assert np.array_equal(after.chunk_vectors, before.chunk_vectors[kept])
    answer = Assistant.load(spec).ask("乙市市委书记是谁？")
    assert all(c.doc != "b.txt" for c in answer.citations) and all(p.doc != "b.txt" for p in answer.passages)


def test_a_killed_milvus_build_leaves_the_previous_collection_live(corpus, tmp_path, monkeypatch):
    spec = f"milvus-lite:{tmp_path / 'm.db'}"
    update_index([corpus], spec, **quiet())
    live = stores.open_store(spec).read_manifest()["data_dir"]
    expected = Assistant.load(spec).ask("甲市开工多少个重点项目？").answer
    client = milvus.client_for(stores.parse_store(spec).uri)
    real_insert = client.insert
    calls = []

    def dying_insert(name, rows, **kwargs):
        calls.append(name)
        if len(calls) > 1 or name == live:
            raise KeyboardInterrupt  # a kill mid-write
        return real_insert(name, rows, **kwargs)

    monkeypatch.setattr(milvus, "INSERT_BATCH", 2)
    monkeypatch.setattr(client, "insert", dying_insert)
    (corpus / "c.txt").write_text(DOC_C, encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        update_index([corpus], spec, **quiet())
    monkeypatch.setattr(client, "insert", real_insert)
    assert stores.open_store(spec).read_manifest()["data_dir"] == live
    assert len(client.list_collections()) == 2  # the half-written one is left over...
    assert Assistant.load(spec).ask("甲市开工多少个重点项目？").answer == expected
    update_index([corpus], spec, **quiet())
    assert len(client.list_collections()) == 1  # ...until the next run drops it
    assert "c.txt" in Assistant.load(spec).index.documents


def test_no_index_in_an_empty_milvus_store(tmp_path):
    with pytest.raises(IndexNotFound, match="qa index seeds/ --store milvus-lite:"):
        Assistant.load(f"milvus-lite:{tmp_path / 'empty.db'}")


@pytest.mark.slow
def test_ray_makes_the_same_chunks_and_vectors_as_one_process(corpus, tmp_path):
    pytest.importorskip("ray")
    (corpus / "c.txt").write_text(DOC_C * 40, encoding="utf-8")  # several chunks
    (corpus / "bad.txt").write_bytes(b"  \n\n  ")  # empty: skipped on a worker as here
    warnings_single, warnings_ray = [], []
    single = update_index([corpus], tmp_path / "single", progress=False, warn=warnings_single.append)
    spread = update_index([corpus], tmp_path / "ray", progress=False, warn=warnings_ray.append,
                          ray=RayOptions(workers=2))
    expected = (["a.txt", "b.txt", "c.txt"], ["bad.txt"])
    assert (single.added, single.skipped) == expected, warnings_single
    assert (spread.added, spread.skipped) == expected, warnings_ray
    a, b = load_index(tmp_path / "single"), load_index(tmp_path / "ray")
    assert a.chunks == b.chunks and a.sentences == b.sentences
    assert {d: x.text for d, x in a.documents.items()} == {d: x.text for d, x in b.documents.items()}
    np.testing.assert_allclose(a.chunk_vectors, b.chunk_vectors, atol=1e-6)


def test_without_ray_or_milvus_neither_is_imported(seed_index):
    """The default path (folder store, no --ray) never imports the scale extra."""
    code = ("import sys; from qa.frontends.cli import main; "
            f"main(['ask', '泉州市委书记是谁？', '--index-dir', {str(seed_index)!r}]); "
            "print(sorted(m for m in ('ray', 'pymilvus', 'milvus_lite') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
