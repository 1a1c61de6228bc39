"""Read a question: what kind of answer it wants, which year, target or achievement, and
which names it mentions, in Simplified, Traditional or English.

Chinese questions are folded to Simplified first, so one set of patterns serves both
scripts. The patterns are the interrogative forms of each language (多少/幾/how many,
何时/when, 谁/who ...), not words from any particular report, so they carry over to new
documents. Names in English questions are matched to Chinese text by pinyin later on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..textnorm import bigram_tokens, normalise_for_matching, to_simplified
from .names import latin_names

ANSWER_TYPES = ("number", "percent", "date", "person", "place", "org", "phrase", "explain")

# Order matters: the first pattern that matches decides the type.
_ZH_TYPES = [
    ("percent", r"百分之|百分比|百分点|比例|占比|比重|增速|增幅|增长率|涨幅|降幅|几成|%|增长多少|增长了多少|下降多少|提高多少"),
    ("date", r"何时|什么时候|哪一?天|哪一?年|几月|哪个月|几号|日期|什么时间|哪日|何日|召开时间|举行时间|哪年"),
    ("org", r"由谁主持|谁主持|主持.{0,4}(是谁|由谁)|哪个(部门|机构|单位|组织|委员会|会议|机关)|什么(部门|机构|单位|组织|机关)|哪一(部门|机构|单位)|哪家"),
    ("person", r"谁|哪位|哪几位|哪些人|何人|什么人|姓名|叫什么名字|名字是"),
    ("number", r"多少|几[个家名人项次条所座位届万亿千百十种批处年天]|多大|若干|数量|数目|多长|多高|多远|多重|几"),
    ("place", r"哪里|何地|何处|哪儿|在哪|什么地方|哪个(城市|县|区|市|省|地方|乡镇|国家)|哪座|哪些地方|哪些城市|何方|地点"),
    ("phrase", r"什么(活动|行动|工程|口号|战略|品牌|名称|称号|理念|方针|目标|定位|经验|模式|计划|平台|机制|文章|主题|思想|精神|格局|要求|路径|方向|任务|体系|称呼)|叫什么|称为|名为|称作|哪(项|个|一)(活动|行动|工程|战略|品牌|称号|定位|理念|经验|口号|专项行动)|哪些(行动|活动)|提出了?什么|是什么"),
    ("explain", r"为什么|为何|如何|怎样|怎么|什么意义|何种|哪些方面|哪些措施|措施|举措|做法|原因|目的|意义"),
]
_EN_TYPES = [
    ("percent", r"\bpercent|\bpercentage|\bby how much|\bgrowth rate|\bgrowth (?:target|goal)\b|\brate\b|\bshare\b|\bproportion|\bgrow by|\bincrease by"),
    ("date", r"^when\b|\bwhen (did|was|is|will|were)\b|\bwhat (date|day|month|year)\b|\bwhich (date|day|month|year)\b|\bon what date"),
    ("org", r"\bwhich (?:\w+ ){0,2}(organi[sz]ations?|bod(?:y|ies)|departments?|committees?|agenc(?:y|ies)|institutions?|organs?|groups?|compan(?:y|ies)|firms?|enterprises?)(?:'s)?\b|\bwhat (organi[sz]ations?|bod(?:y|ies)|committees?|departments?)\b|\bwho (chaired|presided|hosted)|\bpresided over by\b|\bchaired by\b"),
    ("person", r"^who\b|\bwho\b|\bwhom\b|\bwhose\b|\bwhich (?:\w+ ){0,2}(officials?|persons?|people|leaders?|secretar(?:y|ies)|mayors?|reporters?|deput(?:y|ies)|athletes?|players?|champions?|winners?|authors?|scientists?|entrepreneurs?|heroe?s?|chairm[ae]n|governors?|ministers?|directors?)\b|\bnames? of the (?:\w+ ){0,2}(secretar(?:y|ies)|mayors?|leaders?|reporters?|officials?|persons?)"),
    ("number", r"\bhow many\b|\bhow much\b|\bnumber of\b|\bhow (large|big|long|far|high)\b|\bwhat (was|is|were) the (total|amount|number|count)\b|\bamount of\b"
               r"|\bwhat (was|is|were|are|will be) (?:\S+ ){0,4}?(gdp|gross (?:domestic|regional) product|output|revenue|"
               r"income|investment|population|value|volume|turnover|spending|expenditure|size)\b"
               r"|\bwhat (did|does|do|will) (?:\S+ ){0,4}?(gdp|gross (?:domestic|regional) product|output|revenue|income)"
               r"(?: \w+)? (reach|total|amount to|stand at|hit|come to|rise to|grow to)\b"),
    ("place", r"^where\b|\bwhere (did|was|is|were|will)\b|\bwhich (?:\w+ ){0,2}(cit(?:y|ies)|count(?:y|ies)|districts?|provinces?|places?|towns?|regions?|countr(?:y|ies)|villages?)\b|\bin what (cit(?:y|ies)|places?|count(?:y|ies))\b"),
    ("phrase", r"\bwhat is the name\b|\bcalled\b|\bnamed\b|\bwhat (campaign|initiative|programme|program|slogan|action|project|brand|strategy|title|goal|positioning|experience|plan|concept|theme|phrase|nickname)\b|\bwhich (campaign|initiative|programme|program|slogan|action|brand|strategy|title|concept)\b|\bwhat is the\b|\bwhat are the\b|\bwhat\b"),
    ("explain", r"^why\b|\bwhy\b|^how (does|do|did|should|will|can|is|are|to)\b|\bwhat (measures|steps|requirements)\b|\bin what way|\bpurpose\b|\bhow\b"),
]
_ZH_TARGET = r"目标|计划|预期|力争|确保|打算|拟|将要|预计|规划|部署|任务|明年|今年要|要达到|要实现|争取|安排"
_ZH_ACHIEVED = r"完成了|实现了|达到了|取得了?|已经|回顾|成绩|成效|建成了|累计|去年|过去|实际"
_EN_TARGET = r"\btarget|\bplan|\bgoal|\baim|\bexpect|\bprojected|\bwill\b|\bintend|\bset to\b|\bseek|\bpledge|\baspire|\bforecast"
_EN_ACHIEVED = r"\bachiev|\bdid\b|\bcompleted\b|\baccomplished|\blast year|\bin the past|\breached\b|\bactually|\bmanaged to|\bhad\b"

_COUNT_WORDS = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
                "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_ZH_COUNT = re.compile(r"哪([两二三四五六七八九十]|[2-9])\s*(?:个|项|件|种|大|方面|部分|类|条|点|张|位|座|名|句|字)")
_EN_COUNT = re.compile(r"\b(?:(?:which|what)\s+|(?:list|name)\s+(?:the\s+|all\s+)?)(?:\w+\s+)?"
                       r"(two|three|four|five|six|seven|eight|nine|ten)\b(?![-\s]year)")
"""A question that asks for a set number of things: 哪三件事, 哪五种方法, 'which two indicators',
'what three things', 'list the ten …' (not 'which five-year plan')."""

YEAR = r"(?<!\d)((?:19|20)\d{2})"
"""A year of this or the last century, not inside a longer number (the year is group 1)."""
_YEAR = re.compile(YEAR + r"(?![\d.])(?!\s*(?:多|余)?[万亿千百]?[个只家项名人所批条张套户座台辆间处元吨亩])")
"""A year as a question names one: '2000张养老床位' counts beds, it names no year."""
_ZH_QUESTION_WORDS = re.compile(
    r"多少|几|什么|哪些|哪个|哪位|哪里|哪一|哪|谁|何时|何地|何处|何种|如何|怎样|怎么|为什么|为何|是否|"
    r"吗|呢|请问|根据|报告中?|文中|的|[?？!！,，。、:：;；]")
_ZH_STOP_BIGRAMS = {"什么", "多少", "哪些", "哪个", "请问", "根据", "报告", "文中"}


@dataclass(frozen=True)
class Question:
    """What `analyse_question` learned about one question."""

    text: str
    normalised: str
    language: str
    answer_type: str
    years: tuple[str, ...]
    intent: str | None
    content: str
    latin_names: tuple[str, ...]
    items: int = 0
    """How many things the question asks for (哪三件事 → 3), 0 when it names no number."""


def detect_language(text: str) -> str:
    """'en' when the question has no Chinese, else 'zh-Hant' or 'zh-Hans' by its characters."""
    han = sum(1 for c in text if "\u3400" <= c <= "\u9fff")
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    if han == 0 or latin > 3 * han:
        return "en"
    return "zh-Hant" if to_simplified(text) != text else "zh-Hans"


def analyse_question(text: str) -> Question:
    """Answer type, years, target/achievement intent and content of a question."""
    language = detect_language(text)
    norm = normalise_for_matching(text)
    english = language == "en"
    answer_type = classify_answer_type(norm, english)
    return Question(
        text=text, normalised=norm, language=language, answer_type=answer_type,
        years=tuple(dict.fromkeys(_YEAR.findall(norm))),
        intent=detect_intent(norm, english),
        content=_ZH_QUESTION_WORDS.sub(" ", norm) if not english else norm,
        latin_names=latin_names(text) if english else (),
        items=asked_items(norm, english),
    )


def asked_items(norm: str, english: bool) -> int:
    """The number of things a question asks for ('哪三件事', 'which two indicators'), or 0."""
    found = (_EN_COUNT if english else _ZH_COUNT).search(norm)
    if not found:
        return 0
    return count_word(found.group(1))


def count_word(word: str) -> int:
    """A count as a question writes it: '3', '三', '两', 'three' → 3."""
    return int(word) if word.isdigit() else _COUNT_WORDS[word]


def classify_answer_type(norm: str, english: bool) -> str:
    """The first answer type whose interrogative pattern occurs in the question."""
    for answer_type, pattern in (_EN_TYPES if english else _ZH_TYPES):
        if re.search(pattern, norm):
            return answer_type
    if english and re.search(r"\bwhich\b", norm):
        return "phrase"  # 'which five-year plan period', 'which newspaper': a name, not a how
    return "explain" if english else "phrase"


def detect_intent(norm: str, english: bool) -> str | None:
    """'target' for plans and goals, 'achievement' for results, None when the question is neutral."""
    target, achieved = (_EN_TARGET, _EN_ACHIEVED) if english else (_ZH_TARGET, _ZH_ACHIEVED)
    if re.search(target, norm):
        return "target"
    if re.search(achieved, norm):
        return "achievement"
    return None


def content_bigrams(question: Question) -> set[str]:
    """Chinese character bigrams (and Latin words) of the question minus its question words."""
    return {t for t in bigram_tokens(question.content) if t not in _ZH_STOP_BIGRAMS}
