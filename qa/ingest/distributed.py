"""`qa index --ray`: read, clean, chunk and embed new documents on a Ray cluster.

Ray Data does the work the single process does in `indexing`, with the same functions:
`read_document` (decode and clean) and `assembly.split_units` (chunks and sentences) as a `map`
over files, then the embedder in an actor pool (`map_batches` with `concurrency`
workers, so each worker loads the model once). The driver keeps what needs the whole
corpus: deciding what changed (content hashes), the removal rules and the store write.
Without `--ray` nothing here is imported, and neither is Ray.

Every worker must see the source files at the same paths (one machine, or a shared
filesystem on a cluster). `address=None` starts a local Ray with `workers` CPUs.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from ..core import Chunk, Document, Sentence, make_chunk_id
from ..errors import QAError, SkippedFile
from .assembly import DocUnits, embed_texts, split_units
from .documents import read_document


class RayIndexer:
    """Reads and embeds documents through Ray; `prepared` keeps each one's units and vectors
    for `assembly.assemble_index`."""

    def __init__(self, address: str | None, workers: int, embedder_name: str):
        try:
            import ray
        except ImportError:
            raise QAError("--ray needs the scale extra: pip install -e '.[scale]'") from None
        if workers < 1:
            raise QAError("--ray-workers must be at least 1")
        self.workers, self.embedder_name = workers, embedder_name
        self.prepared: dict[str, DocUnits] = {}
        self._started = not ray.is_initialized()
        if self._started:
            os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")
            os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")  # the C++ core's info lines
            kwargs = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
            try:
                if address:
                    ray.init(address=address, **kwargs)
                else:
                    ray.init(num_cpus=workers, **kwargs)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise QAError(f"cannot start or reach Ray at {address or 'local'} ({exc})") from exc
        logging.getLogger("ray.data").setLevel(logging.WARNING)

    def close(self) -> None:
        """Stop the local Ray this indexer started (a cluster it joined keeps running)."""
        import ray

        if self._started:
            ray.shutdown()

    def read_many(self, paths: dict[str, Path]) -> dict[str, object]:
        """{doc id: Document or the error that skipped it}, as `indexing._read_changed` wants."""
        import ray

        items = [{"doc_id": d, "path": str(p)} for d, p in paths.items()]
        docs = ray.data.from_items(items, override_num_blocks=min(len(items), 4 * self.workers)) \
            .map(_read_and_split).materialize()
        chunks = docs.map_batches(  # the actors cut the chunk texts themselves: no task needs a CPU beside them
            _EmbedChunks, fn_constructor_kwargs={"embedder_name": self.embedder_name},
            batch_size=1, compute=ray.data.ActorPoolStrategy(size=self.workers), num_cpus=1,
            batch_format="pandas")
        vectors: dict[str, dict[tuple[int, int], np.ndarray]] = {}
        for batch in chunks.iter_batches(batch_size=1024, batch_format="numpy"):
            for doc_id, start, end, vector in zip(batch["doc_id"], batch["start"], batch["end"], batch["vector"]):
                vectors.setdefault(str(doc_id), {})[(int(start), int(end))] = vector
        out: dict[str, object] = {}
        for row in docs.iter_rows():
            doc_id = row["doc_id"]
            if row["error"]:
                out[doc_id] = SkippedFile(row["error"])
                continue
            doc = Document(doc_id, row["title"], row["text"], row["sha256"], tuple(int(p) for p in row["page_starts"]))
            spans = [(int(s), int(e)) for s, e in np.asarray(row["chunks"]).reshape(-1, 2)]
            mine = vectors.get(doc_id, {})
            self.prepared[doc_id] = DocUnits(
                [Chunk(make_chunk_id(doc_id, s, e), doc_id, s, e) for s, e in spans],
                [Sentence(doc_id, int(s), int(e)) for s, e in np.asarray(row["sentences"]).reshape(-1, 2)],
                np.vstack([mine[span] for span in spans]).astype(np.float32) if spans
                else np.zeros((0, 0), np.float32))
            out[doc_id] = doc
        return out


def _read_and_split(row: dict) -> dict:
    """One file → its document fields and unit offsets (runs on a Ray worker)."""
    empty = np.zeros((0, 2), np.int64)
    try:
        doc = read_document(Path(row["path"]), row["doc_id"])
    except (SkippedFile, OSError) as exc:
        return dict(doc_id=row["doc_id"], error=str(getattr(exc, "strerror", None) or exc), title="", text="",
                    sha256="", page_starts=np.zeros(0, np.int64), chunks=empty, sentences=empty)
    units = split_units(doc)
    return dict(doc_id=doc.doc_id, error="", title=doc.title, text=doc.text, sha256=doc.sha256,
                page_starts=np.asarray(doc.page_starts, np.int64), chunks=_offsets(units.chunks),
                sentences=_offsets(units.sentences))


def _offsets(spans) -> np.ndarray:
    return np.asarray([(u.start, u.end) for u in spans], np.int64).reshape(-1, 2)


class _EmbedChunks:
    """A Ray actor holding one embedder: a document row in, its chunk rows with passage
    vectors out (embedded EMBED_BATCH_SIZE at a time, as the single process does)."""

    def __init__(self, embedder_name: str):
        from .embedding import load_embedder

        self.embedder = load_embedder(embedder_name)

    def __call__(self, docs):
        import pandas as pd

        rows = []
        for _, doc in docs.iterrows():
            spans = np.asarray(doc["chunks"]).reshape(-1, 2)
            if not len(spans):
                continue
            vectors = embed_texts([doc["text"][s:e] for s, e in spans], self.embedder, progress=False)
            rows += [dict(doc_id=doc["doc_id"], start=int(s), end=int(e), vector=v)
                     for (s, e), v in zip(spans, vectors)]
        return pd.DataFrame(rows, columns=["doc_id", "start", "end", "vector"])
