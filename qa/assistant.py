"""The assistant: load an index once, then answer questions with cited spans.

`Assistant.ask` runs the pipeline downward: check the question, read it (`questions`),
find the names and words it relies on in the reports (`terms`), retrieve passages with
it (the store's hybrid search), let the trained reader read the best of them in one
batched call, place each proposed span in its document, score it with the calibrated
confidence model (`scoring`), set aside spans that break a trap check or a premise of the
question (`answer.checks`), and answer with the best one left, or abstain below the
model's threshold with the reason (`answer.reasons`). Everything per-document that does
not depend on the question is prepared at load time (`answer.views`).
"""

from __future__ import annotations

import dataclasses
import re
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from . import settings
from .answer.answers import Alternative, Answer, Citation, Passage
from .answer.checks import (ROLE_REACH, Broken, achievement_for_target, act_of_name, amount_of_span,
                            classifier_of_span, clause_around, code_unexplained, cumulative_for_new,
                            earlier_years_only, event_absent, figure_for_reason, figure_given, figure_is_a_year,
                            group_of_another_number, intent_agreement, kind_of_thing, meeting_of_span, names_itself,
                            not_a_name, office_of_another_place, one_item_for_many, other_years, part_not_counted,
                            people_of_span, period_for_one_year, person_for_thing, place_agreement,
                            quoted_name_absent, relative_date, result_for_target, role_before_span, share_of_another,
                            target_for_result, unit_of_span, unquoted, year_agreement, year_of_span)
from .answer.reasons import NO_WORDS, excerpt, not_found_reason
from .answer.views import DocViews
from .core import Chunk, Hit, IndexData
from .errors import InvalidQuestion, InvalidRequest, QAError, UnknownEmbedder
from .ingest.embedding import load_embedder
from .question.followups import Turn, standalone_question
from .question.names import find_pinyin_cached, place_stem, romanised
from .question.premises import ROLE_IN_TEXT, Premises, read_premises
from .question.questions import Question, analyse_question
from .question.terms import QuestionTerms, find_terms, question_bigrams, reader_question
from .reader.calibration import ABSTAIN_BELOW, ABSTAIN_BELOW_ENGLISH, COEFFICIENTS, INTERCEPT
from .reader.runtime import SpanCandidate, load_reader, preload_reader
from .reader.scoring import (ScoredSpan, clause_overlap, confidence_of, figure_length, merge_overlapping,
                             span_features)
from .stores import StoreTarget, open_store, parse_store
from .textnorm import normalise_answer, normalise_for_matching

MAX_CITATIONS = 3
"""Places quoted for one answer: the best span and others stating the same answer."""

PLACE_REACH = 80
"""Characters before a span's sentence that may name the place or meeting it speaks of."""

PARAGRAPH_REACH = 300
"""Characters before a span's sentence searched for its paragraph's start: a place the
paragraph names (a county's union in a city's report) is the place its sentences speak of."""

LEDE_CHARS = 200
"""A report's opening (title and first lines): the meeting it is about, when the span's
sentence names none."""

MAX_ALTERNATIVES = 3
"""Other candidate answers shown beside the answer (never as citations)."""


@dataclass(frozen=True)
class Found:
    """What retrieval gave one question: passages for the reader and what the checks need."""

    question: Question
    terms: QuestionTerms
    hits: list[Hit]
    chunks: list[Chunk]
    """The passages the reader reads (the first hits), as chunks..."""
    texts: list[str]
    """...and as text."""
    premises: Premises
    """What the question takes for granted, for the checks and the reason (`read_premises`)."""


