"""Answers over the real seed index: one known answer per language, exact citations,
abstention, document filters, and Traditional/Simplified in both directions."""

import json

import pytest

from qa.errors import InvalidQuestion, InvalidRequest
from qa.frontends.cli import main
from qa.question.names import find_pinyin
from qa.reader.scoring import clause_overlap, count_agreement, enumeration_items, figure_length

KNOWN = [
    # (language, question, answer, document)
    ("zh-Hans", "2023年泉州开工重点项目多少个？", "240个", "003_4207b2f59b3502d4.txt"),
    ("zh-Hant", "丽水市委五屆八次全會出席的市委委員有多少名？", "42名", "004_a2c695bdbd89f31f.txt"),
    ("en", "Who is the Party secretary of Wenzhou?", "陈伟俊", "002_c93a4296dfa4c8a6.txt"),
]


def assert_citations_hold(assistant, answer):
    """The contract: citations[0] supports the answer, every offset is exact."""
    for citation in answer.citations:
        text = assistant.index.documents[citation.doc].text
        assert text[citation.quote_start:citation.quote_end] == citation.quote
        assert citation.quote_start <= citation.start < citation.end <= citation.quote_end
    if answer.answer is not None:
        first = answer.citations[0]
        assert assistant.index.documents[first.doc].text[first.start:first.end] == answer.answer
    for passage in answer.passages:
        assert assistant.index.documents[passage.doc].text[passage.start:passage.end] == passage.text


@pytest.mark.parametrize("language,question,expected,doc", KNOWN, ids=[k[0] for k in KNOWN])
def test_known_answer_in_each_language(assistant, language, question, expected, doc):
    answer = assistant.ask(question)
    assert answer.answer == expected
    assert answer.citations[0].doc == doc
    assert 0.0 <= answer.confidence <= 1.0 and not answer.abstained
    assert_citations_hold(assistant, answer)


def test_year_decides_between_achievement_and_target(assistant):
    """The year and the target/achievement wording pick the section: 2024's targets, 2023's
    review."""
    target = assistant.ask("2024年泉州计划开工多少个重点项目？")
    sentence, heading = assistant.views.sentence_context(target.citations[0].doc, target.citations[0].start)
    assert "2024年工作目标任务" in heading and "200个" in target.answer
    assert assistant.ask("2023年泉州开工重点项目多少个？").answer == "240个"


def test_a_target_figure_is_cut_to_the_figure(assistant):
    """Was a strict xfail (the span ran on: '954个,…开工200个、竣工150个'); a figure question's
    span now ends at the clause break before the next figure (`scoring.figure_length`)."""
    assert assistant.ask("2024年泉州计划开工多少个重点项目？").answer == "200个"


def test_the_city_named_decides_the_figure(assistant):
    assert assistant.ask("出席泉州全会的市委候补委员有多少人?").citations[0].doc.startswith("000")
    assert assistant.ask("丽水市委五届八次全会出席的候补委员有几名？").citations[0].doc.startswith("004")


def test_an_english_figure_question_is_cut_to_the_figure(assistant):
    """Once answered '240个,建成重点项目150个': one figure now, and 240 (started) among the two best."""
    answer = assistant.ask("How many key projects did Quanzhou start in 2023?")
    assert answer.answer in {"240个", "150个"}
    assert "240个" in [answer.answer, *(a.text for a in answer.alternatives[:1])]


def test_an_english_question_tells_started_from_completed(assistant):
    """Was a strict xfail with reader-en4 (it took 建成 150 for 'start'); reader-en5 and
    reader-en7 tell them apart."""
    assert assistant.ask("How many key projects did Quanzhou start in 2023?").answer == "240个"


def test_traditional_question_finds_a_simplified_passage(assistant):
    answer = assistant.ask("丽水市委五屆八次全會出席的市委委員有多少名？")
    assert answer.citations[0].doc.startswith("004")  # 004 is written in Simplified


def test_simplified_question_finds_a_traditional_passage(assistant):
    answer = assistant.ask("泉州市委书记张毅恭2月3日在哪里调研？")
    assert answer.answer == "南安市"
    assert answer.citations[0].doc.startswith("001")  # 001 is written in Traditional
    assert "調研" in answer.citations[0].quote       # quoted in the document's own script


@pytest.mark.parametrize("question", [
    "厦门市2023年GDP是多少?", "What was Shenzhen's GDP in 2023?",
    # was a strict xfail while the Chinese threshold was 0.02 (answered at 0.022); the
    # confidence model fitted on all three dev files chose 0.07, then 0.09, then 0.11
    "2022年泉州开工重点项目多少个？",
])
def test_unanswerable_questions_abstain(assistant, question):
    answer = assistant.ask(question)
    assert answer.abstained and answer.answer is None and answer.citations == ()
    assert answer.passages  # the closest passages are still offered for reading


def test_offsets_hold_on_every_answer_of_the_eval_questions(assistant, seeds_dir):
    lines = (seeds_dir.parent / "eval" / "qa.jsonl").read_text(encoding="utf-8").splitlines()
    for line in lines[::7]:
        assert_citations_hold(assistant, assistant.ask(json.loads(line)["question"]))


