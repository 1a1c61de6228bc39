"""Cut documents into overlapping passages and sentences, keeping exact offsets.

LangChain's recursive splitter does the cutting with Chinese-aware separators: paragraph,
line, sentence ends (。！？； and ASCII relatives), then commas, so a chunk only breaks a
sentence when that sentence alone is longer than the chunk. It runs over each content
region (see `cleaning`) with broken line wraps joined, and every piece is located back in
the original text, so `doc.text[chunk.start:chunk.end]` is the chunk, always.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from . import settings
from .cleaning import find_content_regions, join_broken_lines
from .documents import Document

SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", "!", "?", ";", "…", "，", ",", "、", " ", ""]
"""Split points, coarsest first; the splitter only descends when a piece is still too big."""

_SENTENCE = re.compile(r"(?:[^。！？；!?;\n]|\?\?+)*(?:[。！？；!?;]+[”’」』）)]*|\n|$)")
"""A sentence runs to 。！？； (or ASCII relatives) and any closing quotes; a run of two
or more '?' is a mojibake marker (bytes that failed to decode), not a sentence end."""


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: [start, end) in the original text, with a stable id."""

    chunk_id: str
    doc_id: str
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    """A sentence of a document, the unit answers are quoted from."""

    doc_id: str
    start: int
    end: int


def chunk_document(doc: Document, chunk_chars: int = settings.CHUNK_CHARS,
                   overlap_chars: int = settings.OVERLAP_CHARS) -> list[Chunk]:
    """Chunks covering every content region of `doc`, in document order."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        separators=SEPARATORS, keep_separator="end", chunk_size=chunk_chars,
        chunk_overlap=overlap_chars, strip_whitespace=True,
    )
    chunks = []
    for region_start, region_end in find_content_regions(doc.text):
        view = join_broken_lines(doc.text[region_start:region_end])
        for start, end in locate_pieces(view, splitter.split_text(view)):
            span = (region_start + start, region_start + end)
            chunks.append(Chunk(make_chunk_id(doc.doc_id, *span), doc.doc_id, *span))
    return chunks


def locate_pieces(text: str, pieces: list[str]) -> list[tuple[int, int]]:
    """Offsets of consecutive, possibly overlapping `pieces` of `text`, found in order."""
    spans, cursor = [], 0
    for piece in pieces:
        start = text.find(piece, cursor)
        if start < 0:  # overlap pushed the cursor past it: search from the last start
            start = text.find(piece, spans[-1][0] if spans else 0)
        spans.append((start, start + len(piece)))
        cursor = start + 1
    return spans


def make_chunk_id(doc_id: str, start: int, end: int) -> str:
    """Stable id: the same document span always gets the same id."""
    return hashlib.sha1(f"{doc_id}:{start}:{end}".encode()).hexdigest()[:16]


def split_sentences(doc: Document) -> list[Sentence]:
    """Sentences of every content region, trimmed of surrounding whitespace."""
    sentences = []
    for region_start, region_end in find_content_regions(doc.text):
        view = join_broken_lines(doc.text[region_start:region_end])
        for match in _SENTENCE.finditer(view):
            start, end = trim_span(view, match.start(), match.end())
            if end > start:
                sentences.append(Sentence(doc.doc_id, region_start + start, region_start + end))
    return sentences


_CLAUSE_BREAK = re.compile(r"[，,；;：:。！？!?]")


def clause_offsets(text: str) -> list[tuple[int, int]]:
    """(start, end) of each clause of a sentence: the runs between commas, semicolons and
    colons, trimmed of whitespace."""
    spans, start = [], 0
    for match in list(_CLAUSE_BREAK.finditer(text)) + [None]:
        end = match.start() if match else len(text)
        lo, hi = trim_span(text, start, end)
        if hi > lo:
            spans.append((lo, hi))
        start = match.end() if match else end
    return spans


def split_clauses(doc: Document, sentences: list[Sentence]) -> list[Sentence]:
    """Clauses of every sentence that has more than one, as document spans (embedded at
    index time so an answer can be placed by meaning, not only by shared characters)."""
    clauses = []
    for sentence in sentences:
        parts = clause_offsets(doc.text[sentence.start:sentence.end])
        if len(parts) > 1:
            clauses += [Sentence(doc.doc_id, sentence.start + a, sentence.start + b) for a, b in parts]
    return clauses


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) so it neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