class Assistant:
    """Answers questions over one loaded index. Thread-safe for concurrent `ask` calls."""

    def __init__(self, index: IndexData, store: StoreTarget | None = None):
        self.index = index
        self.store = store or parse_store(settings.DEFAULT_INDEX_DIR)
        try:
            self.embedder = load_embedder(index.embedder_name)
        except UnknownEmbedder as exc:
            raise UnknownEmbedder(f"{exc}; or build the index anew with the bundled embedder: "
                                  f"{self.store.rebuild_hint()}") from exc
        if self.embedder.dim != index.manifest["embedder"]["dim"]:
            raise QAError(f"embedder {self.embedder.name} gives dimension {self.embedder.dim}, "
                          f"the index holds {index.manifest['embedder']['dim']}: rebuild the index")
        self.reader = load_reader()
        self.views = DocViews(index)

    @classmethod
    def load(cls, index_dir: str | Path | StoreTarget = settings.DEFAULT_INDEX_DIR) -> "Assistant":
        """Load the index at `index_dir`: an index folder, or a store spec such as
        `milvus-lite:index/milvus.db` (raises IndexNotFound & co. with a fix-it message)."""
        loading = preload_reader()
        try:
            store = open_store(index_dir)
            return cls(store.load(), store.target)
        finally:
            loading.join()  # an index that fails to load must not end the process mid-load

    def documents(self) -> list[dict]:
        """Indexed documents: id, title, date and place (None where the text gives none),
        characters and chunks."""
        return [{"id": doc_id, "title": meta["title"], "date": meta.get("date") or None,
                 "place": meta.get("place") or None, "chars": meta["chars"], "chunks": meta["chunks"]}
                for doc_id, meta in self.index.manifest["documents"].items()]

    def select_documents(self, docs: list[str] | None = None, place: str | None = None,
                         year: int | None = None) -> list[str] | None:
        """The document ids to search: `docs` (all when None) narrowed to the reports about
        `place` (泉州, 泉州市, 泉州 in Traditional script, or Quanzhou) and dated in `year`.

        Raises:
            InvalidRequest: a bad value, or no indexed report matching all of them.
        """
        docs = self.check_docs(docs)
        if place is None and year is None:
            return docs
        if place is not None and (not isinstance(place, str) or not place.strip()):
            raise InvalidRequest("place must be a place name, e.g. 泉州 or Quanzhou")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2100):
            raise InvalidRequest("year must be a year such as 2024")
        wanted = None if place is None else _place_key(place)
        chosen = [doc_id for doc_id, meta in self.index.manifest["documents"].items()
                  if (docs is None or doc_id in docs)
                  and (wanted is None or wanted in {_place_key(meta.get("place") or ""),
                                                   romanised(meta["place"]).lower() if meta.get("place") else ""})
                  and (year is None or (meta.get("date") or "").startswith(f"{year}-"))]
        if not chosen:
            what = " and ".join(filter(None, [place and f"about {place.strip()}", year and f"dated {year}"]))
            raise InvalidRequest(f"no indexed report is {what}; list them with `GET /api/documents` (date, place)")
        return chosen

    def ask(self, question: str, top_k: int = settings.DEFAULT_TOP_K,
            docs: list[str] | None = None, history: Sequence[Turn | dict] | None = None) -> Answer:
        """Answer `question` from the reports (optionally only `docs`), citing the span.

        `history` holds the conversation's earlier turns, oldest first (`Turn`s, or dicts
        with "question" and "answer"): a follow-up is answered as the standalone question it
        means (`Answer.asked_as`), a question that stands on its own as asked.

        Raises:
            InvalidQuestion: empty, whitespace-only or over MAX_QUESTION_CHARS.
            InvalidRequest: bad `top_k`, unknown document ids or a malformed history.
        """
        began = time.perf_counter()
        question, top_k, docs = clean_question(question), check_top_k(top_k), self.check_docs(docs)
        if not any(c.isalnum() for c in question):  # emoji, punctuation: nothing to look up
            return Answer(question, None, True, 0.0, (), (), _timings(began, began, began), reason=NO_WORDS)
        turns = check_history(history)
        asked_as = standalone_question(question, turns, self.chinese_of) if turns else question
        found = self.find_passages(asked_as, top_k, docs)
        retrieved = time.perf_counter()
        spans = self.read(found)
        read = time.perf_counter()
        scored = self.score_spans(found, spans)
        candidates = merge_overlapping([s for s in scored if s.broken is None])
        broken = sorted((s for s in scored if s.broken is not None), key=lambda s: -s.confidence)
        answer = self.compose(found, candidates, top_k, broken)
        return dataclasses.replace(answer, question=question, asked_as=asked_as,
                                   timings_ms=_timings(began, retrieved, read))

    def chinese_of(self, latin: str) -> str | None:
        """The Chinese a romanised name is written in by the reports (Quanzhou → 泉州), or None
        (each document's answer is remembered by `find_pinyin_cached`)."""
        return next((found for doc in self.index.documents.values()
                     if (found := find_pinyin_cached(latin, doc.text))), None)

    def ask_each(self, questions, top_k: int = settings.DEFAULT_TOP_K,
                 docs: list[str] | None = None) -> Iterator[Answer | InvalidQuestion]:
        """Each question's `Answer` in turn, or the `InvalidQuestion` that refused it (an
        empty or too long question does not stop a batch).

        Raises:
            InvalidRequest: bad `top_k` or unknown document ids (every question would fail alike).
        """
        for question in questions:
            try:
                yield self.ask(question, top_k=top_k, docs=docs)
            except InvalidQuestion as exc:
                yield exc

    def find_passages(self, question: str, n: int = 0, docs: list[str] | None = None) -> Found:
        """The question read, its terms looked up, and the best passages retrieved: `n`, or
        more when the reader reads more (by default only those it reads). The first
        READER_PASSAGES of them (READER_PASSAGES_ENGLISH for an English question) are what the
        reader reads. An English question is searched (BM25 and query vector) with its Chinese
        words after it."""
        parsed = analyse_question(question)
        terms = find_terms(parsed, self.views.normalised, self.index.documents, lambda: self.views.joined)
        english = parsed.language == "en"
        query = f"{question} {''.join(terms.search)}" if english and terms.search else question
        query_vector = self.embedder.embed_batch([query], "query")[0]
        read = settings.READER_PASSAGES_ENGLISH if english else settings.READER_PASSAGES
        hits = self.index.search(query_vector, " ".join([question, *terms.search]), max(n, read), docs)
        chunks = [self.index.chunks[h.row] for h in hits[:read]]
        texts = [self.index.documents[c.doc_id].text[c.start:c.end] for c in chunks]
        return Found(parsed, terms, hits, chunks, texts, read_premises(parsed))

    def read(self, found: Found, questions: list[str] | None = None) -> list[SpanCandidate]:
        """The reader's spans over the passages `find_passages` found (one batched call per
        question form; by default the one form `terms.reader_question` makes)."""
        spans = []
        for question in questions or [reader_question(found.question, found.terms)]:
            spans += self.reader.read(question, found.texts)
        return spans

    def score_spans(self, found: Found, spans: list[SpanCandidate]) -> list[ScoredSpan]:
        """The reader's spans placed in their documents, trap-checked and scored (not yet merged:
        the calibration fits on every candidate, overlapping ones included). A span the
        question itself holds (or, for an English question, one of the Chinese words it was
        matched to) is dropped: a question does not contain its answer."""
        parsed, terms, premises = found.question, found.terms, found.premises
        asked = "\n".join([parsed.normalised, *terms.found])
        words = question_bigrams(parsed, terms)
        out = []
        for span in spans:
            chunk = found.chunks[span.passage]
            if not terms.allows(chunk.doc_id):
                continue  # the question names a place or person this document never mentions
            start = chunk.start + span.start
            sentence, heading = self.views.sentence_context(chunk.doc_id, start)
            year = year_agreement(parsed, sentence, heading)
            text = self.index.documents[chunk.doc_id].text[start:chunk.start + span.end]
            text = text[:figure_length(parsed.answer_type, text)]
            if normalise_for_matching(text) in asked:
                continue  # the question's own words ('泉州' for '与泉州结对的是哪座城市?') never answer it
            end = start + len(text)
            norm = self.views.normalised[chunk.doc_id]
            features = span_features(span.score, span.null_score, span.passage, year,
                                     intent_agreement(parsed, sentence, heading), parsed.language == "en",
                                     parsed.answer_type, text, clause_overlap(words, norm, start, end), parsed.items)
            broken = (figure_is_a_year(parsed, premises, text) or Broken("year", other_years(parsed, sentence, heading))) \
                if year < 0 else self.broken_premise(found, chunk, start, end, text, heading)
            out.append(ScoredSpan(chunk.doc_id, start, end, text, span.passage, features,
                                  confidence_of(features, COEFFICIENTS, INTERCEPT), broken))
        return out

    def broken_premise(self, found: Found, chunk: Chunk, start: int, end: int, text: str,
                       heading: str = "") -> Broken | None:
        """The first premise of the question the span [start, end) of `chunk`'s report breaks:
        its place, the office before a name (and whose office it is), a name's form, the
        meeting, the unit of a figure, the people or amount counted, the year or period its
        clause speaks of (or only earlier years), a date given only as 昨天 or not at all, the
        group counted, several years for one, a result for a target and a target for a
        result, one thing or fewer things for several, a quoted title or an event its
        paragraph never names, the quoted name itself or a code read away from it, another
        kind of the thing counted, a share of another whole, another numbered group
        (`answer.checks`; `heading`: the headings that frame its sentence); None when it
        breaks none."""
        norm = self.views.normalised[chunk.doc_id]
        place = self.index.manifest["documents"][chunk.doc_id].get("place") or ""
        sentence_start, sentence_end = self.views.sentence_bounds(chunk.doc_id, start)
        sentence = norm[sentence_start:sentence_end]
        newline = norm.rfind("\n", max(0, sentence_start - PARAGRAPH_REACH), sentence_start)
        paragraph_start = newline + 1 if newline >= 0 else sentence_start
        around = norm[min(max(0, sentence_start - PLACE_REACH), paragraph_start):sentence_end]
        if place_agreement(found.terms.places, place, unquoted(around, found.question.normalised)) < 0:
            return Broken("place", place)
        before, clause = clause_around(norm, start, end)
        reach = min(start, ROLE_REACH)
        parsed, premises, office = found.question, found.premises, norm[start - reach:start]
        span = normalise_for_matching(text)
        if offices := list(ROLE_IN_TEXT.finditer(norm, start, end)):  # '泉州市委书记张毅恭' as the span
            office = norm[start - reach:offices[-1].end()]
        return (office_of_another_place(premises, found.terms.places, place, office)
                or group_of_another_number(parsed, office)
                or role_before_span(premises, office) or not_a_name(parsed, text)
                or person_for_thing(parsed, norm[start - reach:end + 3], reach, reach + end - start)
                or act_of_name(parsed, sentence)
                or meeting_of_span(premises, norm[max(0, sentence_start - PLACE_REACH):sentence_end],
                                   norm[:LEDE_CHARS])
                or unit_of_span(premises, span, norm[end:end + 6]) or classifier_of_span(parsed, span)
                or people_of_span(premises, clause) or amount_of_span(premises, clause, before)
                or year_of_span(parsed, before) or earlier_years_only(parsed, before, heading)
                or figure_is_a_year(parsed, premises, text) or figure_for_reason(parsed, text)
                or cumulative_for_new(parsed, clause) or relative_date(parsed, text)
                or part_not_counted(premises, sentence) or period_for_one_year(parsed, sentence)
                or achievement_for_target(parsed, sentence, heading) or one_item_for_many(parsed, text, clause)
                or quoted_name_absent(parsed, around) or event_absent(parsed, around)
                or target_for_result(parsed, sentence, heading) or result_for_target(parsed, sentence, heading)
                or names_itself(parsed, span)
                or kind_of_thing(premises, clause, sentence) or share_of_another(premises, before)
                or code_unexplained(parsed, sentence, start - sentence_start, end - sentence_start)
                or figure_given(parsed, span))

    def compose(self, found: Found, candidates: list[ScoredSpan], top_k: int,
                broken: list[ScoredSpan] = ()) -> Answer:
        """The answer: the best candidate with the places that state the same answer as its
        citations and the other answers as alternatives; or an abstention with the closest
        passages and the reason (`broken`: the spans that broke a premise, best first) when
        the best is below the confidence threshold."""
        passages = tuple(self._passage(h) for h in found.hits[:top_k])
        question = found.question.text
        threshold = ABSTAIN_BELOW_ENGLISH if found.question.language == "en" else ABSTAIN_BELOW
        if not candidates or candidates[0].confidence < threshold:
            reason = not_found_reason(found.question, found.terms, found.premises, candidates,
                                      list(broken), threshold, self._quote)
            return Answer(question, None, True, candidates[0].confidence if candidates else 0.0, (), passages, {},
                          reason=reason)
        best = candidates[0]
        same = normalise_answer(best.text)
        supporting = [c for c in candidates if normalise_answer(c.text) == same][:MAX_CITATIONS]
        others = [c for c in candidates if normalise_answer(c.text) != same][:MAX_ALTERNATIVES]
        return Answer(question, best.text, False, best.confidence, tuple(self._citation(c) for c in supporting),
                      passages, {}, tuple(Alternative(c.doc_id, self.index.documents[c.doc_id].title, c.start, c.end,
                                                      c.text, round(c.confidence, 4)) for c in others))

    def check_docs(self, docs) -> list[str] | None:
        """`docs` as a list of indexed document ids, or None (search all).

        Raises:
            InvalidRequest: not a list of strings, empty, or naming an unknown document.
        """
        if docs is None:
            return None
        if not isinstance(docs, (list, tuple)) or not all(isinstance(d, str) for d in docs):
            raise InvalidRequest("docs must be a list of document ids")
        if not docs:
            raise InvalidRequest("docs is empty: name at least one document, or leave it out to search all")
        unknown = [d for d in docs if d not in self.index.documents]
        if unknown:
            raise InvalidRequest(f"unknown document id {unknown[0]!r}; list them with "
                                 "`GET /api/documents` or see the index manifest")
        return list(docs)

    def _passage(self, hit: Hit) -> Passage:
        chunk = self.index.chunks[hit.row]
        doc = self.index.documents[chunk.doc_id]
        return Passage(chunk.doc_id, doc.title, chunk.start, chunk.end, doc.text[chunk.start:chunk.end],
                       round(hit.score, 6))

    def _quote(self, span: ScoredSpan) -> str:
        """The clauses around `span` in its sentence, as written (`reasons.excerpt`)."""
        start, end = self.views.sentence_bounds(span.doc_id, span.start)
        return excerpt(self.index.documents[span.doc_id].text, start, max(end, span.end), span.start, span.end)

    def _citation(self, span: ScoredSpan) -> Citation:
        doc = self.index.documents[span.doc_id]
        quote_start, quote_end = self.views.sentence_bounds(span.doc_id, span.start)
        quote_end = max(quote_end, span.end)
        return Citation(doc=span.doc_id, title=doc.title, start=span.start, end=span.end,
                        quote=doc.text[quote_start:quote_end], quote_start=quote_start,
                        quote_end=quote_end, page=doc.page_at(span.start),
                        score=round(span.confidence, 4))