def test_document_filter_limits_every_passage_and_citation(assistant):
    only = ["004_a2c695bdbd89f31f.txt"]
    answer = assistant.ask("2023年泉州开工重点项目多少个？", docs=only)
    assert {p.doc for p in answer.passages} == set(only)
    assert all(c.doc in only for c in answer.citations)


def test_top_k_sets_the_number_of_passages(assistant):
    assert len(assistant.ask("泉州开工重点项目", top_k=2).passages) == 2


@pytest.mark.parametrize("kwargs,error", [
    ({"question": "   "}, InvalidQuestion), ({"question": ""}, InvalidQuestion),
    ({"question": "x", "top_k": 0}, InvalidRequest), ({"question": "x", "docs": ["nope.txt"]}, InvalidRequest),
    ({"question": "x", "docs": []}, InvalidRequest),
])
def test_bad_arguments_are_errors_not_abstentions(assistant, kwargs, error):
    with pytest.raises(error):
        assistant.ask(**kwargs)


def test_answer_json_has_exactly_the_contract_keys(assistant):
    data = assistant.ask("2023年泉州开工重点项目多少个？").to_dict()
    assert set(data) == {"question", "asked_as", "answer", "abstained", "reason", "confidence", "citations",
                         "passages", "other_candidates", "timings_ms"}
    assert set(data["citations"][0]) == {"doc", "title", "start", "end", "quote", "quote_start",
                                         "quote_end", "page", "score"}
    assert set(data["passages"][0]) == {"doc", "title", "start", "end", "text", "score"}
    assert set(data["timings_ms"]) == {"retrieve", "read", "answer", "total"}
    for other in data["other_candidates"]:
        assert set(other) == {"doc", "title", "start", "end", "text", "confidence"}
        assert assistant.index.documents[other["doc"]].text[other["start"]:other["end"]] == other["text"]


