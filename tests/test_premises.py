"""Premise checks: a span that breaks what the question takes for granted (its place, the
office it asks about, the unit of its measure, its year) is no answer, and the broken
premise is the reason shown with "not found", in the question's language. Each check also
has a case where it must not fire."""

import json

import pytest

from qa.answer.checks import clause_around, cumulative_for_new, role_before_span, unit_of_span, year_of_span
from qa.answer.reasons import excerpt
from qa.question.premises import read_premises, unit_class
from qa.question.questions import analyse_question


def premises_of(question: str):
    return read_premises(analyse_question(question))


@pytest.mark.parametrize("question,reason", [
    ("厦门2024年城镇新增就业目标是多少？", "没有报告涉及厦门"),          # a city no report covers
    ("廈門2024年城鎮新增就業目標是多少？", "沒有報告涉及廈門"),
    ("Who is the Party secretary of Jinjiang?", "No report is about Jinjiang"),  # named only in passing
    ("温州市长是谁？", "报告没有提到温州市长；最接近的是市委书记陈伟俊"),      # the secretary is no mayor
    ("Who is the mayor of Wenzhou?", "The reports name no mayor of Wenzhou; closest: 市委书记陈伟俊"),
    ("Who is Lishui's mayor?", "closest: 记者 麻萌楠"),                  # a reporter's byline is no office
    ("麗水市長叫什麼名字?", "最接近的是市委书记吴舜泽（“市委常委会主持"),  # a name with an office before it
    ("麗水市的常住人口是多少？", "是金額，不是人數"),                       # an income is no population
    ("2025年丽水GDP目标是多少？", "2030年"),                              # a year is no figure
    ("泉州市委十三届八次全会是哪天开的?", "十三届九次全会"),              # another plenum's date
    ("南安市的市委書記是誰?", "沒有關於南安市的報告"),                     # Quanzhou's secretary visiting it
    ("泉州市委十三届九次全会有多少人列席?", "不是列席"),                   # those present are not those attending
    ("泉州市政协主席是哪位?", "报告没有提到泉州市政协主席"),
    # Checks of 0.6.0: whose office, a district's office, places jieba tags otherwise,
    # several years for one, a result for a target and a target for a result, a group inside a
    # count, an English ordinal in words, a quoted title or an event the passage never names.
    ("泉州市纪委书记是谁?", "报告没有提到泉州市纪委书记；最接近的是市委书记张毅恭"),   # the Party's secretary
    ("莲都区委书记是谁?", "最接近的是市委书记吴舜泽"),                                 # the city's, not the district's
    ("Who heads Lishui's discipline commission?", "The reports name no discipline commission secretary"),
    ("金华市委书记是谁?", "没有报告涉及金华"),                     # jieba tags 金华 a proper noun,
    ("厦门市委书记是谁?", "没有报告涉及厦门"),                     # 厦门市委 one organisation
    ("丽水2023年的生产总值是多少?", "说的是25年来的情况，不是2023年的"),
    ("到2035年丽水城乡居民收入倍差要缩小到多少?", "是金额，不是倍数"),   # 倍差 asks a ratio (0.8.0)
    ("2023年泉州新增城镇就业中,女性有多少人?", "报告没有单独统计女性"),
    ("2024年泉州实际完成城镇新增就业多少人?", "是目标，不是实际完成的"),
    ("When was the fifth session of Quanzhou's 17th Municipal People's Congress held?",
     "not the meeting asked"),                                                        # an ordinal in words
    ("《泉州市国土空间总体规划》是哪一年批准的?", "没有提到“泉州市国土空间总体规划”"),
    ("泉州首届海丝国际论坛是哪一天举行的?", "报告没有给出海丝国际论坛的日期"),
    # Checks of 0.7.0: the quoted name given for what it stands for, no date for a date, a
    # report that reaches only earlier years, a named group ('三大差距') for a figure, no
    # name for a person asked in English ('which athlete'), a province written with 省.
    ("“晋江经验”中的“正确处理好五大关系”具体指哪五对关系?", "问题问的是5项内容"),
    ("“1+6+X”功能中的“6”分别指什么?", "只提到“1+6+X”"),
    ("浙江省山区海岛县高质量发展工作会议是在哪一天召开的?", "报告没有给出具体日期"),
    ("2024年泉州全体居民人均可支配收入是多少元?", "报告给出的是2022年的数字（46707元），不是2024年的"),
    ("到2027年丽水城乡居民收入倍差要缩小到多少?", "不是2027年的目标"),
    ("Which Quanzhou athlete won gold at the Hangzhou Asian Games?", "gives no name (第十九届)"),
    ("张毅恭到南安市调研三安半导体项目是在哪一年?", "报告没有给出具体日期"),     # a day, not a year
    ("泉州2022年地区生产总值占全省的比重是多少?", "是金额，不是百分比"),        # a share wants a percentage
    ("泉州2023年技术合同成交额是多少亿元?", "是百分比，不是金额"),            # '46' cut from 46.7%
    ("泉州2024年要新增多少个公办幼儿园学位?", "统计的是中小学学位，不是幼儿园学位"),
    ("What do the 三块地 reforms in Quanzhou refer to?", "names “三块地”"),
    ("泉州建设的2000张养老床位中,护理型床位有多少张?", "报告没有单独统计护理型床位"),  # 2000张 is no year
    ("“1410”指的是什么?", "没有提到“1410”"),                           # a code its passage never names
    ("“一区一廊一会一室”具体指什么?", "报告提到“一区一廊一会一室”，但没有说明它具体指什么"),
    ("“大场景·小切口”特色改革是指什么?", "没有说明它具体指什么；最接近的是“国字号”"),  # another code beside it
    ("Of all the new urban jobs in Quanzhou in 2023, how many went to women?", "no separate count of women"),
    ("丽水全会上,省委学习教育第一督导组组长是谁?", "是第二督导组的"),          # another numbered group
    ("What was Jinjiang's GDP growth target for 2024?", "No report is about Jinjiang"),  # not “晋江经验”
    ("泉州设立的15只政府引导型母基金中,市属国企设立的有几只?", "是金额，不是个数"),
    ("泉州2023年这一年向金门供水多少万吨?", "报告给出的是累计数"),
    ("请问泉州全会说要拓展运用场景的“福林票”是什么?", "报告提到“福林票”，但没有说明它具体指什么"),
    ("What does the '1410' reform campaign in Lishui refer to?", "do not say what it stands for"),
    ("温州部署形成的10项重大标志性成果具体有哪些?", "问题问的是10项内容"),
    ("泉州全会决议提到的中央城市工作会议是哪天召开的?", "报告没有给出中央城市工作会议的日期"),
    # Checks of 0.8.0: the figure the question gives, a group named after its count, another
    # classifier, no figure but a named group, a congress's chair, a code spelled out in English.
    ("泉州2023年新签约的2200多个项目里,有多少个是外资项目?", "报告没有单独统计外资项目；最接近的数字“超2200个”"),
    ("Of the 15 green factories and supply-chain firms Quanzhou added, how many were factories?",
     "only repeats the figure the question gives (15)"),
    ("出席全会的市委委员里有多少位少数民族委员?", "报告没有单独统计少数民族委员"),
    ("2023年泉州改造了多少栋老旧住宅?", "用“张”计数"),                  # 2000张 beds are no buildings
    ("丽水全会审议《决定》时有多少票赞成?", "没有给出数字"),              # '三大差距' is no figure
    ("Who chairs Quanzhou's people's congress standing committee?", "closest: 市委书记张毅恭"),
    ("What exactly are the 'four plus one' requirements Lishui pledges to carry out?",
     "name “four plus one” but do not say what it stands for"),
    ("温州全会上由谁向全会作说明?", "报告没有说是谁做了所问的事；最接近的人名“陈伟俊”"),  # he gave the work report
    ("Who explained the draft proposal to the Wenzhou plenum?", "No passage says who did what is asked"),
    ("Of the 240 key projects Quanzhou started in 2023, how many were industrial projects?",
     "no separate count of industrial projects"),                   # the word the whole lacks: industrial
    ("List the ten landmark achievements Wenzhou wants to form.", "asks for 10 things"),
    ("泉州「黨建+」鄰里中心的「1+6+X」功能具體是什麼?", "沒有說明它具體指什麼"),       # 具体是什么
])
def test_a_broken_premise_is_not_found_and_says_why(assistant, question, reason):
    answer = assistant.ask(question)
    assert answer.abstained and answer.answer is None, answer.answer
    assert reason in answer.reason


