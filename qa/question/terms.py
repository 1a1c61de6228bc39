"""What a question names and which reports name it: the terms retrieval, the reader and the
checks share, and the question as the reader gets it.

A Chinese question's names (places, people, organisations jieba tags) are matched in each
report's normalised text; an English question's romanised names by pinyin, its report terms
by the glossary and its other words by CC-CEDICT, all restricted to words the reports
contain. The reader reads an English question with those Chinese words appended.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping

from ..core import Document
from ..textnorm import bigram_tokens, normalise_for_matching
from .dictionary import chinese_words, common_words, proper_nouns
from .glossary import chinese_terms, unmatched_words
from .names import chinese_names, find_pinyin_cached, places_before_office, tagged
from .questions import Question, content_bigrams


@dataclass(frozen=True)
class QuestionTerms:
    """The names and words a question relies on, and the reports that hold them."""

    required: tuple[frozenset[str], ...]
    """For each name the question relies on, the documents that mention it (an empty set:
    a name no report mentions, so no document can answer)."""
    found: tuple[str, ...]
    """The Chinese words the reader gets beside an English question: its names by pinyin,
    glossary terms and ordinals, and CC-CEDICT words for the English words neither matched."""
    search: tuple[str, ...]
    """What the question is searched with besides its own text: `found` plus the CC-CEDICT
    words for all its English words (钥匙 for 'key'): noise to the reader, but in BM25
    they ranked the answer's passage first more often."""
    uncovered: tuple[str, ...] = ()
    """Names, as the question writes them, that no report mentions and that rule out every
    report (厦门, Xiamen): the reason given when nothing is found."""
    places: tuple[str, ...] = ()
    """The places the question asks about that some report mentions, in Simplified Chinese
    (泉州 for 'Quanzhou' too; not the common words jieba tags as places, 城镇 'cities and
    towns'): a span must come from a report about one of them, or from a sentence that names
    one (`answer.checks.place_agreement`)."""

    def allows(self, doc_id: str) -> bool:
        """Whether `doc_id` mentions every name the question relies on."""
        return all(doc_id in docs for docs in self.required)


def find_terms(question: Question, normalised: Mapping[str, str], documents: Mapping[str, Document],
               corpus_text: Callable[[], str]) -> QuestionTerms:
    """The terms of `question` over the reports.

    A name no document mentions only counts when it is no common word (jieba tags 海湾
    'bay' and 上门 'to drop in' as places: `dictionary.common_words`) and the question
    names nothing the reports do know (so '厦门' in a question about nothing else makes
    every document fail, while a jieba false positive beside '泉州' is ignored), or when it
    is a place CC-CEDICT knows only as a proper noun (厦门 beside 城镇 too); names
    that no single document holds together are not required at all (jieba tags '惠及' a
    place, and only the Lishui report has it).

    Args:
        question: the analysed question.
        normalised: doc id → the document's normalised text (`textnorm.normalise_for_matching`).
        documents: doc id → the document (its original text is matched by pinyin).
        corpus_text: all normalised text in one string, asked for by English questions only.
    """
    required, unknown, found, places = [], [], [], []
    named_by_office = places_before_office(question.normalised)
    place_names = set(chinese_names(question.normalised, tags=("ns",))) | set(named_by_office)
    for name in dict.fromkeys(chinese_names(question.normalised) + named_by_office):
        docs = {d for d, norm in normalised.items() if name in norm}
        if not docs and len(name) > 2 and name.endswith("省") and name in place_names:
            stem = name[:-1]  # '浙江省' where the reports write 浙江 (a 市 stays: 晋江市 is not 晋江经验's 晋江)
            if docs := {d for d, norm in normalised.items() if stem in norm}:
                place_names.add(stem)
                name = stem
        if docs:
            required.append(docs)
            if name in place_names and name not in common_words():
                places.append(name)
        elif name not in common_words():
            unknown.append(name)
    for latin in question.latin_names:
        docs = set()
        level = _ADMIN_LEVEL.match(question.text[question.text.find(latin) + len(latin):])
        level = ADMIN_UNITS[level.group(1).lower()] if level else ""
        for doc_id, doc in documents.items():
            chinese = find_pinyin_cached(latin, doc.text)
            if chinese:
                docs.add(doc_id)
                found.append(chinese)
                chinese = normalise_for_matching(chinese)
                if level and chinese + level in normalised[doc_id] and is_place(chinese + level):
                    chinese += level  # 'Liandu District': 莲都区, where 莲都 alone is no place to jieba
                if is_place(chinese):
                    places.append(chinese)
        if docs:
            required.append(docs)
        else:
            unknown.append(latin)
    known = bool(required)
    if len(required) > 1 and not set.intersection(*required):
        required = []  # no report names them all: a tagger's false name ('惠及'), or several reports asked at once
    places_unknown = [name for name in unknown if name in place_names and name in proper_nouns()]
    uncovered = tuple(unknown) if unknown and not known else tuple(places_unknown)
    if uncovered:
        required.append(set())
    search = []
    if question.language == "en":
        found += chinese_terms(question.text)
        pinyin = {w.lower() for name in question.latin_names for w in name.split()}
        rest = " ".join(w for w in unmatched_words(question.text) if w not in pinyin)
        found += chinese_words(rest, [corpus_text()])
        search = list(chinese_words(question.text, [corpus_text()]))
    found = list(dict.fromkeys(found))
    return QuestionTerms(tuple(frozenset(docs) for docs in required), tuple(found),
                         tuple(dict.fromkeys(found + search)), uncovered, tuple(dict.fromkeys(places)))