def test_cli_ask_json_one_line_per_question_in_order(seed_index, capsys):
    questions = ["2023年泉州开工重点项目多少个？", "厦门市2023年GDP是多少?"]
    assert main(["ask", *questions, "--index-dir", str(seed_index), "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [json.loads(line)["question"] for line in lines] == questions
    assert json.loads(lines[0])["answer"] == "240个" and json.loads(lines[1])["abstained"]


def test_cli_ask_readable_output_numbers_citations(seed_index, capsys):
    assert main(["ask", "2023年泉州开工重点项目多少个？", "--index-dir", str(seed_index)]) == 0
    out = capsys.readouterr().out
    assert "A: 240个" in out and "[1] 003_4207b2f59b3502d4.txt" in out


def test_cli_empty_question_is_one_line_on_stderr(seed_index, capsys):
    assert main(["ask", "  ", "--index-dir", str(seed_index)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error:")


def test_cli_missing_index_says_what_to_run(tmp_path, capsys):
    assert main(["ask", "问题", "--index-dir", str(tmp_path / "none")]) == 1
    assert "qa index" in capsys.readouterr().err


def test_every_citation_states_the_answer_and_other_candidates_are_apart(assistant):
    """Citations mean support: each cited span is the answer (same text once folded to
    Simplified); spans with another answer appear only among the other candidates."""
    from qa.evaluation.metrics import normalise_answer

    for question in ["2023年泉州开工重点项目多少个？", "泉州市委十三屆九次全會於哪一天舉行？",
                     "Who is the Party secretary of Wenzhou?"]:
        answer = assistant.ask(question)
        if answer.abstained:
            continue
        for citation in answer.citations:
            text = assistant.index.documents[citation.doc].text[citation.start:citation.end]
            assert normalise_answer(text) == normalise_answer(answer.answer)
        for other in answer.alternatives:
            assert normalise_answer(other.text) != normalise_answer(answer.answer)


@pytest.mark.parametrize("question,expected", [
    ("2023年泉州开工重点项目多少个？", "240个"),
    ("泉州市委十三屆九次全會有多少名市委委員出席?", "34人"),
    ("Who is the Party secretary of Wenzhou?", "陈伟俊"),
])
def test_the_chat_pages_example_questions_are_answered(assistant, question, expected):
    from qa.frontends.webui import EXAMPLES

    assert question in EXAMPLES
    assert assistant.ask(question).answer == expected


def test_a_party_secretary_question_names_the_citys_own_secretary(assistant):
    """Regression: '丽水市委书记是谁？' answered 习近平 (quoted everywhere) under the hand rules."""
    assert assistant.ask("丽水市委书记是谁？").answer == "吴舜泽"


@pytest.mark.parametrize("name,text,chinese", [
    ("Liandu", "莲都区总工会", "莲都"),          # 都 read 'du' here, though 'dou' is its common reading
    ("Zhang Yigong", "市委书记张毅恭讲话", "张毅恭"),
    ("Quanzhou", "泉州湾", "泉州"),
])
def test_english_names_match_any_reading_of_the_characters(name, text, chinese):
    assert find_pinyin(name, text) == chinese


@pytest.mark.parametrize("name,text,chinese", [
    ("Lishui", "提升城市治理水平", None),                 # 理水 starts inside 治理
    ("Fujian", "美丽建设、幸福建设、全省", None),          # 福建 starts inside 幸福
    ("Fujian", "市监局会同福建省有关部门", "福建"),        # 市 read 'fu' only rarely
])
def test_english_names_match_only_where_a_word_starts(name, text, chinese):
    assert find_pinyin(name, text) == chinese


def terms_of(assistant, question: str):
    """The question's terms over the assistant's reports, as `find_passages` finds them."""
    return assistant.find_passages(question).terms


def test_a_city_no_report_names_is_not_found_in_another_citys_report(assistant):
    """Regression: 'Lishui' was matched to 理水 in the Quanzhou work report's 治理水平, so a
    Lishui question took the Quanzhou report's GDP growth target."""
    terms = terms_of(assistant, "What is Lishui's GDP growth target?")
    assert terms.required == ({"004_a2c695bdbd89f31f.txt"},)


def test_names_no_single_report_holds_together_are_not_required(assistant):
    # jieba tags 惠及 ('benefit') a place, and only the Lishui report has it; 泉州 is not there
    assert terms_of(assistant, "泉州以惠及群众为宗旨的文化工程叫什么?").required == ()
    assert terms_of(assistant, "丽水市委书记是谁？").required != ()


def test_a_common_word_tagged_as_a_place_rules_out_no_report(assistant):
    """jieba tags 海湾 ('bay'), 江河 ('river') and 上门 ('to drop in') as places; none is
    in the reports, and each alone had made every document fail, so these were never
    answered. A real place no report covers still rules them all out."""
    for question in ["决议要求联动哪个海湾两侧的一体化进程?", "以本地江河命名的党建品牌叫什么?"]:
        assert terms_of(assistant, question).required == ()
    assert terms_of(assistant, "衢州市委书记是谁?").required == (frozenset(),)
    # names the reports know, though not in one report, and an unknown word beside them
    assert terms_of(assistant, "莲都区推出的上门送课、文化惠民活动叫什么?").required == ()
    answer = assistant.ask("决议要求联动哪个海湾两侧的一体化进程?")
    assert not answer.abstained and "湄洲湾" in answer.answer


@pytest.mark.parametrize("question", ["与泉州结对开展山海协作的是哪座城市?", "Which city pairs up with Quanzhou?"])
def test_no_candidate_is_the_questions_own_words(assistant, question):
    found = assistant.find_passages(question, 8)
    spans = assistant.score_spans(found, assistant.read(found))
    assert spans and all(s.text != "泉州" for s in spans)  # (found as the pinyin "Quanzhou" in English)


@pytest.mark.parametrize("kind,text,kept", [
    ("number", "240个,建成重点项目150个", "240个"),
    ("number", "4000名、医疗床位1549张、普惠性婴幼儿托位3322个", "4000名"),
    ("number", "136.8亿元增加到2181.2亿元", "136.8亿元增加到2181.2亿元"),  # no clause break: kept
    ("number", "4814亿元增长到2022年1.2万亿元", "4814亿元"),  # runs on into another year's figure
    ("number", "7金6银2铜", "7金6银2铜"),
    ("date", "2025年、2027年、2030年", "2025年、2027年、2030年"),          # a list of years may be the answer
    ("phrase", "一湾两翼三带一屏多支点", "一湾两翼三带一屏多支点"),
])
def test_a_figure_span_ends_before_the_next_figure(kind, text, kept):
    assert text[:figure_length(kind, text)] == kept


def test_clause_overlap_reads_the_spans_own_clause():
    """Which figure of a list a question asks for is said in the figure's own clause."""
    text = "全年经济平稳运行,开工重点项目240个,建成重点项目150个。"
    asked = {"开工", "重点", "点项", "项目"}
    started, built = text.index("240个"), text.index("150个")
    assert clause_overlap(asked, text, started, started + 4) == 1.0
    assert clause_overlap(asked, text, built, built + 4) == 0.75  # 建成, not 开工
    assert clause_overlap(asked, text, 2, 4) == 0.0                 # '经济': another clause
    assert clause_overlap(set(), text, started, started + 4) == 0.0


@pytest.mark.parametrize("text,items", [
    ("着力提升通道能级、打造综合枢纽、健全物流体系", 3),
    ("“项目工作法”“一线工作法”“典型引路法”", 3),
    ("强城”“兴村”“融合", 3),                     # the reader trims the outer quotes
    ("六個始終堅持”和“正確處理好五大關系", 2),
    ("畝均稅收和畝均產值", 2),
    ("240个", 1),
])
def test_enumeration_items_counts_what_a_span_lists(text, items):
    assert enumeration_items(text) == items


def test_count_agreement_is_neutral_unless_the_question_names_a_number():
    assert count_agreement(0, "240个") == 0.0
    assert count_agreement(3, "提升通道能级、打造综合枢纽、健全物流体系") == 1.0
    assert count_agreement(3, "更好发挥交通“先行官") == -1.0   # one thing of three
