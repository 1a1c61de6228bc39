"""qa/question/dictionary.py: CC-CEDICT read backwards, kept to the words the reports hold."""

from concurrent.futures import ThreadPoolExecutor

from qa.question import dictionary
from qa.question.dictionary import chinese_words, english_to_chinese, stems

TEXT = "全市粮食产量51.1万吨，新增卫生技术人员4000名，植树造林8万亩。"


def test_english_words_become_the_chinese_words_the_text_uses():
    words = chinese_words("What was the output, and how much afforestation was done?", [TEXT])
    assert words == ("产量", "植树造林")
    assert "技术员" in english_to_chinese()[stems("technician")]  # known, but not in TEXT:
    assert chinese_words("How many technicians?", [TEXT]) == ()     # so not given


def test_inflected_and_reordered_phrases_meet_their_sense():
    assert chinese_words("Outputs of the city?", [TEXT]) == ("产量",)
    table = english_to_chinese()
    assert table[tuple(sorted(stems("members of the committee")))] == table[tuple(sorted(stems("committee member")))]


def test_nothing_matched_gives_nothing():
    assert chinese_words("Which airline flies to Mars?", [TEXT]) == ()
    assert chinese_words("", [TEXT]) == ()


def test_first_questions_at_once_share_one_build():
    """The server builds the table on a start-up thread while a first English question may
    need it: both must get the one table, not build two (about 66 MB each)."""
    dictionary._english_to_chinese.cache_clear()
    with ThreadPoolExecutor(3) as pool:
        tables = list(pool.map(lambda _: english_to_chinese(), range(3)))
    assert tables[0] is tables[1] is tables[2]
    assert dictionary._english_to_chinese.cache_info().misses == 1


def test_the_english_table_is_kept_on_disk_and_read_back_the_same(tmp_path, monkeypatch):
    """Built once (seconds), then read from the cache folder by later processes; an
    unwritable cache folder only means building it again."""
    from qa.question import dictionary

    built = dictionary._build_english_to_chinese()
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "cache"))
    dictionary._english_to_chinese.cache_clear()
    try:
        assert dictionary._english_to_chinese() == built
        cached = list((tmp_path / "cache").glob("cedict-english-*.marisa"))
        assert len(cached) == 1
        dictionary._english_to_chinese.cache_clear()
        monkeypatch.setattr(dictionary, "_build_english_to_chinese", lambda: {})  # the cache alone must serve
        assert dictionary._english_to_chinese() == built
        (tmp_path / "blocked").write_text("a file, not a folder")
        monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "blocked"))
        monkeypatch.setattr(dictionary, "_build_english_to_chinese", lambda: built)
        dictionary._english_to_chinese.cache_clear()
        assert dictionary._english_to_chinese() == built
    finally:
        dictionary._english_to_chinese.cache_clear()


def test_the_headword_lists_are_kept_on_disk_as_read_from_the_dictionary(tmp_path, monkeypatch):
    """Common words and proper nouns: the cached lists equal the dictionary read directly,
    and a later process reads them from the cache folder alone."""
    from qa.question import dictionary

    common = frozenset(w for trad, simp, pinyin, _ in dictionary._lines() if pinyin[:1].islower() for w in (trad, simp))
    proper = frozenset({w for trad, simp, pinyin, _ in dictionary._lines() if pinyin[:1].isupper()
                        for w in (trad, simp)} - common)
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "cache"))
    dictionary._headwords.cache_clear()
    try:
        assert [set(t.keys()) for t in dictionary._headwords()] == [common, proper]
        assert "海湾" in common and "厦门" in proper and "厦门" not in common and "惠民" in common
        assert len(list((tmp_path / "cache").glob("cedict-*.marisa"))) == 2
        dictionary._headwords.cache_clear()
        monkeypatch.setattr(dictionary, "_lines", lambda: iter(()))  # the cache alone must serve
        assert [set(t.keys()) for t in dictionary._headwords()] == [common, proper]
    finally:
        dictionary._headwords.cache_clear()
