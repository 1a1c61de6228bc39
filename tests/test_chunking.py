"""Chunking and cleaning: offsets are exact, sentences are not cut, boilerplate stays out."""

import re

from hypothesis import given, settings as hsettings, strategies as st

from qa import settings
from qa.ingest.chunking import chunk_document, locate_piece, split_sentences
from qa.ingest.cleaning import find_content_regions, is_boilerplate, join_broken_lines
from qa.ingest.documents import Document, read_document

SENTENCE_END = re.compile(r"[。！？；!?;]")


def seed_documents(seeds_dir):
    return [read_document(p, p.name) for p in sorted(seeds_dir.glob("*.txt"))]


def test_every_chunk_and_sentence_of_the_seeds_is_an_exact_slice(seeds_dir):
    for doc in seed_documents(seeds_dir):
        chunks = chunk_document(doc)
        assert chunks, doc.doc_id
        for chunk in chunks:
            text = doc.text[chunk.start:chunk.end]
            assert text and text == text.strip()
            assert len(text) <= settings.CHUNK_CHARS
        for sentence in split_sentences(doc):
            assert doc.text[sentence.start:sentence.end].strip()


def test_chunks_only_end_mid_sentence_when_the_sentence_is_too_long(seeds_dir):
    for doc in seed_documents(seeds_dir):
        sentences = split_sentences(doc)
        for chunk in chunk_document(doc):
            inside = [s for s in sentences if s.start < chunk.end < s.end]
            for s in inside:  # the chunk ends inside sentence s: only allowed if s is too long
                assert s.end - s.start > settings.CHUNK_CHARS - settings.OVERLAP_CHARS, (
                    doc.doc_id, doc.text[s.start:s.end])


def test_chunk_ids_are_stable(seeds_dir):
    doc = seed_documents(seeds_dir)[0]
    assert [c.chunk_id for c in chunk_document(doc)] == [c.chunk_id for c in chunk_document(doc)]


def test_web_boilerplate_is_not_indexed(seeds_dir):
    docs = {d.doc_id: d for d in seed_documents(seeds_dir)}
    nav = docs["003_4207b2f59b3502d4.txt"]
    indexed = "".join(nav.text[c.start:c.end] for c in chunk_document(nav))
    assert "您当前的位置" not in indexed and "阅读人数" not in indexed
    footer = docs["001_e042bc5b6dc4b2ff.txt"]
    indexed = "".join(footer.text[c.start:c.end] for c in chunk_document(footer))
    assert "本網站所登載" not in indexed and "admin@" not in indexed
    assert is_boilerplate("*视频版权所有,未经许可不得转载")
    assert not is_boilerplate("出席这次会议的有市委委员34人,市委候补委员8人。")


def test_a_sentence_broken_across_blank_lines_is_one_sentence(seeds_dir):
    """Regression: 004 breaks '…生态价' / '值的绿色画卷' over a blank line."""
    doc = next(d for d in seed_documents(seeds_dir) if d.doc_id.startswith("004"))
    joined = [doc.text[s.start:s.end] for s in split_sentences(doc) if "生态价" in doc.text[s.start:s.end]]
    assert joined and "值的绿色画卷" in joined[0]


def test_broken_line_join_keeps_length():
    text = "实现了从\n\n跨越传统工业化道路到开辟新路。\n二、标题"
    assert len(join_broken_lines(text)) == len(text)


def test_mojibake_question_marks_do_not_end_a_sentence():
    """Regression: 001 has '入??趦砂' where bytes failed to decode; '??' is not a question."""
    doc = Document("x.txt", "x", "推进泉州湾入??趦砂哆B片開發,建設中心城區。", "0")
    assert len(split_sentences(doc)) == 1


cjk_text = st.text(alphabet=st.sampled_from(list("泉州市委全会开工项目个。，,;！？\n 　《》“”")),
                   min_size=0, max_size=800)


@hsettings(max_examples=60, deadline=None)
@given(cjk_text)
def test_offsets_hold_for_any_text(text):
    doc = Document("x.txt", "x", text, "0")
    for chunk in chunk_document(doc, chunk_chars=60, overlap_chars=10):
        piece = text[chunk.start:chunk.end]
        assert piece and piece == piece.strip() and len(piece) <= 60
    for start, end in find_content_regions(text):
        assert text[start:end].strip()
    for sentence in split_sentences(doc):
        assert text[sentence.start:sentence.end].strip()


def test_locate_piece_trusts_langchains_start_index_over_an_earlier_copy():
    text = "甲乙。甲乙。丙丁。"
    assert locate_piece(text, "甲乙。丙丁。", 3) == 3
    assert locate_piece(text, "甲乙。", 3) == 3          # a repeat stays where it was cut
    assert locate_piece(text, "丙丁。", -1) == 6         # a miss falls back to a search


def test_a_piece_is_placed_after_the_previous_one():
    """Found by the property test: with an overlap reaching back past the previous chunk's
    start, LangChain's start_index put ';' at 0 a second time (the text's first ';')."""
    doc = Document("x.txt", "x", ";；;00000000", "0")
    spans = [(c.start, c.end) for c in chunk_document(doc, chunk_chars=8, overlap_chars=2)]
    assert spans == [(0, 2), (2, 3), (3, 11)]
    assert locate_piece(";；;", ";", 0, previous=0) == 2