@pytest.mark.parametrize("question,expected", [
    ("泉州2024年城镇新增就业目标是多少？", "8.5万人"),       # the place asked is the report's
    ("丽水市委书记是谁？", "吴舜泽"),                          # 书记 asked, 书记 answers
    ("Who is the Party secretary of Wenzhou?", "陈伟俊"),
    ("泉州市委十三届九次全会有多少名市委委员出席?", "34人"),   # people asked, people counted
    ("候补委员有多少名出席泉州市委十三届九次全会?", "8人"),    # 候补市委委员 counts as 候补委员
    ("泉州全体居民人均可支配收入是全国的几倍?", "1.3倍"),       # a multiple, not the income itself
    ("2012年泉州的地区生产总值是多少?", "4814億元"),           # cut before the run into 2022's figure
    ("泉州市委书记是谁?", "張毅恭"),                        # the Party's secretary asked: the body agrees
    ("Who heads the Quanzhou Municipal Party Committee?", "張毅恭"),
    ("丽水城乡居民收入倍差从2.41倍缩小到多少?", "1.87"),    # a result asked, with no target year
    ("2024年泉州城镇新增就业目标是多少?", "8.5万人"),        # no group inside the count
    ("泉州全体居民人均可支配收入达到多少元?", "46707元"),      # no year asked, none checked
    ("温州的远景目标展望到哪一年?", "二〇三五年"),             # a year in numerals is a date
    ("泉州2022年地区生产总值占全国的比重是多少?", "1%"),         # the share of the whole asked
    ("2024年泉州要新增多少个中小学学位?", "2.5万个"),           # the kind asked
    ("张毅恭到南安市调研三安半导体项目是哪一天?", "2月3日"),      # a day asked, a day given
    ("“晋江经验”的主要内容是什么?", "六個始終堅持"),               # '以…为主要内容的“晋江经验”'
    ("What GDP growth target did Quanzhou set for 2024?", "5.8%"),    # a growth target is a percentage
    ("丽水全会上,省委学习教育第二督导组组长是谁?", "钟关华"),       # the group asked
    ("温州要加快打造多少条具有标志意义的现代化产业链?", "十大"),    # '十大' counts things asked
    ("泉州设立了多少只政府引导型母基金?", "15只"),
    ("丽水城乡居民收入倍差缩小到多少?", "1.87"),                  # a ratio asked, not an income
    ("2023年泉州干部上门走访了多少家次企业?", "5.4万家次"),         # the unit the question writes rules
    ("泉州新增了多少张养老床位?", "2000张"),                        # the classifier asked
    ("泉州市委全会出席的市委委员有34人,列席的候补委员有几人?", "8人"),  # another figure than the one given
    ("张毅恭2月3日在南安调研了哪家企业的项目?", "三安"),            # the company, not the secretary
    ("Which company's chip projects did Quanzhou's Party secretary inspect in Nan'an on 3 February?", "三安"),
    ("丽水全会的督导组副组长是谁?", "陈美萍"),                        # 副组长 asked, not the 组长
    ("温州全会上是谁作的工作报告?", "陈伟俊"),                        # the act asked is the one written
    ("丽水全会上谁作了总结讲话?", "吴舜泽"),
])
def test_a_kept_premise_still_answers(assistant, question, expected):
    answer = assistant.ask(question)
    assert not answer.abstained and expected in answer.answer
    assert answer.reason is None


