"""Property-based tests: invariants that must hold for *any* input, found with hypothesis.

Chunk offsets, length-preserving normalisation, the question parser, question cleaning
and the answer metrics are pure functions over a huge input space, so examples alone
cannot cover them. Each property runs a bounded number of examples (a few seconds each).
Known exceptions are named here and pinned by their own regression tests.
"""

import unicodedata

import pytest
from hypothesis import example, given, settings as hsettings, strategies as st

from qa import settings
from qa.assistant import clean_question
from qa.ingest.chunking import chunk_document, split_sentences
from qa.ingest.cleaning import find_content_regions
from qa.ingest.documents import Document
from qa.errors import InvalidQuestion
from qa.evaluation.metrics import answer_tokens, char_f1, exact_match, normalise_answer
from qa.question.questions import ANSWER_TYPES, analyse_question
from qa.textnorm import normalise_for_matching, to_simplified

DOTTED_CAPITAL_I = "\u0130"
"""'İ' lower-cases to two characters ('i' + combining dot): see its regression test."""

SIMPLIFIED_CHAIN = "薴"
"""OpenCC t2s maps 薴→苧 and 苧→苎, so one pass is not a fixed point for this character."""

REPORT_ALPHABET = list("泉州市委全会开工项目個個。，,;；！？!?…、 \n\n\r\t　《》“”()（）0123456789%一二三、")
"""Characters that drive the splitter and the sentence and heading rules in report text."""

any_text = st.text(max_size=600)
"""Any Unicode text without lone surrogates (documents are decoded, so they have none)."""

report_text = st.text(alphabet=st.sampled_from(REPORT_ALPHABET), max_size=900)
mixed_text = st.one_of(any_text, report_text,
                       st.lists(st.sampled_from(["泉州。", "项目240个，", "\n", "\n\n", "一、标题\n", "  ", "x" * 30]),
                                max_size=60).map("".join))
with_surrogates = st.text(alphabet=st.characters(exclude_categories=()), max_size=300)
"""Any code points, lone surrogates included: what a JSON '\\ud800' escape or argv carries."""

ALLOWED_CONTROLS = {"\n", "\r"}
"""Line breaks may stay inside a cleaned question; every other control character goes."""


def assert_chunks_are_exact_slices(text: str, chunk_chars: int, overlap_chars: int) -> list:
    doc = Document("x.txt", "x", text, "0")
    chunks = chunk_document(doc, chunk_chars=chunk_chars, overlap_chars=overlap_chars)
    previous_start = -1
    for chunk in chunks:
        assert 0 <= chunk.start < chunk.end <= len(text), (chunk, len(text))
        piece = text[chunk.start:chunk.end]
        assert piece.strip() and piece == piece.strip() and len(piece) <= chunk_chars
        assert chunk.start > previous_start, "chunks must come in document order"
        previous_start = chunk.start
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    return chunks


def uncovered_content(text: str, chunks: list) -> list[int]:
    """Offsets of non-space characters of content regions that no chunk contains."""
    covered = [False] * len(text)
    for chunk in chunks:
        covered[chunk.start:chunk.end] = [True] * (chunk.end - chunk.start)
    return [i for start, end in find_content_regions(text) for i in range(start, end)
            if not text[i].isspace() and not covered[i]]


@hsettings(max_examples=150, deadline=None)
@given(mixed_text)
@example("\u2028\x1c泉州\x85开工。" * 10)
def test_chunks_are_exact_in_order_slices(text):
    assert_chunks_are_exact_slices(text, settings.CHUNK_CHARS, settings.OVERLAP_CHARS)


