"""What a question takes for granted: the office it asks about, the kind of unit its
answer is counted in, the people it counts and the meeting it names. `answer.checks` holds each candidate span to them, and a broken
premise becomes the reason shown with "not found".

The word lists are this genre's general vocabulary (offices of a Party committee and a
government; what work reports count and in which units), not any one report's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..textnorm import jieba_tokens
from .followups import Meeting, read_slots
from .questions import Question

ROLES = {
    "deputy secretary": ("副书记",), "secretary": ("书记",), "deputy mayor": ("副市长",), "mayor": ("市长",),
    "county head": ("县长",), "district head": ("区长",), "governor": ("省长",), "director": ("主任",),
    "chair": ("主席",), "minister": ("部长",), "bureau head": ("局长",), "group leader": ("组长",),
    "deputy county head": ("副县长",), "deputy district head": ("副区长",), "deputy governor": ("副省长",),
    "deputy director": ("副主任",), "deputy chair": ("副主席",), "deputy minister": ("副部长",),
    "deputy bureau head": ("副局长",), "deputy group leader": ("副组长",),
}
"""Offices a 'who' question may ask for, as the reports write them."""

_ZH_ROLE = re.compile(r"(?:市委|县委|区委|省委|纪委|政协|人大常委会|人大|政府|督导组)?("
                      + "|".join(sorted((word for words in ROLES.values() for word in words), key=len, reverse=True)) + ")")
_EN_ROLES = [("deputy secretary", r"\bdeputy (?:party )?secretary\b"), ("secretary", r"\bsecretary\b"),
             ("deputy mayor", r"\bdeputy mayor\b|\bvice[- ]mayor\b"), ("mayor", r"\bmayor\b"),
             ("county head", r"\bcounty (?:head|magistrate|chief)\b"), ("district head", r"\bdistrict (?:head|chief)\b"),
             ("governor", r"\bgovernor\b"), ("director", r"\bdirector\b"), ("chair", r"\bchair(?:man|woman|person)?\b"),
             ("minister", r"\bminister\b"), ("deputy group leader", r"\bdeputy (?:group|team) leader\b"),
             ("group leader", r"\b(?:group|team) leader\b")]
ROLE_IN_TEXT = re.compile(r"副书记|书记|常务副市长|副市长|市长|副县长|县长|副区长|区长|副省长|省长|副主任|主任|"
                          r"副主席|主席|副部长|部长|副局长|局长|副组长|组长|记者|通讯员|编辑|作者")
"""Offices as they stand before a name in a report ('市委书记张毅恭', '市长吴晓东'), and the
bylines of the paper that printed it ('记者:杨世朋': a reporter is no office holder)."""
TEXT_ROLE = {"副书记": "deputy secretary", "书记": "secretary", "常务副市长": "deputy mayor",
              "副市长": "deputy mayor", "市长": "mayor", "县长": "county head", "区长": "district head",
              "省长": "governor", "主任": "director", "副县长": "deputy county head",
             "副区长": "deputy district head", "副省长": "deputy governor", "副主任": "deputy director",
             "主席": "chair", "副主席": "deputy chair", "部长": "minister", "副部长": "deputy minister",
             "局长": "bureau head", "副局长": "deputy bureau head", "组长": "group leader", "副组长": "deputy group leader",
             "记者": "reporter", "通讯员": "reporter", "编辑": "editor", "作者": "author"}

UNITS = {
    "people": "人|万人|名|位|人次|万人次",
    "money": "元|万元|亿元|万亿元|美元|亿美元|万美元",
    "percent": "%|％|个百分点|百分点",
    "area": "亩|万亩|平方公里|平方米|万平方米|公顷",
    "weight": "吨|万吨|千克|公斤",
    "count": "个|家|项|所|座|条|件|批|处|台|种|只|张|套|户|辆|栋|幢|家次",
    "ratio": "倍",
}
"""Unit classes, each the units a figure of that class is written in."""
_UNIT_WORDS = "|".join(sorted({u for units in UNITS.values() for u in units.split("|")}, key=len, reverse=True))
"""Every unit of `UNITS`, longest first ('个百分点' before '个')."""

_ZH_MEASURES = [
    ("ratio", r"几倍|多少倍|倍差|差距倍数"),
    ("people", r"人口|人数|党员|就业|职工|学生|人才|游客|旅客|代表(?!大会)|委员(?!会)|常委(?!会)|干部|多少人|几人|多少名|"
               r"几名|多少位|几位"),
    ("money", r"收入|生产总值|gdp|产值|投资|营收|税收|财政|消费品零售|零售额|金额|资金|总额|多少元|多少钱|多少亿|多少万元"),
    ("area", r"面积|耕地|多少亩|几亩|平方公里"),
    ("weight", r"产量|多少吨|几吨"),
    ("count", rf"(?:多少|(?<!哪)几)(?:{UNITS['count']})"),
]
_EN_MEASURES = [
    ("ratio", r"\bhow many times\b|\bwhat multiple\b"),
    ("people", r"\bpopulation\b|\bhow many (?:\w+ )?(?:people|persons|members|residents|workers|jobs|students|"
               r"deputies|delegates|officials|tourists|visitors|tourist visits)\b|\bparty members\b|\bemployment\b"),
    ("money", r"\bincome\b|\bgdp\b|\bgross (?:domestic|regional) product\b|\boutput value\b|\binvestment\b|"
              r"\brevenue\b|\byuan\b|\bspending\b|\bexpenditure\b|\bretail sales\b"),
    ("area", r"\barea\b|\bmu\b|\bhectares?\b|\bsquare (?:kilo)?met(?:re|er)s?\b"),
    ("weight", r"\btons?\b|\btonnes?\b|\boutput of grain\b"),
]
_UNIT_ASKED = re.compile(f"(?:多少|(?<!哪)几)((?:万|亿)?(?:{_UNIT_WORDS}))")
"""A unit the question writes after 多少 ('多少家次', '多少万元')."""
_SHARE = re.compile(r"比重|占比|比例|百分之几|几成|\bshare\b|\bproportion\b|\bpercentage of\b")
_GROWTH = re.compile(r"增长|增速|增幅|提高|下降|比上年|同比|growth|grow|increase|rise|fall|rate")


@dataclass(frozen=True)
class Premises:
    """What one question takes for granted (None where it takes nothing)."""

    role: str | None
    """The office asked about ('mayor', 'deputy secretary'), for a 'who' question."""
    role_words: str | None
    """That office as the question writes it (市长, 政协主席, 'mayor')."""
    units: frozenset[str]
    """The unit classes an answer may be counted in (人口 wants people); empty when any will do."""
    people: frozenset[str] = frozenset()
    """The kinds of people a 'how many' question counts, as the reports write them
    (党员; 候补委员 and 出席), or empty (`COUNTED_PEOPLE`)."""
    meeting: Meeting | None = None
    """The meeting the question names with its session (十三届八次全会), or None."""
    amounts: frozenset[str] = frozenset()
    """The amounts of money a 'how much' question asks for, as the reports write them
    (生产总值 for GDP, 人均生产总值 for GDP per head; `AMOUNTS`), or empty."""
    part: tuple[str, ...] = ()
    """For a count of one group inside another ('新增城镇就业中,高校毕业生有多少'): the group
    as asked, then the words that tell it apart (高校毕业生, 高校, 毕业生; in English the
    Chinese words for the group's last word: 'college graduates', 毕业生, 毕业…); empty
    otherwise."""
    body: str | None = None
    """The body whose office a 'who' question asks for, when it names one: a Party committee
    ('市委', '区委', or 'party' when the level is not named), 'discipline' (纪委), 'cppcc'
    (政协), 'congress' (人大), 'government' (政府)."""
    thing: tuple[str, ...] = ()
    """For 'how many X' ('新增多少个公办幼儿园学位'): the thing counted (学位), then the words
    that say which kind (公办, 幼儿园); empty when the question names no kind."""
    share_of: str | None = None
    """For a share asked ('占全省的比重'), the whole it is a share of (全省), or None."""


def read_premises(question: Question) -> Premises:
    """The office a 'who' question asks for and whose it is; the units, people and amounts
    a 'how many' answer may be counted in; the meeting named."""
    english = question.language == "en"
    text = question.normalised
    role = role_words = body = None
    if question.answer_type == "person":
        if english:
            found = next(((name, m) for name, pattern in _EN_ROLES if (m := re.search(pattern, text))), None)
            if found:
                role, role_words = found[0], found[1].group(0)
            body = next((name for name, pattern in _EN_BODIES if re.search(pattern, text)), None)
            if body == "party" and (level := _EN_LEVEL.search(text)):
                body = _EN_LEVELS[level.group(1)]  # 'the provincial Party secretary': 省委's, not 市委's
            if body and (role is None and (heads := _EN_HEADS.search(text)) and not _EN_GROUP.search(text)
                         or role == "chair"):  # a people's congress is chaired by its 主任
                role, role_words = HEAD_OF[body], role_words or heads.group(0)
        elif found := _ZH_ROLE.search(text):
            role_words = found.group(0)
            role = next(name for name, words in ROLES.items() if found.group(1) in words)
            written = body_of_office(text[:found.start(1)])  # read as a report's: '市纪委书记', '莲都区委书记'
            body = written[0] if written else None
    units = frozenset()
    if question.answer_type in ("number", "percent"):
        measures = _EN_MEASURES if english else _ZH_MEASURES
        named_unit = None if english else _UNIT_ASKED.search(text)  # '多少家次企业': the unit it names rules
        units = {unit_class(named_unit.group(1), "")} if named_unit else \
            next(({unit} for unit, pattern in measures if re.search(pattern, text)), set())
        if question.answer_type == "percent" and _SHARE.search(text):
            units = {"percent"}  # '占全省的比重': a share of GDP is no amount of money
        elif units and (question.answer_type == "percent" or _GROWTH.search(text) and not named_unit):
            units |= {"percent"}  # 'how much did income grow': a rate or an amount
        elif question.answer_type == "percent":
            units = {"percent"}
        units = frozenset(units)
    people = frozenset()
    if question.answer_type == "number":
        people = frozenset(people_counted(text) if not english else
                           {chinese for pattern, chinese in _EN_PEOPLE if re.search(pattern, text)})
    amounts = frozenset()
    if question.answer_type in ("number", "percent"):
        amounts = frozenset(amounts_named(text) if not english else
                            {chinese for pattern, chinese in _EN_AMOUNTS if re.search(pattern, text)})
        if amounts and english and _PER_HEAD.search(text):
            amounts = frozenset(f"人均{amount}" for amount in amounts)
    meeting = read_slots(question.text, question, lambda latin: None)[1]
    return Premises(role, role_words, units, people,
                    meeting if meeting is not None and meeting.session else None, amounts,
                    (english_part_of_count(text) if english else part_of_count(text))
                    if question.answer_type == "number" else (), body,
                    thing_counted(text) if question.answer_type == "number" and not english else (),
                    share.group(1) if question.answer_type == "percent" and (share := SHARE_OF.search(text)) else None)


SHARE_OF = re.compile(r"占(全国|全省|全市|全县|全区|全球|全世界)")
"""The whole a share is of ('占全省的比重'), in a question or a report."""
_HOW_MANY_OF = re.compile(r"多少(?:个|家|项|所|座|条|件|批|处|台|种|张|套|户)"
                          r"(?P<thing>[\u4e00-\u9fff]{2,14})")
_NOT_A_KIND = {"全市", "全省", "全国", "新增", "累计", "共计", "总共", "一共", "目前", "已经", "全年", "今年", "去年", "计划"}


_KIND_TAGS = ("n", "nr", "nz", "j", "b", "vn", "an")


def thing_counted(norm: str) -> tuple[str, ...]:
    """The thing a 'how many' question counts and the words that tell its kind apart, the
    one right before it first ('多少个公办幼儿园学位' → 学位, 幼儿园, 公办), or () when it
    names no kind."""
    from ..segmenter import posseg

    found = _HOW_MANY_OF.search(norm)
    if not found:
        return ()
    words = [(w.word, w.flag) for w in posseg().cut(found["thing"])]
    if len(words) < 2 or not words[-1][1].startswith("n"):
        return ()
    kinds = [w for w, flag in reversed(words[:-1]) if len(w) >= 2 and flag in _KIND_TAGS and w not in _NOT_A_KIND]
    return (words[-1][0], *kinds) if kinds and kinds[0] == words[-2][0] else ()


_EN_BODIES = [("discipline", r"\bdiscipline\b"), ("cppcc", r"\bcppcc\b|\bpolitical consultative\b"),
              ("congress", r"\bpeople'?s congress\b"), ("government", r"\bgovernment\b|\bmayor\b|\bgovernor\b"),
              ("party", r"\bparty (?:committee|secretary|chief)\b")]
_EN_LEVEL = re.compile(r"\b(provincial|municipal|city|county|district)\b")
_EN_LEVELS = {"provincial": "省委", "municipal": "市委", "city": "市委", "county": "县委", "district": "区委"}
_EN_GROUP = re.compile(r"\b(?:group|team|task force)\b")
"""'who heads the … supervision group': a group's leader, not its Party committee's secretary."""
_EN_HEADS = re.compile(r"\bheads?\b|\bleads?\b|\bchairs\b|\bin charge of\b")
HEAD_OF = {"discipline": "secretary", "party": "secretary", "cppcc": "chair", "congress": "director",
           "government": "mayor", "省委": "secretary", "市委": "secretary", "县委": "secretary", "区委": "secretary"}
"""The office of a body's head, for 'who heads …' ('the discipline commission': its secretary)."""
BODY_BEFORE_OFFICE = [("discipline", r"纪委|纪检|监委"), ("cppcc", r"政协"), ("congress", r"人大(?:常委会)?"),
                      ("government", r"政府"), ("party", r"[市县区省党]委")]
"""The body an office belongs to, as written just before it ('市纪委书记'); a Party committee
is named by its level ('区委')."""


def body_of_office(before: str) -> tuple[str, int] | None:
    """The body an office belongs to, as written just before it in a report or a question
    ('市纪委' → 'discipline', '区委' → '区委'), and where it starts in `before`; None when
    none is written."""
    for name, pattern in BODY_BEFORE_OFFICE:
        if found := re.search(f"(?:{pattern})$", before):
            return (found.group(0) if name == "party" else name), found.start()
    return None


def same_body(asked: str, found: str) -> bool:
    """Whether an office of the body `found` is one of the body `asked` ('区委' is no '市委';
    'party', a Party committee of no named level, is either)."""
    party = ("party", "市委", "县委", "区委", "省委", "党委")
    if asked in party and found in party:
        return "party" in (asked, found) or asked == found
    return asked == found

_PART_OF = re.compile(r"(?P<whole>[^，,。？?]{2,}?)(?:中[，,的]|(?:里|当中|之中)[，,]?|[，,]\s*其中)\s*"
                      r"(?P<part>[^，,。？?]{2,}?)(?:有|是|为|占|达)?(?:多少|几)")
_PART_AFTER = re.compile(r"(?P<whole>[^，,。？?]{2,}?)(?:中|里|当中|之中)[，,]?\s*有(?:多少|几)(?:位|个|名|人|家|项|所)?是?"
                         r"(?P<part>[\u4e00-\u9fff]{2,8})[？?]?$")
"""The group named after its count ('市委委员里有几位女性')."""
_COUNTED_WHOLE = re.compile(r"[0-9一二三四五六七八九十百千万]+(?:\.[0-9]+)?[多余]?万?[个只家项名人所批条张套户座台辆间处]|新增|全部|所有|总数|"
                            r"(?:委员|党员|代表|干部|职工|人员|员工|学生|毕业生)$")
_NOT_A_GROUP = re.compile(r"(?:报告|决定|讲话|会议|全会|文|文章|公报|工作|规划|意见|其)$")
_GENERIC_PART = {"人数", "数量", "规模", "多少", "总数", "比例", "情况", "其中", "分别", "个数", "金额", "总额", "数目", "人次"}


def part_of_count(norm: str) -> tuple[str, ...]:
    """A group counted inside a larger one and the words that tell it apart ('2023年新增城镇
    就业中,高校毕业生人数是多少' → 高校毕业生, 高校, 毕业生; '…超2200个,其中500强企业项目有
    多少个'; '市委委员里有几位女性'), or () when the question counts no such group."""
    found = _PART_OF.search(norm) or _PART_AFTER.search(norm)
    if not found or not _COUNTED_WHOLE.search(found["whole"]) or _NOT_A_GROUP.search(found["whole"]):
        return ()
    whole = found["whole"]
    words = [w for w in jieba_tokens(found["part"]) if len(w) >= 2 and w not in whole and w not in _GENERIC_PART]
    return (_GENERIC_TAIL.sub("", found["part"]), *dict.fromkeys(words)) if words else ()


_EN_PART_OF = re.compile(r"^(?:of|among) (?:the|its|all) (?P<whole>[^,?]+), how many (?:\w+ )?(?:went to|were|are|was|is|"
                         r"came from|belong(?:ed)? to) (?P<part>[a-z][a-z -]+?)\s*\?*$")


def english_part_of_count(norm: str) -> tuple[str, ...]:
    """For 'Of the new urban jobs…, how many went to college graduates?': the group as asked
    (college graduates), then the Chinese words CC-CEDICT gives for its last word (毕业生,
    毕业…); () when the question counts no such group or the dictionary knows no word."""
    from .dictionary import english_to_chinese, stems, _key

    found = _EN_PART_OF.search(norm)
    if not found:
        return ()
    part, whole = stems(found["part"]), set(stems(found["whole"]))
    words = [w for w in part if w not in whole] or part[-1:]
    chinese = [w for word in words for w in english_to_chinese().get(_key([word]), ()) if len(w) >= 2]
    return (found["part"], *chinese) if chinese else ()


_GENERIC_TAIL = re.compile(r"的?(?:人数|数量|规模|总数|个数|金额|总额|数目|比例|人次)$")


AMOUNTS = re.compile(r"生产总值|gdp|增加值|财政总收入|财政收入|一般公共预算收入|收入|投资|产值|营业收入|营收|税收|零售额|支出|存款|贷款|外资|出口|进口")
"""Amounts of money work reports give, told apart: a resident's income is no GDP."""
_EN_AMOUNTS = [(r"\bgdp\b|\bgross (?:domestic|regional) product\b", "生产总值"), (r"\bincome\b", "收入"),
               (r"\bfiscal revenue\b|\bbudget(?:ary)? revenue\b", "财政收入"),
               (r"\binvestment\b", "投资"), (r"\boutput value\b", "产值"), (r"\bvalue added\b", "增加值"),
               (r"\bretail sales\b", "零售额"), (r"\bexports?\b", "出口"), (r"\bimports?\b", "进口")]
_GDP = re.compile(r"gdp", re.IGNORECASE)
_PER_HEAD = re.compile(r"人均|\bper[ -]capita\b|\bper (?:head|person|resident)\b")


def amounts_named(norm: str) -> set[str]:
    """The amounts (`AMOUNTS`) a normalised text names, GDP read as 生产总值, and per head
    where 人均 stands before them (人均收入; 人均可支配收入 is read as 人均收入)."""
    text = _GDP.sub("生产总值", norm.lower())
    return {("人均" if re.search(r"人均[\u4e00-\u9fff]{0,4}$", text[:m.start()]) else "") + _FISCAL.get(m.group(0), m.group(0))
            for m in AMOUNTS.finditer(text)}


_FISCAL = {"财政总收入": "财政收入", "一般公共预算收入": "财政收入"}
"""A government's revenue, however a report writes it, is one amount."""


COUNTED_PEOPLE = re.compile(r"候补委员|委员(?!会)|常委(?!会)|党员|代表(?!大会)|列席|出席|干部|职工|学生|教师|院士")
"""Kinds of people work reports count, told apart: a count of committee members is no count
of Party members, and those present (出席) are not those attending without a vote (列席)."""
_EN_PEOPLE = [(r"\bparty members\b", "党员"), (r"\balternate members\b", "候补委员"),
              (r"\bcommittee members\b|\bmembers of the (?:\w+ )*committee\b", "委员"),
              (r"\bdeputies\b|\bdelegates\b", "代表")]
_OFFICE_PREFIX = re.compile(r"市委|县委|区委|省委")


def people_counted(norm: str) -> set[str]:
    """The kinds of people (`COUNTED_PEOPLE`) a normalised text names: 候补市委委员 is read as
    候补委员, 市委委员 as 委员."""
    return set(COUNTED_PEOPLE.findall(_OFFICE_PREFIX.sub("", norm)))


_UNIT_AFTER = re.compile(rf"\s*({_UNIT_WORDS})")
_ORDINAL = re.compile(r"第[0-9一二三四五六七八九十百]+[届次期批轮]|[0-9一二三四五六七八九十百]+[届期]")
_FIGURE_RUN = re.compile(r"^[0-9０-９.．]+")
"""The rest of a figure the span cuts ('46' + '.7%'), skipped to reach its unit."""
_FIGURE_END = re.compile(r"[0-9０-９.．一二三四五六七八九十百千万亿两]$")


def unit_class(span: str, after: str) -> str | None:
    """The class of the unit a figure is counted in: the span's own last unit (a qualifier
    such as 以上 may follow), or the one right after it when the span ends in a figure
    ('7582' + '元...'), or 'ordinal' ('第十八届'); None when it names none."""
    if _ORDINAL.fullmatch(span.strip()):
        return "ordinal"
    unit = None
    for found in _UNIT_AFTER.finditer(span):
        if span[found.end():].strip(" )）以上下左右余多") == "":
            unit = found.group(1)
    if unit is None and _FIGURE_END.search(span) and (found := _UNIT_AFTER.match(_FIGURE_RUN.sub("", after, 1))):
        unit = found.group(1)
    if unit is None:
        return None
    return next(name for name, units in UNITS.items() if unit in units.split("|"))