def test_every_abstention_has_a_reason_in_the_questions_language(assistant):
    for question, english in [("月球上的首都是哪里？", False), ("What is the GDP of Xiamen?", True)]:
        answer = assistant.ask(question)
        assert answer.abstained and answer.reason
        assert answer.reason.isascii() == english


@pytest.mark.parametrize("question,role,units", [
    ("温州市长是谁？", "mayor", set()),
    ("泉州市委副书记是谁？", "deputy secretary", set()),
    ("Who is the deputy Party secretary of Lishui?", "deputy secretary", set()),
    ("丽水常住人口有多少？", None, {"people"}),
    ("泉州居民人均可支配收入增长多少？", None, {"money", "percent"}),
    ("What was Quanzhou's GDP in 2022?", None, {"money"}),
    ("泉州开工重点项目多少个？", None, {"count"}),            # things counted
    ("温州市委常委会全面创新了几种思维？", None, {"count"}),    # 常委会 is who counts, not what is counted
    ("温州要创新哪几种思维？", None, set()),                    # 哪几种 asks for a list
])
def test_premises_read_from_the_question(question, role, units):
    premises = premises_of(question)
    assert premises.role == role and premises.units == units


@pytest.mark.parametrize("span,after,unit", [
    ("7582元", "", "money"), ("8.5万", "人,城镇调查失业率", "people"), ("42名", "", "people"),
    ("6.5%", "", "percent"), ("1.2万亿元", "", "money"), ("10家", "", "count"), ("建成", "", None),
    ("20%以上", "", "percent"), ("第十八届", "", "ordinal"), ("1.3倍", "", "ratio"),
])
def test_the_unit_a_figure_is_counted_in(span, after, unit):
    assert unit_class(span, after) == unit