def _timings(began: float, retrieved: float, read: float) -> dict[str, float]:
    """Milliseconds spent retrieving, reading, composing the answer and in all."""
    done = time.perf_counter()
    return {"retrieve": (retrieved - began) * 1000, "read": (read - retrieved) * 1000,
            "answer": (done - read) * 1000, "total": (done - began) * 1000}


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_question(question) -> str:
    """The question with control characters and lone surrogates removed.

    Raises:
        InvalidQuestion: not a string, empty after cleaning, or too long.
    """
    if not isinstance(question, str):
        raise InvalidQuestion("the question must be a string")
    if len(question) > settings.MAX_QUESTION_CHARS:
        raise InvalidQuestion(f"the question is {len(question)} characters; the limit is "
                              f"{settings.MAX_QUESTION_CHARS}")
    question = question.encode("utf-8", "replace").decode("utf-8") \
        if any("\ud800" <= c <= "\udfff" for c in question) else question
    question = _CONTROL.sub("", unicodedata.normalize("NFC", question)).replace("\t", " ").strip()
    if not question:
        raise InvalidQuestion("the question is empty: type a question about the reports")
    return question


def _place_key(place: str) -> str:
    """A place name as compared: Simplified, lower case, 市 dropped (泉州市 → 泉州)."""
    return place_stem(normalise_for_matching(place.strip()))


