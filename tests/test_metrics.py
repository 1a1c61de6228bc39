"""Metrics against hand-computed values (CMRC 2018 EM / F1, ranks, abstention, percentiles)."""

import pytest

from qa.evaluation.metrics import (abstain_precision, abstain_recall, answer_tokens, char_f1,
                        distinct_in_order, exact_match, longest_common_run, normalise_answer,
                        percentile, recall_at, reciprocal_rank)


# --- normalisation and tokens ---------------------------------------------------------

def test_normalise_folds_traditional_and_drops_cjk_punctuation():
    # 《》 and 。 are punctuation; 樣 → 样 by OpenCC t2s.
    assert normalise_answer("《泉州樣板》。") == "泉州样板"


def test_normalise_folds_width_case_and_whitespace_but_keeps_percent_and_decimal():
    # NFKC: ＧＤＰ → GDP, ％ → %; lower-case; spaces dropped; 增長 → 增长; the "." of 5.2
    # sits between digits and stays, the final "." does not.
    assert normalise_answer("ＧＤＰ 增長 5.2％.") == "gdp增长5.2%"


def test_normalise_drops_ascii_punctuation_and_middle_dot():
    # "," "-" "·" and the quotes are punctuation; deleting the comma joins 6,000 into 6000.
    assert normalise_answer("“6,000亿元”") == "6000亿元"
    assert normalise_answer("威廉·莎士比亚") == "威廉莎士比亚"


def test_tokens_are_chinese_characters_and_whole_latin_words_and_numbers():
    assert answer_tokens("ＧＤＰ 增長 5.2％") == ["gdp", "增", "长", "5.2", "%"]
    assert answer_tokens("the Quanzhou-style model") == ["the", "quanzhoustyle", "model"]


def test_normalise_is_the_joined_tokens():
    for text in ("市委委员34人", "Quanzhou 2024年 GDP", "“一湾两翼”"):
        assert normalise_answer(text) == "".join(answer_tokens(text))


def test_punctuation_only_text_normalises_to_empty():
    assert normalise_answer(" 。、…! ") == ""


# --- exact match ----------------------------------------------------------------------

def test_exact_match_across_scripts_and_punctuation():
    # 萬畝 folds to 万亩; the trailing 。 is dropped.
    assert exact_match("8萬畝。", ["8万亩"]) == 1.0


def test_exact_match_takes_the_best_gold():
    # Equal to the second gold only.
    assert exact_match("34人", ["市委委员34人", "34人"]) == 1.0
    assert exact_match("35人", ["市委委员34人", "34人"]) == 0.0


def test_exact_match_empty_or_abstained_prediction_is_wrong_on_answerable():
    assert exact_match("", ["34人"]) == 0.0
    assert exact_match("。", ["34人"]) == 0.0
    assert exact_match(None, ["34人"]) == 0.0


def test_unanswerable_scores_one_only_for_an_abstention():
    assert exact_match(None, []) == 1.0
    assert exact_match("7000套", []) == 0.0
    assert char_f1(None, []) == 1.0
    assert char_f1("7000套", []) == 0.0


# --- F1 from the longest common substring ---------------------------------------------

def test_f1_longer_prediction():
    # pred 市 委 委 员 34 人 (6 tokens; "34" is one), gold 34 人 (2 tokens), common run 2:
    # P = 2/6, R = 2/2, F1 = 2 * (1/3) * 1 / (1/3 + 1) = 0.5.
    assert char_f1("市委委员34人", ["34人"]) == pytest.approx(0.5)


def test_f1_shorter_prediction_with_a_latin_word():
    # pred 在 2024 年 (3), gold 2024 年 (2), run 2: P = 2/3, R = 1, F1 = (4/3)/(5/3) = 0.8.
    assert char_f1("在2024年", ["2024年"]) == pytest.approx(0.8)


def test_f1_counts_a_contiguous_run_not_a_bag_of_characters():
    # 员委 against 委员: a bag-of-characters overlap would be 2 (F1 1.0); the longest common
    # substring is 1 character: P = R = 1/2, F1 = 0.5.
    assert char_f1("员委", ["委员"]) == pytest.approx(0.5)


