"""Cut documents into overlapping passages and sentences, keeping exact offsets.

LangChain's recursive splitter does the cutting with Chinese-aware separators: paragraph,
line, sentence ends (。！？； and ASCII relatives), then commas, so a chunk only breaks a
sentence when that sentence alone is longer than the chunk. It runs over each content
region (see `cleaning`) with broken line wraps joined, and every piece is located back in
the original text, so `doc.text[chunk.start:chunk.end]` is the chunk, always.
"""

from __future__ import annotations

import re

from .. import settings
from ..core import Chunk, Document, Sentence, make_chunk_id
from .cleaning import find_content_regions, join_broken_lines

SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", "!", "?", ";", "…", "，", ",", "、", " ", ""]
"""Split points, coarsest first; the splitter only descends when a piece is still too big."""

_SENTENCE = re.compile(r"(?:[^。！？；!?;\n]|\?\?+)*(?:[。！？；!?;]+[”’」』）)]*|\n|$)")
"""A sentence runs to 。！？； (or ASCII relatives) and any closing quotes; a run of two
or more '?' is a mojibake marker (bytes that failed to decode), not a sentence end."""


def chunk_document(doc: Document, chunk_chars: int = settings.CHUNK_CHARS,
                   overlap_chars: int = settings.OVERLAP_CHARS) -> list[Chunk]:
    """Chunks covering every content region of `doc`, in document order."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        separators=SEPARATORS, keep_separator="end", chunk_size=chunk_chars,
        chunk_overlap=overlap_chars, strip_whitespace=True, add_start_index=True,
    )
    chunks = []
    for region_start, region_end in find_content_regions(doc.text):
        view = join_broken_lines(doc.text[region_start:region_end])
        previous = -1
        for piece in splitter.create_documents([view]):
            start = previous = locate_piece(view, piece.page_content, piece.metadata["start_index"], previous)
            span = (region_start + start, region_start + start + len(piece.page_content))
            chunks.append(Chunk(make_chunk_id(doc.doc_id, *span), doc.doc_id, *span))
    return chunks


def locate_piece(text: str, piece: str, start_index: int, previous: int = -1) -> int:
    """Where `piece` starts in `text`, after the previous piece's start `previous`.
    LangChain's `start_index` searches on from the end of the previous chunk less the
    overlap, so text that repeats an earlier passage is placed on its own copy; but when
    the overlap reaches back past the previous chunk's start it can land on an earlier copy
    (';；;' in chunks of 8 with overlap 2 gave ';' at 0 twice), so a piece is only placed
    after the previous one. The first occurrence is a last fallback should all else miss."""
    if previous < start_index and text.startswith(piece, start_index):
        return start_index
    after = text.find(piece, previous + 1)
    return after if after >= 0 else text.find(piece)


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



def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) so it neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
