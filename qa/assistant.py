"""The assistant: load an index once, then answer questions with cited spans.

`Assistant.ask` runs the pipeline: check the question, embed it, retrieve passages, let
the trained reader read the best of them in one batched call, place each proposed span
in its document, drop spans that break a trap check, score the rest with the calibrated
confidence model and abstain below its threshold. Everything per-document that does not
depend on the question (normalised text, section headings, sentence starts) is prepared
at load time.
"""

from __future__ import annotations

import bisect
import functools
import re
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from . import settings, stores
from .answer.answers import Alternative, Answer, Citation, Passage
from .answer.checks import intent_agreement, section_context, year_agreement
from .errors import InvalidQuestion, InvalidRequest, QAError, UnknownEmbedder
from .evaluation.metrics import normalise_answer
from .ingest.embedding import load_embedder
from .question.dictionary import chinese_words, common_words
from .question.glossary import chinese_terms, unmatched_words
from .question.names import chinese_names, find_pinyin
from .question.questions import analyse_question, content_bigrams
from .reader.runtime import load_reader
from .reader.scoring import (ScoredSpan, clause_overlap, confidence_of, figure_length, merge_overlapping,
                             span_features)
from .stores.folder import IndexData
from .textnorm import bigram_tokens, normalise_for_matching

HEADING_CHARS = 40
"""Lines at most this long count as section headings (for year and target context)."""

MAX_CITATIONS = 3
"""Places quoted for one answer: the best span and others stating the same answer."""

MAX_ALTERNATIVES = 3
"""Other candidate answers shown beside the answer (never as citations)."""


@dataclass
class _DocView:
    """Question-independent facts about one document, prepared at load time."""

    norm: str
    heading_starts: list[int]
    headings: list[str]
    sentence_starts: list[int]
    sentence_rows: list[int]


@dataclass(frozen=True)
class Found:
    """What retrieval gave one question: passages for the reader and what the checks need."""

    question: object
    """The `questions.Question` analysis."""
    names: dict
    hits: list
    chunks: list
    texts: list[str]


