"""The assistant: load an index once, then answer questions with cited spans.

`Assistant.ask` runs the pipeline: check the question, embed it, retrieve passages,
collect their sentences with context, choose a span, attach a confidence and abstain
below the calibrated threshold. Everything per-document that does not depend on the
question (normalised text, section headings, sentence rows) is prepared at load time.
"""

from __future__ import annotations

import bisect
import math
import re
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import settings
from .answers import Answer, Citation, Passage
from .embedding import load_embedder
from .errors import InvalidQuestion, InvalidRequest, QAError
from .extraction import SentenceContext, choose_answer, confidence_of
from .glossary import chinese_terms
from .names import chinese_names, find_pinyin
from .questions import analyse_question
from .retrieval import retrieve
from .store import IndexData, load_index
from .textnorm import normalise_for_matching

HEADING_CHARS = 40
"""Lines at most this long count as section headings (for year and target context)."""


@dataclass
class _DocView:
    """Question-independent facts about one document, prepared at load time."""

    norm: str
    heading_starts: list[int]
    headings: list[str]
    sentence_starts: list[int]
    sentence_rows: list[int]
    clause_starts: list[int]
    clause_rows: list[int]


class Assistant:
    """Answers questions over one loaded index. Thread-safe for concurrent `ask` calls."""

    def __init__(self, index: IndexData, index_dir: Path | None = None):
        self.index = index
        self.index_dir = index_dir
        self.embedder = load_embedder(index.embedder_name)
        if self.embedder.dim != index.manifest["embedder"]["dim"]:
            raise QAError(f"embedder {self.embedder.name} gives dimension {self.embedder.dim}, "
                          f"the index holds {index.manifest['embedder']['dim']}: rebuild the index")
        self._views = {doc_id: _view_of(doc.text, doc_id, index) for doc_id, doc in index.documents.items()}
        self._idf = sentence_idf(index, self._views)

    @classmethod
    def load(cls, index_dir: str | Path = settings.DEFAULT_INDEX_DIR) -> "Assistant":
        """Load the index at `index_dir` (raises IndexNotFound & co. with a fix-it message)."""
        index_dir = Path(index_dir)
        return cls(load_index(index_dir), index_dir)

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
            return Answer(question, None, True, 0.0, (), (), {"retrieve": 0.0, "answer": 0.0, "total":
                                                              (time.perf_counter() - began) * 1000})
        parsed = analyse_question(question)
        names = self._question_names(parsed)
        query_vector = self.embedder.embed_batch([question], "query")[0]
        lexical_query = " ".join([question, *names["found"]])
        hits = retrieve(self.index, query_vector, lexical_query,
                        max(top_k, settings.ANSWER_PASSAGES), docs)
        retrieved = time.perf_counter()
        sentences = self._sentences_of(hits[:settings.ANSWER_PASSAGES], query_vector, names)
        candidates = choose_answer(parsed, sentences, tuple(names["found"]), self._idf)
        passages = tuple(self._passage(h) for h in hits[:top_k])
        answer = self._answer(question, candidates, passages)
        done = time.perf_counter()
        timings = {"retrieve": (retrieved - began) * 1000, "answer": (done - retrieved) * 1000,
                   "total": (done - began) * 1000}
        return Answer(**{**answer, "timings_ms": timings})

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
        """Names the question relies on and the documents that mention each.

        A name no document mentions only counts when the question names nothing the
        reports do know (so '厦门' in a question about nothing else makes every document
        fail, while a jieba false positive beside '泉州' is ignored)."""
        required, unknown, found = [], [], []
        for name in chinese_names(parsed.normalised):
            docs = {d for d, v in self._views.items() if name in v.norm}
            (required if docs else unknown).append(docs)
        for latin in parsed.latin_names:
            docs = set()
            for doc_id, doc in self.index.documents.items():
                chinese = find_pinyin(latin, doc.text)
                if chinese:
                    docs.add(doc_id)
                    found.append(chinese)
            (required if docs else unknown).append(docs)
        if unknown and not required:
            required.append(set())
        if parsed.language == "en":
            found += chinese_terms(parsed.text)
        return {"required": required, "found": list(dict.fromkeys(found))}

    def _sentences_of(self, hits, query_vector: np.ndarray, names: dict) -> list[SentenceContext]:
        seen, out = set(), []
        for rank, hit in enumerate(hits):
            chunk = self.index.chunks[hit.row]
            view = self._views[chunk.doc_id]
            lo = bisect.bisect_right(view.sentence_starts, chunk.start) - 1
            hi = bisect.bisect_left(view.sentence_starts, chunk.end)
            for row in view.sentence_rows[max(lo, 0):hi]:
                if row in seen:
                    continue
                seen.add(row)
                out.append(self._context(row, rank, query_vector, names))
        return out

    def _context(self, row: int, rank: int, query_vector, names: dict) -> SentenceContext:
        sentence = self.index.sentences[row]
        view = self._views[sentence.doc_id]
        h = bisect.bisect_right(view.heading_starts, sentence.start) - 1
        heading = section_context(view.headings[:h + 1])
        text = self.index.documents[sentence.doc_id].text[sentence.start:sentence.end]
        lo = bisect.bisect_left(view.clause_starts, sentence.start)
        hi = bisect.bisect_left(view.clause_starts, sentence.end)
        clauses = tuple((self.index.clauses[r].start - sentence.start, self.index.clauses[r].end - sentence.start,
                         float(self.index.clause_vectors[r] @ query_vector)) for r in view.clause_rows[lo:hi])
        return SentenceContext(
            row=row, doc_id=sentence.doc_id, start=sentence.start, end=sentence.end, text=text,
            norm=view.norm[sentence.start:sentence.end], heading=heading, passage_rank=rank,
            dense=float(self.index.sentence_vectors[row] @ query_vector),
            doc_has_names=all(sentence.doc_id in docs for docs in names["required"]),
            clause_dense=clauses)

    def _passage(self, hit) -> Passage:
        chunk = self.index.chunks[hit.row]
        text = self.index.documents[chunk.doc_id].text[chunk.start:chunk.end]
        return Passage(chunk.doc_id, chunk.start, chunk.end, text, round(hit.score, 6))

    def _answer(self, question: str, candidates, passages) -> dict:
        from .calibration import ABSTAIN_BELOW

        if not candidates:
            return dict(question=question, answer=None, abstained=True, confidence=0.0,
                        citations=(), passages=passages)
        confidence = confidence_of(candidates[0], candidates[1] if len(candidates) > 1 else None)
        citations, quoted = [], set()
        for cand in candidates:
            if cand.sentence.row in quoted or len(citations) == 3:
                continue
            quoted.add(cand.sentence.row)
            citations.append(self._citation(cand))
        abstained = confidence < ABSTAIN_BELOW
        return dict(question=question, answer=None if abstained else citations[0].quote[
            citations[0].start - citations[0].quote_start:citations[0].end - citations[0].quote_start],
            abstained=abstained, confidence=confidence,
            citations=() if abstained else tuple(citations), passages=passages)

    def _citation(self, cand) -> Citation:
        s = cand.sentence
        doc = self.index.documents[s.doc_id]
        start, end = s.start + cand.span.start, s.start + cand.span.end
        return Citation(doc=s.doc_id, title=doc.title, start=start, end=end, quote=s.text,
                        quote_start=s.start, quote_end=s.end, page=doc.page_at(start),
                        score=round(cand.score, 4))


