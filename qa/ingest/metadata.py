"""What a report says about itself besides its title: the date it bears and the place it
is about, read from its text at index time (each None where the text does not say).

The date is the first full date (year, month and day) in the report's opening, as a news
report's dateline or a resolution's adoption date gives it; the place is the place name
(jieba's place tag) the report names most often, at least `MIN_PLACE_MENTIONS` times, 市
dropped so that 泉州市 and 泉州 count together.
"""

from __future__ import annotations

import re
from collections import Counter

from ..question.names import chinese_names, place_stem

DATE_WINDOW = 2000
"""Characters from the start of a report searched for its date."""

MIN_PLACE_MENTIONS = 3
"""Mentions a place needs to be the place a report is about."""

_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:-(\d{1,2})-(\d{1,2})|/(\d{1,2})/(\d{1,2})|年(\d{1,2})月(\d{1,2})日)(?!\d)")
_PROVINCES = {"福建", "浙江", "广东", "江苏", "江西", "安徽", "山东", "湖南", "湖北", "河南", "河北", "四川",
              "云南", "贵州", "广西", "海南", "山西", "陕西", "甘肃", "青海", "辽宁", "吉林", "黑龙江", "台湾",
              "内蒙古", "新疆", "西藏", "宁夏", "北京", "上海", "天津", "重庆", "香港", "澳门"}
"""Provinces and the like: a city's report names its province often, and is about the city."""


def report_date(text: str) -> str | None:
    """The first full date in the opening of `text` as YYYY-MM-DD, or None."""
    for found in _DATE.finditer(text[:DATE_WINDOW]):
        year, *parts = found.groups()
        month, day = (int(p) for p in parts if p is not None)
        if 1 <= month <= 12 and 1 <= day <= 31:
            return f"{year}-{month:02d}-{day:02d}"
    return None


def report_place(normalised_text: str) -> str | None:
    """The place a report (its normalised text) names most often, or None."""
    counts = Counter()
    for sentence in re.split(r"[。！？\n]", normalised_text):
        for name in chinese_names(sentence, ("ns",)):
            name = place_stem(name)
            if name not in _PROVINCES:
                counts[name] += sentence.count(name)
    if not counts:
        return None
    place, mentions = counts.most_common(1)[0]
    return place if mentions >= MIN_PLACE_MENTIONS else None