def test_role_checks_read_the_office_before_the_name():
    mayor, deputy = premises_of("温州市长是谁？"), premises_of("泉州市委副书记是谁？")
    assert role_before_span(mayor, "全会由市委常委会主持。市委书记").found == "市委书记"
    assert role_before_span(mayor, "市委副书记、市长") is None           # offices joined by 、 all govern
    assert role_before_span(deputy, "市委书记吴舜泽、市委副书记") is None
    assert role_before_span(deputy, "市委书记") is not None
    assert role_before_span(mayor, "市委书记强调，要") is None            # no office right before the span


def test_office_place_people_and_meeting_checks():
    from qa.answer.checks import meeting_of_span, office_of_another_place, people_of_span

    nanan, wenzhou = premises_of("南安市的市委书记是谁？"), premises_of("温州市委书记是谁？")
    assert office_of_another_place(nanan, ("南安",), "泉州", "泉州市委书记").found == "泉州"
    assert office_of_another_place(nanan, ("南安",), "泉州", "全会由市委常委会主持，市委书记").found == "泉州"
    assert office_of_another_place(nanan, ("南安",), "泉州", "南安市委书记") is None
    assert office_of_another_place(wenzhou, ("温州",), "温州", "市委书记") is None
    assert office_of_another_place(wenzhou, ("温州",), "温州", "省委书记") is None   # not a city's office
    members, alternates = premises_of("出席全会的市委委员有多少人？"), premises_of("有多少名候补委员出席？")
    assert people_of_span(members, "市委委员34人") is None
    assert people_of_span(alternates, "候补市委委员8人") is None
    assert people_of_span(alternates, "市委委员42名").found == "委员"
    eighth = premises_of("泉州市委十三届八次全会是哪天开的?")
    assert meeting_of_span(eighth, "全会今天上午举行", "中共泉州市委十三届九次全会举行").found == "十三届九次全会"
    assert meeting_of_span(eighth, "全会今天上午举行", "市委十三届八次全会举行") is None
    assert meeting_of_span(eighth, "充分肯定市委十三届八次全会以来的工作", "十三届九次全会") is None
    ninth = premises_of("泉州市委十三届九次全会提出，泉州要争当哪方面的先行城市？")
    assert meeting_of_span(ninth, "深入学习贯彻党的二十届二次全会精神", "中共泉州市委十三届九次全会举行") is None


def test_amounts_and_names_are_told_apart():
    from qa.answer.checks import amount_of_span, not_a_name
    from qa.question.premises import amounts_named

    assert amounts_named("全体居民人均可支配收入46707元") == {"人均收入"}
    assert premises_of("What was Quanzhou's GDP in 2017?").amounts == {"生产总值"}
    assert premises_of("What is Lishui's per capita GDP?").amounts == {"人均生产总值"}
    gdp = premises_of("2022年泉州地区生产总值是多少？")
    assert amount_of_span(gdp, "全体居民人均可支配收入46707元").found == "人均收入"
    assert amount_of_span(gdp, "地区生产总值1.2万亿元") is None
    assert amount_of_span(gdp, "增长6.5%") is None                   # the clause names no amount
    who = analyse_question("谁在杭州亚运会上获得金牌？")
    assert not_a_name(who, "第十九届").check == "notname" and not_a_name(who, "张毅恭") is None


def test_year_and_period_checks_read_the_spans_own_clause():
    asked_2012 = analyse_question("2012年泉州的地区生产总值是多少？")
    before, _ = clause_around("从2012年的4814亿元增长到2022年的1.2万亿元。", 22, 28)
    assert year_of_span(asked_2012, before).found == "2022"
    before, _ = clause_around("从2012年的4814亿元增长到2022年的1.2万亿元。", 7, 13)
    assert year_of_span(asked_2012, before) is None
    asked_2023 = analyse_question("2023年泉州GDP增长多少？")
    assert year_of_span(asked_2023, "2023年全市生产总值比2022年增长") is None  # 比2022年 is a comparison
    new_2023 = analyse_question("泉州2023年新增多少个国家级工业设计中心？")
    assert cumulative_for_new(new_2023, "累计建成国家级工业设计中心10家").check == "period"
    assert cumulative_for_new(new_2023, "新增国家级工业设计中心2家") is None
    assert unit_of_span(premises_of("丽水常住人口有多少？"), "7582元", "").found == "money"