class Assistant:
    """Answers questions over one loaded index. Thread-safe for concurrent `ask` calls."""

    def __init__(self, index: IndexData, store: "stores.StoreTarget | None" = None):
        self.index = index
        self.store = store or stores.parse_store(settings.DEFAULT_INDEX_DIR)
        try:
            self.embedder = load_embedder(index.embedder_name)
        except UnknownEmbedder as exc:
            raise UnknownEmbedder(f"{exc}; or build the index anew with the bundled embedder: "
                                  f"{self.store.rebuild_hint()}") from exc
        if self.embedder.dim != index.manifest["embedder"]["dim"]:
            raise QAError(f"embedder {self.embedder.name} gives dimension {self.embedder.dim}, "
                          f"the index holds {index.manifest['embedder']['dim']}: rebuild the index")
        self.reader = load_reader()
        self._views = _views_of(index)

    @functools.cached_property
    def _all_text(self) -> str:
        """Every document's normalised text in one string, for the dictionary lookups of
        English questions (made on the first one, not at load)."""
        return "\n".join(v.norm for v in self._views.values())

    @classmethod
    def load(cls, index_dir: str | Path = settings.DEFAULT_INDEX_DIR) -> "Assistant":
        """Load the index at `index_dir`: an index folder, or a store spec such as
        `milvus-lite:index/milvus.db` (raises IndexNotFound & co. with a fix-it message)."""
        target = stores.parse_store(index_dir)
        return cls(stores.load(target), target)

    def documents(self) -> list[dict]:
        """Indexed documents: id, title, characters and chunks."""
        return [{"id": doc_id, "title": meta["title"], "chars": meta["chars"], "chunks": meta["chunks"]}
                for doc_id, meta in self.index.manifest["documents"].items()]

    def ask(self, question: str, top_k: int = settings.DEFAULT_TOP_K,
            docs: list[str] | None = None) -> Answer:
        """Answer `question` from the reports (optionally only `docs`), citing the span.

        Raises:
            InvalidQuestion: empty, whitespace-only or over MAX_QUESTION_CHARS.
            InvalidRequest: bad `top_k` or unknown document ids.
        """
        began = time.perf_counter()
        question = clean_question(question)
        top_k = check_top_k(top_k)
        docs = self.check_docs(docs)
        if not any(c.isalnum() for c in question):  # emoji, punctuation: nothing to look up
            return Answer(question, None, True, 0.0, (), (), {"retrieve": 0.0, "read": 0.0, "answer": 0.0,
                                                              "total": (time.perf_counter() - began) * 1000})
        found = self.find_passages(question, top_k, docs)
        retrieved = time.perf_counter()
        spans = self.read(found)
        read = time.perf_counter()
        candidates = merge_overlapping(self.score_spans(found, spans))
        passages = tuple(self._passage(h) for h in found.hits[:top_k])
        answer = self._answer(question, candidates, passages, found.question.language == "en")
        done = time.perf_counter()
        timings = {"retrieve": (retrieved - began) * 1000, "read": (read - retrieved) * 1000,
                   "answer": (done - read) * 1000, "total": (done - began) * 1000}
        return Answer(**{**answer, "timings_ms": timings})

    def find_passages(self, question: str, n: int = 0, docs: list[str] | None = None) -> "Found":
        """The question read, its names looked up, and the best passages retrieved: `n`, or
        more when the reader reads more (by default only those it reads). The first
        READER_PASSAGES of them (READER_PASSAGES_ENGLISH for an English question) are what the
        reader reads. An English question is searched (BM25 and query vector) with its Chinese
        words after it."""
        parsed = analyse_question(question)
        names = self._question_names(parsed)
        words = names["search"]
        query = f"{question} {''.join(words)}" if parsed.language == "en" and words else question
        query_vector = self.embedder.embed_batch([query], "query")[0]
        read = settings.READER_PASSAGES_ENGLISH if parsed.language == "en" else settings.READER_PASSAGES
        hits = self.index.search(query_vector, " ".join([question, *words]), max(n, read), docs)
        chunks = [self.index.chunks[h.row] for h in hits[:read]]
        texts = [self.index.documents[c.doc_id].text[c.start:c.end] for c in chunks]
        return Found(parsed, names, hits, chunks, texts)

    def read(self, found: "Found") -> list:
        """The reader's spans over the passages `find_passages` found (one batched call)."""
        spans = []
        for question in reader_questions(found):
            spans += self.reader.read(question, found.texts)
        return spans

    def score_spans(self, found: "Found", spans) -> list[ScoredSpan]:
        """The reader's spans placed in their documents, trap-checked and scored (not yet merged:
        the calibration fits on every candidate, overlapping ones included). A span the
        question itself holds (or, for an English question, one of the Chinese words it was
        matched to) is dropped: a question does not contain its answer."""
        from .reader.calibration import COEFFICIENTS, INTERCEPT

        parsed, names, out = found.question, found.names, []
        asked = "\n".join([parsed.normalised, *names["found"]])
        words = question_bigrams(parsed, names["found"])
        for span in spans:
            chunk = found.chunks[span.passage]
            if not all(chunk.doc_id in docs for docs in names["required"]):
                continue  # the question names a place or person this document never mentions
            start, end = chunk.start + span.start, chunk.start + span.end
            sentence, heading = self._sentence_context(chunk.doc_id, start)
            year = year_agreement(parsed, sentence, heading)
            if year < 0:
                continue  # the section is about another year than the one asked
            text = self.index.documents[chunk.doc_id].text[start:end]
            end = start + figure_length(parsed.answer_type, text)
            text = text[:end - start]
            if normalise_for_matching(text) in asked:
                continue  # the question's own words ('泉州' for '与泉州结对的是哪座城市?') never answer it
            features = span_features(span.score, span.null_score, span.passage, year,
                                     intent_agreement(parsed, sentence, heading), parsed.language == "en",
                                     parsed.answer_type, text,
                                     clause_overlap(words, self._views[chunk.doc_id].norm, start, end),
                                     parsed.items)
            out.append(ScoredSpan(chunk.doc_id, start, end, text, span.passage, features,
                                  confidence_of(features, COEFFICIENTS, INTERCEPT)))
        return out

    def check_docs(self, docs) -> list[str] | None:
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

    def _question_names(self, parsed) -> dict:
        """Names the question relies on and the documents that mention each; for an English
        question also the Chinese words it was matched to. "found", which the reader gets:
        its names by pinyin, glossary terms and ordinals, and the CC-CEDICT words for the
        English words neither matched ('2023年泉州重点项目开工' for 'How many key projects
        did Quanzhou start in 2023?'). "search", which it is searched with: those plus the
        CC-CEDICT words for all its words (钥匙 for 'key', 泉州市 for 'Quanzhou'); in the
        reader they were noise, in BM25 they ranked the answer's passage first more often.
        CC-CEDICT words are only those that occur in the reports.

        A name no document mentions only counts when it is no common word (jieba tags 海湾
        'bay' and 上门 'to drop in' as places: `dictionary.common_words`) and the question
        names nothing the reports do know (so '厦门' in a question about nothing else makes
        every document fail, while a jieba false positive beside '泉州' is ignored); names
        that no single document holds together are not required at all (jieba tags '惠及' a
        place, and only the Lishui report has it)."""
        required, unknown, found = [], [], []
        for name in chinese_names(parsed.normalised):
            docs = {d for d, v in self._views.items() if name in v.norm}
            if docs:
                required.append(docs)
            elif name not in common_words():  # jieba also tags 海湾 'bay', 上门 'to drop in'
                unknown.append(docs)
        for latin in parsed.latin_names:
            docs = set()
            for doc_id, doc in self.index.documents.items():
                chinese = find_pinyin(latin, doc.text)
                if chinese:
                    docs.add(doc_id)
                    found.append(chinese)
            (required if docs else unknown).append(docs)
        known = bool(required)
        if len(required) > 1 and not set.intersection(*required):
            required = []  # no report names them all: a tagger's false name ('惠及'), or several reports asked at once
        if unknown and not known:
            required.append(set())
        search = []
        if parsed.language == "en":
            found += chinese_terms(parsed.text)
            pinyin = {w.lower() for name in parsed.latin_names for w in name.split()}
            rest = " ".join(w for w in unmatched_words(parsed.text) if w not in pinyin)
            found += chinese_words(rest, [self._all_text])
            search = list(chinese_words(parsed.text, [self._all_text]))
        found = list(dict.fromkeys(found))
        return {"required": required, "found": found, "search": list(dict.fromkeys(found + search))}

    def _sentence_bounds(self, doc_id: str, position: int) -> tuple[int, int]:
        """[start, end) of the indexed sentence holding `position` (the line, if none does)."""
        view = self._views[doc_id]
        i = bisect.bisect_right(view.sentence_starts, position) - 1
        if i >= 0:
            sentence = self.index.sentences[view.sentence_rows[i]]
            if sentence.start <= position < sentence.end:
                return sentence.start, sentence.end
        text = self.index.documents[doc_id].text
        return text.rfind("\n", 0, position) + 1, (text.find("\n", position) + 1 or len(text) + 1) - 1

    def _sentence_context(self, doc_id: str, position: int) -> tuple[str, str]:
        """The normalised sentence around `position` and the headings of its section."""
        view = self._views[doc_id]
        start, end = self._sentence_bounds(doc_id, position)
        h = bisect.bisect_right(view.heading_starts, start) - 1
        return view.norm[start:end], section_context(view.headings[:h + 1])

    def _passage(self, hit) -> Passage:
        chunk = self.index.chunks[hit.row]
        text = self.index.documents[chunk.doc_id].text[chunk.start:chunk.end]
        return Passage(chunk.doc_id, chunk.start, chunk.end, text, round(hit.score, 6))

    def _answer(self, question: str, candidates: list[ScoredSpan], passages, english: bool) -> dict:
        from .reader.calibration import ABSTAIN_BELOW, ABSTAIN_BELOW_ENGLISH

        if not candidates or candidates[0].confidence < (ABSTAIN_BELOW_ENGLISH if english else ABSTAIN_BELOW):
            return dict(question=question, answer=None, abstained=True,
                        confidence=candidates[0].confidence if candidates else 0.0,
                        citations=(), passages=passages, alternatives=())
        best = candidates[0]
        same = normalise_answer(best.text)
        supporting = [c for c in candidates if normalise_answer(c.text) == same][:MAX_CITATIONS]
        others = [c for c in candidates if normalise_answer(c.text) != same][:MAX_ALTERNATIVES]
        return dict(question=question, answer=best.text, abstained=False, confidence=best.confidence,
                    citations=tuple(self._citation(c) for c in supporting), passages=passages,
                    alternatives=tuple(Alternative(c.doc_id, c.start, c.end, c.text, round(c.confidence, 4))
                                       for c in others))

    def _citation(self, span: ScoredSpan) -> Citation:
        doc = self.index.documents[span.doc_id]
        quote_start, quote_end = self._sentence_bounds(span.doc_id, span.start)
        quote_end = max(quote_end, span.end)
        return Citation(doc=span.doc_id, title=doc.title, start=span.start, end=span.end,
                        quote=doc.text[quote_start:quote_end], quote_start=quote_start,
                        quote_end=quote_end, page=doc.page_at(span.start),
                        score=round(span.confidence, 4))


