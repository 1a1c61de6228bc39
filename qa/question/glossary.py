"""English terms of Chinese government reports, with the Chinese words reports use.

An English question shares no characters with a Chinese report, so BM25 and the clause
overlap see nothing but names. This glossary gives them the report's own vocabulary
(party secretary → 书记, key projects → 重点项目). It is domain vocabulary, written from
the genre (work reports, plenum resolutions), not from any question: each entry is a
term such documents routinely use. Longer phrases are matched first, word by word on
Snowball stems, so inflected forms meet their entry ('deputy party secretaries' →
'party secretary', 'attending' → 'attended').
"""

from __future__ import annotations

import functools
import re
import threading

GLOSSARY: dict[str, str] = {
    # offices and bodies
    "party secretary": "书记", "secretary": "书记", "deputy secretary": "副书记",
    "deputy": "副", "vice": "副",
    "mayor": "市长", "deputy mayor": "副市长", "governor": "省长",
    "standing committee": "常委会", "party committee": "市委", "municipal committee": "市委",
    "committee members": "委员", "members": "委员", "alternate members": "候补委员",
    "alternate": "候补", "commission for discipline inspection": "纪委", "discipline": "纪委",
    "supervisory": "监委", "people's congress": "人大", "congress": "代表大会",
    "cppcc": "政协", "government": "政府", "inspection team": "督导组", "team leader": "组长",
    "reporter": "记者", "correspondent": "通讯员", "source": "来源", "newspaper": "日报",
    # meetings and documents
    "plenary session": "全会", "plenum": "全会", "plenary": "全体会议", "session": "会议",
    "meeting": "会议", "work report": "工作报告", "government work report": "政府工作报告",
    "resolution": "决议", "decision": "决定", "proposal": "建议", "five-year plan": "五年规划",
    "14th five-year plan": "十四五", "15th five-year plan": "十五五", "speech": "讲话",
    "chaired": "主持", "presided": "主持", "attended": "出席", "delivered": "作",
    # economy
    "gdp": "生产总值", "gross domestic product": "生产总值", "economic output": "生产总值",
    "growth": "增长", "grow": "增长", "increase": "增长", "industrial added value": "工业增加值",
    "added value": "增加值", "output": "产值", "investment": "投资", "fixed-asset": "固定资产",
    "key projects": "重点项目", "projects": "项目", "project": "项目", "started": "开工",
    "start": "开工", "construction": "建设", "completed": "建成", "enterprises": "企业",
    "companies": "企业", "firms": "企业", "high-tech": "高新技术", "industrial park": "园区",
    "industry": "产业", "industrial chain": "产业链", "cluster": "集群", "manufacturing": "制造业",
    "digital": "数字", "technology": "科技", "innovation": "创新", "research": "研发",
    "tax": "税", "fiscal": "财政", "revenue": "收入", "income": "收入", "trade": "贸易",
    "exports": "出口", "foreign trade": "外贸", "consumption": "消费", "retail": "零售",
    "tourism": "旅游", "tourists": "游客", "agriculture": "农业", "grain": "粮食",
    "farmland": "耕地", "forest": "森林", "afforestation": "植树造林", "ecology": "生态",
    "environment": "环境", "energy": "能源", "port": "港", "airport": "机场", "railway": "铁路",
    "highway": "高速", "tunnel": "隧道", "bridge": "大桥", "metro": "轨道",
    # society
    "jobs": "就业", "employment": "就业", "urban": "城镇", "rural": "农村", "villages": "乡村",
    "residents": "居民", "housing": "住房", "rental housing": "租赁住房", "schools": "学校",
    "education": "教育", "hospital": "医院", "medical": "医疗", "health": "健康",
    "elderly": "养老", "pension": "养老", "culture": "文化", "heritage": "遗产",
    "world heritage": "世界遗产", "overseas chinese": "华侨", "taiwan": "台湾",
    "common prosperity": "共同富裕", "modernization": "现代化", "reform": "改革",
    "opening up": "开放", "safety": "安全", "people's livelihood": "民生", "livelihood": "民生",
    "poverty": "贫困", "gap": "差距", "income gap": "收入差距",
    # targets and time
    "target": "目标", "goal": "目标", "plan": "计划", "task": "任务", "campaign": "行动",
    "initiative": "行动", "slogan": "口号", "brand": "品牌", "strategy": "战略",
    "experience": "经验", "year": "年", "new century": "新世纪", "second half": "下半年",
    "per capita": "人均", "billion yuan": "亿元", "yuan": "元", "percent": "%",
}
"""English term (lower case) → the Chinese word reports use for it."""


_LOCAL = threading.local()


def stemmer():
    """This thread's Snowball stemmer: one keeps its word in fields while stemming, so a
    stemmer shared by the server's threads mixes their words up (IndexError, wrong stems)."""
    if not hasattr(_LOCAL, "stemmer"):
        import snowballstemmer

        _LOCAL.stemmer = snowballstemmer.stemmer("english")
    return _LOCAL.stemmer


def english_words(english: str) -> list[str]:
    """The lower-case words of an English text, possessive 's dropped ("people's" → 'people')."""
    return re.findall(r"[a-z0-9]+", english.lower().replace("'s", ""))


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of one lower-case word."""
    return stemmer().stemWord(word)


def stems(english: str, leave_out: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Snowball stems of the words of an English text, less those in `leave_out`
    ("people's" → 'peopl')."""
    return tuple(stem(w) for w in english_words(english) if w not in leave_out)


@functools.lru_cache(maxsize=1)
def _stemmed_glossary() -> tuple[dict[tuple[str, ...], str], int]:
    """The glossary keyed by the stems of its terms, and the most stems a term has."""
    table = {stems(term): chinese for term, chinese in GLOSSARY.items()}
    return table, max(map(len, table))


def glossary_terms(english_question: str) -> list[str]:
    """The Chinese words of the glossary entries in an English question, longest match first."""
    return list(_glossary_match(english_question.lower())[0])


def unmatched_words(english_question: str) -> list[str]:
    """The words of an English question that no glossary entry matched, in order."""
    return list(_glossary_match(english_question.lower())[1])


@functools.lru_cache(maxsize=256)
def _glossary_match(english_question: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(glossary words, unmatched words); cached, as a question asks for both."""
    raw = english_words(english_question)
    (table, longest), words = _stemmed_glossary(), tuple(stemmer().stemWords(raw))
    out, left, i = [], [], 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            if words[i:i + n] in table:
                out.append(table[words[i:i + n]])
                i += n
                break
        else:
            left.append(raw[i])
            i += 1
    return tuple(out), tuple(left)


_ORDINAL_WORDS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                  "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth"]
_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b|\b(" + "|".join(_ORDINAL_WORDS) + r")\b")
_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1..99 in Chinese numerals as reports write meeting ordinals (十三届, 九次)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def chinese_terms(english_question: str) -> tuple[str, ...]:
    """Chinese words for the glossary terms and ordinals ('13th' → 十三) in an English question."""
    text = english_question.lower()
    terms = glossary_terms(text)
    for digits, word in _ORDINAL.findall(text):
        n = int(digits) if digits else _ORDINAL_WORDS.index(word) + 1
        if 0 < n < 100:
            terms.append(chinese_numeral(n))
    return tuple(dict.fromkeys(terms))