@hsettings(max_examples=150, deadline=None)
@given(report_text, st.integers(min_value=8, max_value=80), st.data())
def test_chunk_offsets_hold_for_small_chunk_sizes(text, chunk_chars, data):
    overlap_chars = data.draw(st.integers(min_value=0, max_value=chunk_chars // 2))
    assert_chunks_are_exact_slices(text, chunk_chars, overlap_chars)


REPEATED_CLOSING = ("泉州市" * 50 + "全会号召，全市上下要奋勇争先。" + "晋江市" * 50 + "。\n\n"
                    + "全会号召，全市上下要奋勇争先。")
"""A closing sentence that already occurs in the paragraph before it (reports repeat
their slogans): its chunk is located at the first occurrence instead."""


@hsettings(max_examples=150, deadline=None)
@given(report_text, st.integers(min_value=8, max_value=80), st.data())
@example(REPEATED_CLOSING, settings.CHUNK_CHARS, None)
@example("000000000", 8, None)
def test_chunks_cover_every_content_character(text, chunk_chars, data):
    """Regression: with repeated text, a chunk was placed on an earlier copy of itself
    (chunking.locate_pieces searched from the previous start), so the later text was in no
    chunk and the chunk's offsets pointed to the wrong place."""
    overlap_chars = settings.OVERLAP_CHARS if chunk_chars == settings.CHUNK_CHARS else (
        data.draw(st.integers(min_value=0, max_value=chunk_chars // 2)) if data else 0)
    chunks = assert_chunks_are_exact_slices(text, chunk_chars, overlap_chars)
    lost = uncovered_content(text, chunks)
    assert not lost, f"left out of every chunk: {text[lost[0]:lost[0] + 15]!r} at {lost[0]}"


@hsettings(max_examples=150, deadline=None)
@given(mixed_text)
def test_sentences_are_non_empty_stripped_slices(text):
    sentences = split_sentences(Document("x.txt", "x", text, "0"))
    for sentence in sentences:
        piece = text[sentence.start:sentence.end]
        assert 0 <= sentence.start < sentence.end <= len(text)
        assert piece.strip() and piece == piece.strip()
    assert [s.start for s in sentences] == sorted(s.start for s in sentences)


@hsettings(max_examples=300, deadline=None)
@given(any_text)
@example("①Ａｂｃ㍿ﬀ甲乙 繁體字 Ω K")
@example("İstanbul İİ 泉州")
def test_normalisation_preserves_length(text):
    assert len(to_simplified(text)) == len(text)
    assert len(normalise_for_matching(text)) == len(text)


@hsettings(max_examples=300, deadline=None)
@given(any_text.filter(lambda t: SIMPLIFIED_CHAIN not in t))
@example("後來發現會議裡頭髮乾了")
def test_normalisation_is_idempotent(text):
    once = normalise_for_matching(text)
    assert normalise_for_matching(once) == once
    simplified = to_simplified(text)
    assert to_simplified(simplified) == simplified


def test_simplified_chain_is_the_known_exception_to_idempotence():
    """OpenCC data, not our code: '薴' → '苧' → '苎'. Both passes keep the length, which
    is what offsets rely on; a second pass is never applied to the same text."""
    once = to_simplified(SIMPLIFIED_CHAIN)
    assert len(once) == 1 and len(to_simplified(once)) == 1


def test_normalisation_keeps_length_for_dotted_capital_i():
    """Regression: str.lower() turns 'İ' (U+0130) into 'i' + U+0307, so a document holding
    'İ' (Turkish names, pasted English) shifted every later normalised offset by one and
    sentence and heading matching read the wrong text."""
    text = f"{DOTTED_CAPITAL_I}stanbul 泉州开工重点项目240个。"
    assert len(normalise_for_matching(text)) == len(text)


@hsettings(max_examples=300, deadline=None)
@given(st.one_of(with_surrogates, mixed_text))
@example("")
@example("\ud800abc")
@example("？？？")
@example("كم عدد المشاريع؟")
def test_question_analysis_never_raises(text):
    question = analyse_question(text)
    assert question.answer_type in ANSWER_TYPES
    assert question.language in {"en", "zh-Hans", "zh-Hant"}
    assert all(len(year) == 4 and year.isdigit() for year in question.years)
    assert question.intent in {None, "target", "achievement"}


@hsettings(max_examples=400, deadline=None)
@given(st.one_of(with_surrogates, mixed_text, st.none(), st.integers(), st.binary(max_size=20),
                 st.lists(st.text(max_size=5), max_size=3),
                 st.text(min_size=settings.MAX_QUESTION_CHARS - 5, max_size=settings.MAX_QUESTION_CHARS + 5)))
@example("\ud800")
@example("\x00\x01\u200b\u202e\ufeff \t\n")
@example("泉州\x00开工")
def test_clean_question_returns_clean_text_or_raises_invalid_question(value):
    try:
        cleaned = clean_question(value)
    except InvalidQuestion as exc:
        assert str(exc)
        return
    assert isinstance(value, str) and len(value) <= settings.MAX_QUESTION_CHARS
    assert isinstance(cleaned, str) and cleaned and cleaned == cleaned.strip()
    assert not any(unicodedata.category(c) == "Cs" for c in cleaned), "lone surrogate kept"
    assert not any(unicodedata.category(c) == "Cc" and c not in ALLOWED_CONTROLS for c in cleaned)
    cleaned.encode("utf-8")  # printable, JSON-encodable and storable as it is


answers = st.one_of(st.text(max_size=40),
                    st.text(alphabet=st.sampled_from(list("泉州240个万人亿元%.,，。 ABCabc5")), max_size=20))


@hsettings(max_examples=400, deadline=None)
@given(answers, answers)
@example("New York", "newyork")
@example("６,000个", "6000个")
@example("", "。")
def test_answer_metrics_are_bounded_symmetric_and_consistent(prediction, gold):
    f1 = char_f1(prediction, [gold])
    em = exact_match(prediction, [gold])
    assert 0.0 <= f1 <= 1.0 and em in (0.0, 1.0)
    assert em == exact_match(gold, [prediction])
    assert f1 == pytest.approx(char_f1(gold, [prediction]))
    assert em <= f1
    assert em == float(bool(normalise_answer(prediction)) and normalise_answer(prediction) == normalise_answer(gold))
    assert normalise_answer(prediction) == "".join(answer_tokens(prediction))


@hsettings(max_examples=200, deadline=None)
@given(answers, st.lists(answers, max_size=4))
def test_metrics_take_the_best_gold_and_reward_only_abstention_when_unanswerable(prediction, golds):
    if not golds:
        assert char_f1(prediction, []) == exact_match(prediction, []) == 0.0
        assert char_f1(None, []) == exact_match(None, []) == 1.0
        return
    assert char_f1(prediction, golds) == pytest.approx(max(char_f1(prediction, [g]) for g in golds))
    assert exact_match(prediction, golds) == max(exact_match(prediction, [g]) for g in golds)
    assert char_f1(None, golds) == exact_match(None, golds) == 0.0


OFFSET_PIECES = ["泉州市委全会", "開工重點項目240個", "İstanbul", "e\u0301", "ﬀ", "Ａ１", "\u3000", "。", "，",
                 "\n", " ", "项目240个。" * 3, "a\u0308\u0301", "ß", "🎉"]
"""Repeats, both scripts, combining marks and characters whose case or compatibility form
changes length: the inputs that shift naive offsets."""

offset_text = st.lists(st.sampled_from(OFFSET_PIECES), min_size=1, max_size=40).map("".join)


@hsettings(max_examples=100, deadline=None)
@given(st.one_of(offset_text, any_text))
def test_chunk_and_sentence_offsets_quote_the_text(text):
    doc = Document("x.txt", "x", text, "0")
    for unit in [*chunk_document(doc, chunk_chars=40, overlap_chars=10), *split_sentences(doc)]:
        assert text[unit.start:unit.end].strip() and 0 <= unit.start < unit.end <= len(text)


@hsettings(max_examples=100, deadline=None)
@given(st.one_of(offset_text, any_text))
def test_token_offsets_stay_in_order_inside_the_text(text):
    from qa.reader.tokenizer import load_tokenizer

    enc = load_tokenizer().encode(text)
    assert (enc.starts[1:] >= enc.starts[:-1]).all() if len(enc.starts) > 1 else True
    assert ((0 <= enc.starts) & (enc.starts <= enc.ends) & (enc.ends <= len(text))).all()


@hsettings(max_examples=25, deadline=None)
@given(st.lists(offset_text, min_size=1, max_size=3))
def test_reader_spans_quote_their_passage(passages):
    """What a citation quotes is cut by these offsets: they must hold for any passage."""
    from qa.reader.runtime import load_reader

    for span in load_reader().read("开工重点项目多少个？", passages):
        text = passages[span.passage][span.start:span.end]
        assert 0 <= span.start < span.end <= len(passages[span.passage]) and text == text.strip()