def test_the_reason_reaches_the_json_and_the_cli(seed_index, capsys):
    from qa.frontends.cli import main

    assert main(["ask", "温州市长是谁？", "--index-dir", str(seed_index), "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["abstained"] and "温州市长" in body["reason"]
    assert main(["ask", "Who is the mayor of Wenzhou?", "--index-dir", str(seed_index)]) == 0
    out = capsys.readouterr().out
    assert "A: Not found in the reports." in out and "The reports name no mayor of Wenzhou" in out


def test_second_round_checks_one_by_one():
    from qa.answer.checks import (achievement_for_target, event_absent, one_item_for_many, part_not_counted,
                                  period_for_one_year, quoted_name_absent, relative_date, target_for_result)
    from qa.question.names import places_before_office, romanised
    from qa.question.premises import same_body

    date = analyse_question("市委全会是哪一天举行的?")
    assert relative_date(date, "昨天").check == "nodate" and relative_date(date, "7月22日") is None
    assert relative_date(analyse_question("全会什么时候提出的?"), "今年") is not None
    asked_2024 = analyse_question("丽水2024年生产总值是多少?")
    assert period_for_one_year(asked_2024, "25年来,全市生产总值从136.8亿元增加到2181.2亿元").found == "25年来"
    assert period_for_one_year(asked_2024, "2024年全市生产总值2181.2亿元,五年来年均增长6%") is None
    assert period_for_one_year(analyse_question("丽水25年来生产总值增长多少?"), "25年来增长14.9倍") is None
    target = analyse_question("到2030年丽水收入倍差要缩小到多少?")
    assert achievement_for_target(target, "倍差从2.41倍缩小到1.87", "").check == "achieved"
    assert achievement_for_target(target, "到2030年倍差缩小到1.6以内", "") is None
    assert achievement_for_target(target, "力争倍差缩小到1.6以内", "") is None       # a plan, year or not
    assert premises_of("在1.64万个基层党组织中,非公企业党组织有多少个?").part[0] == "非公企业党组织"
    assert premises_of("在会议中,泉州提出了多少项任务?").part == ()                  # 会议中: no group counted
    part = premises_of("2023年新增城镇就业中,高校毕业生有多少人?")
    assert part_not_counted(part, "城镇新增就业9.5万人").found == "高校毕业生"
    assert part_not_counted(part, "其中高校毕业生2.1万人") is None
    among = premises_of("新签约项目超2200个,其中500强企业项目有多少个?")
    assert among.part[0] == "500强企业项目" and part_not_counted(among, "签约项目中有企业700家") is not None
    result = analyse_question("2024年泉州实际新增就业多少人?")
    assert target_for_result(result, "城镇新增就业8.5万人以上", "二、2024年工作目标任务").check == "target"
    assert target_for_result(result, "城镇新增就业8.5万人", "一、2024年工作回顾") is None
    six = analyse_question("“晋江经验”的“六个始终坚持”具体是哪六条?")
    assert one_item_for_many(six, "正确处理好五大关系").found == "6"
    assert one_item_for_many(six, "始终坚持以发展社会生产力为改革和发展的根本方向、始终坚持以市场为导向") is None
    assert one_item_for_many(analyse_question("两大产业集群分别是什么?"), "集成电路").found == "2"
    assert one_item_for_many(analyse_question("泉州的产业集群是什么?"), "集成电路") is None
    titled = analyse_question("《世界遗产名录》是哪一年列入的?")
    assert quoted_name_absent(titled, "地区生产总值从2012年4814亿元增长").found == "世界遗产名录"
    assert quoted_name_absent(titled, "2021年列入《世界遗产名录》") is None
    assert quoted_name_absent(analyse_question("要求用好什么“中心+平台”机制?"), "两中心一平台") is None  # short: the asker's words
    forum = analyse_question("首届慈善大会定于哪一天举行?")
    assert event_absent(forum, "全会于2025年7月22日在泉州举行").found == "首届慈善大会"
    assert event_absent(forum, "首届慈善大会将于9月5日举行") is None
    assert places_before_office("三明市委书记是谁") == ("三明",) and places_before_office("新任市委书记是谁") == ()
    assert places_before_office("房地产市场") == () and places_before_office("厦门市委书记") == ("厦门",)
    assert romanised("莲都区", ("Liandu", "Lishui")) == "Liandu District" and romanised("泉州市") == "Quanzhou"
    assert not same_body("区委", "市委") and same_body("party", "市委") and not same_body("discipline", "市委")
    assert role_before_span(premises_of("丽水市纪委书记是谁?"), "全会号召，").found == ""     # no office near it


def test_english_meetings_named_in_words():
    assert premises_of("When was the fourth session of Quanzhou's 17th Municipal People's Congress held?").meeting \
        == premises_of("When was the 4th session of Quanzhou's 17th Municipal People's Congress held?").meeting
    ninth = premises_of("When was the Ninth Plenary Session of the 13th Quanzhou Municipal Party Committee held?")
    assert (ninth.meeting.term, ninth.meeting.session, ninth.meeting.congress) == (13, 9, False)


def test_checks_of_070_one_by_one():
    from qa.answer.checks import earlier_years_only, names_itself, relative_date

    asked = analyse_question("“1+6+X”功能中的“6”具体指哪六项功能?")
    assert names_itself(asked, "做实“1+6+x”功能").found == "1+6+X"          # quoted as the question writes it
    assert names_itself(asked, "党建引领、综合治理") is None
    assert names_itself(analyse_question("“晋江经验”是谁总结提出的?"), "“晋江经验”") is None  # asks who, not what
    date = analyse_question("工作会议是哪一天召开的?")
    assert relative_date(date, "新世纪25年来").check == "nodate"
    for span in ("2025年7月22日", "二〇三五年", "7月", "上旬"):
        assert relative_date(date, span) is None, span
    income = analyse_question("2024年泉州全体居民人均可支配收入是多少元?")
    assert earlier_years_only(income, "从2012年4814亿元增长到2022年1.2万亿元;全体居民人均可支配收入达", "").found == "2022"
    assert earlier_years_only(income, "2024年全体居民人均可支配收入达", "") is None
    assert earlier_years_only(income, "2023年收入达", "二、2024年工作目标任务") is None   # the heading names it
    assert earlier_years_only(income, "到2025年收入达", "") is None                     # a later year: a plan
    assert unit_of_span(premises_of("到2027年收入倍差要缩小到多少?"), "三大差距", "").check == "nofigure"
    assert unit_of_span(premises_of("到2027年收入倍差要缩小到多少?"), "1.6", "") is None
    assert analyse_question("Which Quanzhou athlete won gold?").answer_type == "person"


def test_lists_shares_kinds_and_years_read_from_the_question():
    from qa.answer.checks import kind_of_thing, listed_in, one_item_for_many, share_of_another

    six = analyse_question("六种工作方法分别是什么?")
    five = "系统梳理“项目工作法”“一线工作法”“典型引路法”“规划引领法”“阶段总结法”"
    assert listed_in(five) == 5 and listed_in("平急两用公共基础设施建设、城中村改造和保障性住房建设") == 3
    assert one_item_for_many(six, "项目工作法”“一线工作法", five).check == "fewer"
    assert one_item_for_many(six, "项目工作法”“一线工作法", five + "“第六法”") is None   # the clause lists six
    assert one_item_for_many(analyse_question("用哪八个字来形容?"), "案无积卷、事不过夜", "案无积卷、事不过夜") is None
    kinds = premises_of("泉州2024年计划新增多少个公办幼儿园学位?")
    assert kinds.thing == ("学位", "幼儿园", "公办")
    assert kind_of_thing(kinds, "全市新增中小学学位2.5万个", "全市新增中小学学位2.5万个").found == "中小学学位"
    assert kind_of_thing(kinds, "新增公办幼儿园学位1.3万个", "新增公办幼儿园学位1.3万个") is None
    pilots = premises_of("将推动实施多少项国家级试点?")
    assert kind_of_thing(pilots, "实施26项“国字号”试点", "实施26项“国字号”试点") is None     # quoted: the kind in other words
    share = premises_of("泉州生产总值占全省的比重是多少?")
    assert share.units == {"percent"} and share.share_of == "全省"
    assert share_of_another(share, "从2012年增长到2022年1.2万亿元,占全国的").found == "全国"
    assert share_of_another(share, "占全省的") is None
    assert unit_class("46", ".7%;深化") == "percent"                        # a figure the span cuts
    assert analyse_question("2000张养老床位中,护理型床位有多少张?").years == ()
    assert analyse_question("2000年以来新增多少张床位?").years == ("2000",)


def test_a_code_is_explained_only_beside_it():
    from qa.answer.checks import code_unexplained

    asked = analyse_question("“十四五”时期具体指什么?")
    opening = "全会认为,“十四五”时期,温州正处在新旧动能转换的提速期"
    at = opening.find("温州")
    assert code_unexplained(asked, opening, at, len(opening)) is None            # the clause after the code
    inside = "做实“十四五”功能,实现四级综治中心全覆盖"
    assert code_unexplained(asked, inside, inside.find("实现"), len(inside)).found == "十四五"  # not its topic
    sibling = "全面落实“十四五”总体部署和市委“一个历史使命”"
    assert code_unexplained(asked, sibling, sibling.find("一个"), sibling.find("使命") + 2).check == "unexplained"
    content = "以“六个始终坚持”为主要内容的“十四五”"
    assert code_unexplained(asked, content, 2, content.find("为")) is None         # the span before it, no 和
    assert code_unexplained(asked, "黨在新時代取得的最重大的政治成果", 0, 5).check == "quoted"
    assert code_unexplained(analyse_question("“十四五”时期是哪五年?"), sibling, 0, 3) is None  # not asked what it means


def test_a_group_inside_a_count_asked_in_english():
    from qa.answer.checks import part_not_counted

    graduates = premises_of("Of the new urban jobs in Quanzhou in 2023, how many went to college graduates?")
    assert graduates.part[0] == "college graduates" and "毕业生" in graduates.part
    assert part_not_counted(graduates, "城镇新增就业9.5万人").found == "college graduates"
    assert part_not_counted(graduates, "其中高校毕业生2.1万人") is None
    assert premises_of("How many new urban jobs did Quanzhou add in 2023?").part == ()
    assert analyse_question("What GDP growth target did Quanzhou set?").answer_type == "percent"


def test_groups_quotes_and_counts_of_things():
    from qa.answer.checks import group_of_another_number, quoted_terms, unquoted

    first = analyse_question("第一督导组组长是谁?")
    assert group_of_another_number(first, "省委学习教育第二督导组组长").found == "第二督导组"
    assert group_of_another_number(first, "省委学习教育第一督导组组长") is None
    assert group_of_another_number(analyse_question("督导组组长是谁?"), "第二督导组组长") is None
    assert unquoted("传承弘扬“晋江经验”,晋江", "晋江的目标") == "传承弘扬“”,晋江"
    assert unquoted("传承弘扬“晋江经验”", "“晋江经验”是什么") == "传承弘扬“晋江经验”"
    assert quoted_terms(analyse_question("What does the '1410' campaign refer to?")) == [("1410", "1410")]
    assert quoted_terms(analyse_question("What is Lishui's 'Jinjiang Experience'?")) == []   # no report's words
    assert premises_of("市属国企设立的有几只?").units == {"count"}
    assert premises_of("哪几个年份?").units == frozenset()                              # a list, not a count
    assert unit_of_span(premises_of("要打造多少条产业链?"), "十大", "") is None
    assert unit_of_span(premises_of("收入倍差要缩小到多少?"), "三大差距", "").check == "nofigure"



def test_a_reason_quotes_the_clauses_around_the_span_not_the_whole_sentence():
    sentence = "全会号召,主战场的战斗号角已经吹响,广大党员干部要更加紧密地团结在党中央周围,在省委的坚强领导下,以昂扬斗志决胜主战场、以拼搏姿态奋战第一线,奋斗实干。"
    start = sentence.index("省委的坚强领导")
    quote = excerpt(sentence, 0, len(sentence), start, start + 2, reach=30)
    assert quote.startswith("…") and quote.endswith("…") and "在省委的坚强领导下" in quote
    assert len(quote) <= 32 and "全会号召" not in quote
    assert excerpt(sentence, 0, len(sentence), 0, 4, reach=200) == sentence  # a short sentence whole
    first = excerpt(sentence, 0, len(sentence), 0, 4, reach=20)
    assert first.startswith("全会号召,主战场的战斗号角已经吹响") and first.endswith("…")


def test_checks_of_080_one_by_one():
    from qa.answer.checks import classifier_of_span, figure_given, person_for_thing, quoted_terms

    beds = analyse_question("泉州改造了多少栋老旧住宅?")
    assert classifier_of_span(beds, "2000张").found == "栋张"
    assert classifier_of_span(beds, "1.5万栋") is None and classifier_of_span(beds, "374个") is None  # 个 counts anything
    assert classifier_of_span(analyse_question("新增多少家企业?"), "1.2万户") is None  # firms counted in 户
    whole = analyse_question("Of the 2,200 projects signed, how many were foreign-funded?")
    assert figure_given(whole, "超2200个").found == "2200" and figure_given(whole, "150个") is None
    assert figure_given(analyse_question("2023年新增多少个学位?"), "2023个") is None  # a year is no figure given
    assert figure_given(analyse_question("第19届亚运会泉州运动员获得多少枚金牌?"), "19枚") is None  # nor an ordinal
    assert premises_of("出席全会的市委委员里有几位女性?").part[0] == "女性"
    assert premises_of("新签约的2200多个项目里,外资项目占多少个?").part[:2] == ("外资项目", "外资")
    assert premises_of("邻里中心有多少个?").part == ()                      # 里 inside a word
    assert premises_of("干部上门走访了多少家次企业?").units == {"count"}  # not people for 干部
    assert premises_of("城乡居民收入倍差缩小到多少?").units == {"ratio"}
    assert premises_of("How many tourist visits did Quanzhou receive?").units == {"people"}
    congress = premises_of("Who chairs the standing committee of the people's congress?")
    assert (congress.role, congress.body) == ("director", "congress")
    assert premises_of("Who is the chairman of the people's congress?").role == "director"
    assert premises_of("Who is the chairman of the CPPCC?").role == "chair"
    assert quoted_terms(analyse_question("What are the 'four plus one' requirements?")) == [("4+1", "four plus one")]
    assert quoted_terms(analyse_question("What is 'one fundamental goal'?")) == []       # words, not a code
    company = analyse_question("Which company's projects did he inspect?")
    assert company.answer_type == "org"
    text = "泉州市委书记张毅恭(左五)在南安市调研三安高端半导体系列项目"  # as normalised for matching
    for piece in ("张毅恭", "张", "泉州市委书记张毅恭"):  # the name, a piece of it, the office and the name
        at = text.index(piece)
        assert person_for_thing(company, text, at, at + len(piece)).found == "书记张毅恭"
    at = text.index("三安")
    assert person_for_thing(company, text, at, at + 2) is None
    assert person_for_thing(analyse_question("Who inspected the projects?"), text, 6, 9) is None  # a person asked


def test_acts_days_reasons_and_levels():
    from qa.answer.checks import act_of_name, figure_for_reason, figure_given, figure_is_a_year, relative_date
    from qa.question.premises import amounts_named

    explained = analyse_question("温州全会上由谁向全会作说明?")
    assert act_of_name(explained, "市委书记陈伟俊代表市委常委会向全会作工作报告。").found == "说明"
    assert act_of_name(explained, "受市委常委会委托,姚高员就《建议》稿向全会作了说明。") is None
    assert act_of_name(analyse_question("泉州报告中提到的市委书记是谁?"), "市委书记张毅恭讲话") is None  # no act asked
    assert act_of_name(analyse_question("Who is mentioned in the report?"), "张毅恭讲话") is None       # the document
    day = analyse_question("On what date was the report delivered?")
    assert relative_date(day, "一、2023年").check == "nodate" and relative_date(day, "1月12日") is None
    assert relative_date(analyse_question("何时召开?"), "2023年") is None           # a period may answer 何时
    assert figure_for_reason(analyse_question("为什么农村居民收入增长更快?"), "9.5倍").check == "reason"
    assert figure_for_reason(analyse_question("为什么农村居民收入增长更快?"), "农民持续增收") is None
    votes = premises_of("赞成票有多少张?")
    assert figure_is_a_year(analyse_question("赞成票有多少张?"), votes, "二〇三五年").check == "figure"
    assert figure_given(analyse_question("Which 12 indicators earned benchmark status?"), "12个指标进入全省标杆")
    assert amounts_named("一般公共预算收入增长") == {"财政收入"} and amounts_named("城乡居民收入") == {"收入"}
    assert premises_of("丽水的财政总收入是多少?").amounts == {"财政收入"}
    assert premises_of("Who is the Zhejiang provincial Party secretary?").body == "省委"
    assert premises_of("Who is the Party secretary of Lishui?").body == "party"
    assert premises_of("税收比上年增加了多少亿元?").units == {"money"}   # the unit written, not a growth rate
    assert premises_of("税收比上年增长了多少?").units == {"money", "percent"}
    assert premises_of("督导组副组长是谁?").role == "deputy group leader"
    assert analyse_question("List the ten landmark achievements.").items == 10