def sentence_idf(index: IndexData, views: dict) -> dict[str, float]:
    """Smoothed inverse document frequency of each bigram over all sentences."""
    from collections import Counter

    from .textnorm import bigram_tokens

    counts: Counter = Counter()
    for sentence in index.sentences:
        counts.update(set(bigram_tokens(views[sentence.doc_id].norm[sentence.start:sentence.end])))
    n = len(index.sentences)
    return {term: math.log((n + 1) / (df + 1)) + 1.0 for term, df in counts.items()}


_YEAR_HEADING = re.compile(r"(?:19|20)\d{2}年")
_INTENT_HEADING = re.compile(r"目标|任务|计划|安排|部署|回顾|成绩|总结|成效|重点做好")


def section_context(headings_before: list[str]) -> str:
    """The headings that frame a sentence: the nearest one, the nearest naming a year and
    the nearest naming targets or a review ('二、2024年工作目标任务'), joined."""
    picked = headings_before[-1:]
    for pattern in (_YEAR_HEADING, _INTENT_HEADING):
        nearest = next((h for h in reversed(headings_before) if pattern.search(h)), None)
        if nearest and nearest not in picked:
            picked.insert(0, nearest)
    return " ".join(picked)


def _view_of(text: str, doc_id: str, index: IndexData) -> _DocView:
    norm = normalise_for_matching(text)
    heading_starts, headings, offset = [], [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if 0 < len(stripped) <= HEADING_CHARS:
            heading_starts.append(offset)
            headings.append(norm[offset:offset + len(line)].strip())
        offset += len(line) + 1
    rows = [i for i, s in enumerate(index.sentences) if s.doc_id == doc_id]
    clause_rows = [i for i, c in enumerate(index.clauses) if c.doc_id == doc_id]
    return _DocView(norm, heading_starts, headings, [index.sentences[i].start for i in rows], rows,
                    [index.clauses[i].start for i in clause_rows], clause_rows)


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