ADMIN_UNITS = {"district": "区", "county": "县"}
"""English words for a place's level, as Chinese writes them after its name."""
_ADMIN_LEVEL = re.compile(r"\s+(District|County)\b", re.IGNORECASE)


def is_place(chinese: str) -> bool:
    """Whether jieba reads `chinese` (a name found for a romanised one) as one place name."""
    words = tagged(chinese)
    return len(words) == 1 and words[0][1] == "ns" and chinese not in common_words()


_LATIN_OR_DIGITS = re.compile(r"[0-9a-z.%]+")


def question_bigrams(question: Question, terms: QuestionTerms) -> set[str]:
    """The Chinese character bigrams a question is about, for `scoring.clause_overlap`: a
    Chinese question's content (question words and years left out), or the Chinese words an
    English question's names and terms were matched to."""
    bigrams = ({b for word in terms.found for b in bigram_tokens(normalise_for_matching(word))}
               if question.language == "en" else content_bigrams(question))
    return {b for b in bigrams if not _LATIN_OR_DIGITS.fullmatch(b)}


CHINESE_INTERROGATIVES = {"number": "多少", "percent": "百分之多少", "date": "什么时候", "person": "谁",
                          "place": "哪里", "org": "哪个机构", "phrase": "什么", "explain": "如何"}
"""How a Chinese question asks for each answer kind (`questions.ANSWER_TYPES`)."""


def keyword_question(question: Question, terms: QuestionTerms) -> str:
    """A Chinese keyword question for an English one: its years, the Chinese words its names
    and report terms were matched to, and the interrogative of its answer kind ('Who is the
    Party secretary of Wenzhou?' → '温州书记谁？')."""
    years = "".join(f"{year}年" for year in question.years)
    return f"{years}{''.join(terms.found)}{CHINESE_INTERROGATIVES[question.answer_type]}？"


def reader_question(question: Question, terms: QuestionTerms) -> str:
    """The question as the reader gets it: a Chinese one as asked; an English one with its
    Chinese keyword question appended (when any of its words matched the reports)."""
    if question.language != "en" or not terms.found:
        return question.text
    return f"{question.text} {keyword_question(question, terms)}"