def test_f1_folds_traditional_and_takes_the_best_gold():
    # gold 1: 中 央 商 务 区 (5) vs pred 中 央 商 务 区 起 步 区 (8): run 5,
    #   P = 5/8, R = 1, F1 = 2 * 0.625 / 1.625 = 10/13 ≈ 0.769.
    # gold 2: 起 步 区 (3): run 3, P = 3/8, R = 1, F1 = 0.75 / 1.375 = 6/11 ≈ 0.545.
    assert char_f1("中央商務區起步區", ["中央商务区", "起步区"]) == pytest.approx(10 / 13)


def test_f1_english_words():
    # pred the quanzhou model (3 words), gold quanzhou model (2): run 2, P = 2/3, R = 1 → 0.8.
    assert char_f1("the Quanzhou model.", ["Quanzhou Model"]) == pytest.approx(0.8)


def test_f1_no_overlap_and_empty_prediction():
    assert char_f1("丽水", ["泉州"]) == 0.0
    assert char_f1("", ["泉州"]) == 0.0
    assert char_f1(None, ["泉州"]) == 0.0


def test_f1_is_one_whenever_exact_match_is():
    # "new york" tokenises to two words, "newyork" to one; EM says equal, so F1 must too.
    assert exact_match("New York", ["newyork"]) == 1.0
    assert char_f1("New York", ["newyork"]) == 1.0


def test_longest_common_run():
    # "bcd" is the longest shared run of "abcde" and "xbcdy".
    assert longest_common_run("abcde", "xbcdy") == 3
    assert longest_common_run("", "abc") == 0


# --- retrieval ranks ------------------------------------------------------------------

def test_ranks_count_each_document_once():
    # Distinct ranked docs: a, b, c. b is second → RR 1/2.
    ranked = ["a", "a", "b", "c", "b"]
    assert distinct_in_order(ranked) == ["a", "b", "c"]
    assert reciprocal_rank("b", ranked) == 0.5
    assert reciprocal_rank("c", ranked) == pytest.approx(1 / 3)
    assert recall_at("b", ranked, 1) == 0.0
    assert recall_at("b", ranked, 2) == 1.0


def test_ranks_of_a_missing_document():
    assert reciprocal_rank("z", ["a", "b"]) == 0.0
    assert recall_at("z", ["a", "b"], 5) == 0.0
    assert reciprocal_rank("a", []) == 0.0


# --- percentile -----------------------------------------------------------------------

def test_percentile_interpolates_linearly():
    # [1, 2, 3, 4]: position (4 - 1) * q / 100.
    # q = 50 → position 1.5 → 2 + 0.5 * (3 - 2) = 2.5.
    # q = 95 → position 2.85 → 3 + 0.85 * (4 - 3) = 3.85.
    assert percentile([4, 1, 3, 2], 50) == pytest.approx(2.5)
    assert percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)
    assert percentile([3, 1, 2], 0) == 1
    assert percentile([3, 1, 2], 100) == 3


def test_percentile_of_one_and_of_none():
    assert percentile([7.5], 95) == 7.5
    assert percentile([], 50) is None


# --- abstention -----------------------------------------------------------------------

def test_abstention_precision_and_recall():
    # Abstained on questions 1 and 2; questions 1 and 3 are unanswerable.
    # Precision: of the 2 abstentions, 1 was unanswerable → 0.5.
    # Recall: of the 2 unanswerable, 1 was abstained on → 0.5.
    abstained = [True, True, False, False]
    unanswerable = [True, False, True, False]
    assert abstain_precision(abstained, unanswerable) == 0.5
    assert abstain_recall(abstained, unanswerable) == 0.5


def test_abstention_asymmetric_case():
    # One abstention, on an unanswerable question → precision 1/1; 2 unanswerable → recall 1/2.
    assert abstain_precision([True, False, False], [True, True, False]) == 1.0
    assert abstain_recall([True, False, False], [True, True, False]) == 0.5


def test_abstention_undefined_denominators_are_none():
    # Never abstained → precision undefined; nothing unanswerable → recall undefined.
    assert abstain_precision([False, False], [True, False]) is None
    assert abstain_recall([True, False], [False, False]) is None
    assert abstain_precision([True], [False]) == 0.0