_LATIN_OR_DIGITS = re.compile(r"[0-9a-z.%]+")


def question_bigrams(parsed, found_words) -> set[str]:
    """The Chinese character bigrams a question is about, for `scoring.clause_overlap`: a
    Chinese question's content (question words and years left out), or the Chinese words an
    English question's names and terms were matched to."""
    bigrams = ({b for word in found_words for b in bigram_tokens(normalise_for_matching(word))}
               if parsed.language == "en" else content_bigrams(parsed))
    return {b for b in bigrams if not _LATIN_OR_DIGITS.fullmatch(b)}


CHINESE_INTERROGATIVES = {"number": "多少", "percent": "百分之多少", "date": "什么时候", "person": "谁",
                          "place": "哪里", "org": "哪个机构", "phrase": "什么", "explain": "如何"}
"""How a Chinese question asks for each answer kind (`questions.ANSWER_TYPES`)."""


def reader_questions(found: Found, form: str | None = None) -> list[str]:
    """The question as the reader gets it. A Chinese one as asked; an English one in the
    form `settings.ENGLISH_QUESTION_FORM` names, built from a Chinese keyword question: its
    years, the Chinese words its names and report terms were matched to (pinyin, glossary)
    and the interrogative of its answer kind ('Who is the Party secretary of Wenzhou?' →
    '温州书记谁？')."""
    parsed, terms = found.question, found.names["found"]
    form = form or settings.ENGLISH_QUESTION_FORM
    if parsed.language != "en" or not terms or form == "asked":
        return [parsed.text]
    years = "".join(f"{year}年" for year in parsed.years)
    keywords = f"{years}{''.join(terms)}{CHINESE_INTERROGATIVES[parsed.answer_type]}？"
    return {"keywords": [keywords], "appended": [f"{parsed.text} {keywords}"],
            "both": [keywords, parsed.text]}[form]


def _views_of(index: IndexData) -> dict[str, _DocView]:
    """Normalised text, headings and sentence starts of every document (one pass over rows)."""
    rows: dict[str, list[int]] = {doc_id: [] for doc_id in index.documents}
    for i, sentence in enumerate(index.sentences):
        rows[sentence.doc_id].append(i)
    return {doc_id: _view_of(doc.text, rows[doc_id], index) for doc_id, doc in index.documents.items()}


def _view_of(text: str, rows: list[int], index: IndexData) -> _DocView:
    norm = normalise_for_matching(text)
    heading_starts, headings, offset = [], [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if 0 < len(stripped) <= HEADING_CHARS:
            heading_starts.append(offset)
            headings.append(norm[offset:offset + len(line)].strip())
        offset += len(line) + 1
    return _DocView(norm, heading_starts, headings, [index.sentences[i].start for i in rows], rows)


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


def check_top_k(top_k) -> int:
    """`top_k` as an int in [1, MAX_TOP_K], or InvalidRequest."""
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= settings.MAX_TOP_K:
        raise InvalidRequest(f"top_k must be an integer from 1 to {settings.MAX_TOP_K}")
    return top_k
