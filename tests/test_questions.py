"""Reading an English question: its answer kind and its report terms, plural or not."""

import threading

import pytest

from qa.question.glossary import chinese_terms
from qa.question.names import latin_names
from qa.question.questions import analyse_question


@pytest.mark.parametrize("question,kind", [
    ("Who is the Party secretary of Wenzhou?", "person"),
    ("Which deputy party secretaries of Wenzhou attended the plenary session?", "person"),
    ("Which officials presided over the meeting?", "person"),
    ("Which counties in Quanzhou were praised for copyright protection?", "place"),
    ("Which city hosted the meeting?", "place"),
    ("Which government departments are in charge of the campaign?", "org"),
    ("How many key projects did Quanzhou start in 2023?", "number"),
    ("What did the Party committee decide about housing?", "phrase"),
    # a measure asked for with 'what was' is a figure, not a phrase
    ("What was Quanzhou GDP in 2022?", "number"),
    ("What is Lishui's per capita disposable income?", "number"),
    ("What was the total industrial output value of Quanzhou?", "number"),
    ("What was the theme of the plenary session?", "phrase"),
    # ... and so is one asked with 'gross regional product' or 'what did ... reach / total'
    ("What was Xiamen's gross regional product in 2021?", "number"),
    ("What did Fuzhou's GDP reach last year?", "number"),
    ("What did the city's industrial output value total?", "number"),
    ("What did the plenum say about investment?", "phrase"),
    # 'which' before any other noun asks for a name; 'why' and 'how' for an explanation
    ("Which newspaper carried the report?", "phrase"),
    ("From which park was the photo taken?", "phrase"),
    ("Why did Lishui look back on 25 years?", "explain"),
    ("How will Quanzhou grow its central urban area?", "explain"),
])
def test_english_answer_kinds_read_singular_and_plural_nouns(question, kind):
    assert analyse_question(question).answer_type == kind


@pytest.mark.parametrize("question,items", [
    ("厦门要做好哪三件事?", 3),
    ("福州歸納了哪五種工作方法?", 5),
    ("全会提出统筹写好哪3方面的文章?", 3),
    ("Which two per-mu indicators does Fuzhou want to raise?", 2),
    ("What three specific things must the port do?", 3),
    ("Which five-year plan period did the plenum name?", 0),   # a plan's name, not five things
    ("全会部署了哪几个方面的任务?", 0),                          # no number named
    ("How many projects started in 2023?", 0),
])
def test_a_question_asking_for_a_number_of_things_says_how_many(question, items):
    assert analyse_question(question).items == items


@pytest.mark.parametrize("question,terms", [
    ("Which deputy party secretaries attended?", ("副", "书记", "出席")),
    ("How many alternate members attended the plenary session?", ("候补委员", "出席", "全会")),
    ("How many key projects were started?", ("重点项目", "开工")),
    ("How many enterprises are attending?", ("企业", "出席")),
    ("What did the people's congress decide on rental housing in the 14th five-year plan?",
     ("人大", "租赁住房", "十四五", "十四")),
])
def test_glossary_terms_meet_inflected_english(question, terms):
    """Glossary entries match on word stems, longest first ('deputy party secretaries' →
    副 + 书记), and ordinals become Chinese numerals."""
    assert chinese_terms(question) == terms



def test_glossary_terms_are_the_same_from_many_threads():
    """The server answers on many threads at once: each gets its own stemmer (a shared
    Snowball stemmer garbled words and raised IndexError under load)."""
    questions = ["Which deputy party secretaries of Wenzhou attended the plenary session?",
                 "How many key projects were started in 2023 by the enterprises attending?"]
    expected = [chinese_terms(q) for q in questions]
    seen = []

    def ask_many():
        for _ in range(200):
            seen.extend(chinese_terms(q) == e for q, e in zip(questions, expected))

    threads = [threading.Thread(target=ask_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8 * 200 * 2 and all(seen)


@pytest.mark.parametrize("question,names", [
    ("Who is the Party secretary of Wenzhou?", ("Wenzhou",)),
    ("When did Zhang Yigong visit Nan'an?", ("Zhang Yigong", "Nan'an")),       # apostrophe kept
    ("What did Lishui's and Zhejiang’s plenums decide?", ("Lishui", "Zhejiang")),  # possessives dropped
    ("Which site of the Song-Yuan era is listed?", ("Song-Yuan",)),
    # English words that split into pinyin only with bare syllables (te+n, fa+ci+ng), and
    # lone syllables, are no names
    ("Ten projects: what did Quanzhou start?", ("Quanzhou",)),
    ("Facing the epidemic, what did Wenzhou do?", ("Wenzhou",)),
    ("You Order, We Deliver: how many events?", ()),
])
def test_latin_names_are_pinyin_names_not_english_words(question, names):
    assert latin_names(question) == names


@pytest.mark.parametrize("question,kind", [
    ("除市委书记外,出席会议的市委副书记有哪几位?", "person"),  # 几位 had made it a number question
    ("出席会议的市委委员有几位?", "number"),
    ("哪些人获得了表彰?", "person"),
])
def test_chinese_questions_asking_for_people_are_person_questions(question, kind):
    assert analyse_question(question).answer_type == kind
