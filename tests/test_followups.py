"""Follow-up questions through the real assistant: each is written out as the standalone
question it means (`asked_as`) and answered from the right report, in Simplified,
Traditional and English and across them; a question that stands on its own is untouched."""

import pytest

from qa.errors import InvalidRequest


def ask(assistant, question, *earlier):
    """`question` after the earlier (question, answer) turns."""
    history = [{"question": q, "answer": a} for q, a in earlier]
    return assistant.ask(question, history=history)


def test_place_and_meeting_are_carried_into_a_follow_up(assistant):
    answer = ask(assistant, "由谁主持？", ("泉州市委十三届九次全会是哪天举行的？", "2025年7月22日"))
    assert answer.asked_as == "泉州市委十三届九次全会由谁主持？"
    assert answer.answer == "市委常委会" and answer.question == "由谁主持？"


def test_a_place_named_anew_replaces_the_old_one(assistant):
    answer = ask(assistant, "丽水的呢？", ("温州市委书记是谁？", "陈伟俊"))
    assert answer.asked_as == "丽水市委书记是谁？" and answer.answer == "吴舜泽"
    assert answer.citations[0].doc.startswith("004_")


def test_a_role_named_anew_replaces_the_old_one(assistant):
    answer = ask(assistant, "候补委员呢？", ("丽水全会出席的市委委员多少名？", "42名"))
    assert answer.asked_as == "丽水全会出席的候补委员多少名？"
    assert answer.citations[0].doc.startswith("004_")


def test_the_meeting_numbers_go_with_the_old_place(assistant):
    answer = ask(assistant, "丽水那次全会呢？", ("泉州市委十三届九次全会有多少名候补委员出席？", "8人"))
    assert answer.asked_as == "丽水市委全会有多少名候补委员出席？"
    assert "十三届" not in answer.asked_as and answer.citations[0].doc.startswith("004_")


def test_a_new_year_and_the_thing_measured(assistant):
    answer = ask(assistant, "固定资产投资呢？", ("泉州2024年地区生产总值预期增长多少？", "5.8%"))
    assert answer.asked_as == "泉州2024年固定资产投资预期增长多少？" and answer.answer == "6.5%"
    target = ask(assistant, "那2024年的目标呢？", ("2023年泉州城镇新增就业多少人？", "9.5万人"))
    assert "2024年泉州城镇新增就业" in target.asked_as and "2023" not in target.asked_as


def test_pronouns_stand_for_the_person_answered(assistant):
    answer = ask(assistant, "他担任什么职务？", ("泉州市委十三届九次全会上是谁讲的话？", "张毅恭"))
    assert "张毅恭" in answer.asked_as and "泉州" in answer.asked_as
    city = ask(assistant, "该市常住人口有多少？", ("What city-level goal does Wenzhou strive for?", "社会主义现代化先行市"))
    assert city.asked_as == "温州常住人口有多少？"


def test_english_follow_ups(assistant):
    answer = ask(assistant, "And of Lishui?", ("Who is the Party secretary of Wenzhou?", "陈伟俊"))
    assert answer.asked_as == "Who is the Party secretary of Lishui?" and answer.answer == "吴舜泽"
    carried = ask(assistant, "How many full members attended?",
                  ("When was the 9th plenary session of the 13th Quanzhou Municipal Party Committee held?",
                   "2025年7月22日"))
    assert carried.asked_as == ("How many full members attended (the 9th plenary session of the 13th Quanzhou "
                                "Municipal Party Committee)?")
    assert carried.answer == "34人"


def test_follow_ups_across_scripts(assistant):
    """A Traditional follow-up to a Simplified question is asked in Traditional; an English
    follow-up to a Chinese one gets the place romanised."""
    answer = ask(assistant, "固定資產投資呢？", ("泉州2024年地区生产总值预期增长多少？", "5.8%"))
    assert answer.asked_as == "泉州2024年固定資產投資預期增長多少？" and answer.answer == "6.5%"
    english = ask(assistant, "And how many talents of all kinds?", ("泉州2024年要新引进多少个高层次人才团队？", "15个"))
    assert english.asked_as == "How many talents of all kinds (Quanzhou, in 2024)?"
    chinese = ask(assistant, "麗水那邊呢？", ("溫州市委十二屆十一次全會出席的市委副書記有誰？", "姚高员、陈浩"))
    assert chinese.asked_as.startswith("麗水") and "副書記" in chinese.asked_as


@pytest.mark.parametrize("earlier, question", [
    ("泉州2024年计划新增多少套保障性租赁住房？", "丽水《决定》设置了哪几个年份的节点目标？"),
    ("How many old residential compound renovation projects will Quanzhou start in 2024?",
     "Who is the Party secretary of Wenzhou?"),
    ("泉州的商標有效註冊量達到多少？", "遂昌縣實驗小學夏令營的孩子們在學什麼戲？"),
])
def test_a_question_that_stands_on_its_own_is_untouched(assistant, earlier, question):
    assert ask(assistant, question, (earlier, None)).asked_as == question
    assert assistant.ask(question).to_dict()["asked_as"] == question


def test_a_chain_of_follow_ups_keeps_its_thread(assistant):
    answer = ask(assistant, "床位呢？", ("泉州2023年新增了多少卫技人员？", "4000名"), ("今年打算新增多少？", "2000名"))
    assert answer.asked_as.startswith("泉州今年") and "床位" in answer.asked_as


@pytest.mark.parametrize("history", ["温州", [{"question": 3}], [{"question": "温州", "answer": 5}], [7]])
def test_a_malformed_history_is_refused(assistant, history):
    with pytest.raises(InvalidRequest, match="history"):
        assistant.ask("丽水的呢？", history=history)