def check_history(history) -> list[Turn]:
    """`history` as `Turn`s: None or a list of turns, each a `Turn` or a dict with a
    "question" string and an optional "answer" (a string or null).

    Raises:
        InvalidRequest: anything else, or more than MAX_HISTORY_TURNS turns.
    """
    if history is None:
        return []
    if not isinstance(history, (list, tuple)):
        raise InvalidRequest("history must be a list of earlier turns, each {\"question\": ..., \"answer\": ...}")
    if len(history) > settings.MAX_HISTORY_TURNS:
        raise InvalidRequest(f"history holds {len(history)} turns; the limit is {settings.MAX_HISTORY_TURNS} "
                             "(send the latest ones)")
    turns = []
    for number, turn in enumerate(history, start=1):
        if isinstance(turn, dict):
            turn = Turn(turn.get("question"), turn.get("answer"))
        if not isinstance(turn, Turn) or not isinstance(turn.question, str) or \
                not (turn.answer is None or isinstance(turn.answer, str)):
            raise InvalidRequest(f"history turn {number} must be {{\"question\": text, \"answer\": text or null}}")
        if len(turn.question) > settings.MAX_QUESTION_CHARS or len(turn.answer or "") > settings.MAX_QUESTION_CHARS:
            raise InvalidRequest(f"history turn {number} is over {settings.MAX_QUESTION_CHARS} characters")
        turns.append(Turn(_CONTROL.sub("", turn.question).strip(), turn.answer))
    return [t for t in turns if t.question]


def check_top_k(top_k) -> int:
    """`top_k` as an int in [1, MAX_TOP_K], or InvalidRequest."""
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= settings.MAX_TOP_K:
        raise InvalidRequest(f"top_k must be an integer from 1 to {settings.MAX_TOP_K}")
    return top_k
