"""The folder store: read and write an index directory (the default store).

Layout: `manifest.json` (format version, embedder, chunk settings, per-document hashes,
and the name and checksums of the current data folder) beside one `data-<id>/` folder
with the FAISS index, the BM25 index, vectors and offsets as numpy arrays
(allow_pickle=False) and the documents' text. A build writes a new data folder, then
swaps `manifest.json` in with one atomic rename: a run killed at any moment leaves the
previous manifest, and so the previous index, intact. A lock file keeps writers apart.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import settings
from ..errors import IndexCorrupted, IndexLocked, IndexMismatch, IndexNotFound
from ..ingest.chunking import Chunk, Sentence, make_chunk_id
from ..ingest.documents import Document

MANIFEST = "manifest.json"
LOCK = ".lock"


@dataclass
class IndexData:
    """Everything a loaded index holds; built by `indexing`, queried by `retrieval`."""

    manifest: dict
    documents: dict[str, Document]
    chunks: list[Chunk]
    sentences: list[Sentence]
    chunk_vectors: np.ndarray
    dense: object
    lexical: object

    @property
    def embedder_name(self) -> str:
        return self.manifest["embedder"]["name"]

    def search(self, query_vector: np.ndarray, question: str, n: int, docs: list[str] | None = None) -> list:
        """The `n` best chunks (`retrieval.Hit`) by fused dense (FAISS) and BM25 (bm25s) rank."""
        from .retrieval import retrieve

        return retrieve(self, query_vector, question, n, docs)


def rebuild_hint(index_dir: Path) -> str:
    return f"run `qa index seeds/ --index-dir {index_dir}` to rebuild it"


@contextlib.contextmanager
def lock_index(index_dir: Path):
    """Hold the index's writer lock, or fail at once if another writer holds it.

    Raises:
        IndexLocked: another process is writing this index.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexLocked(f"another `qa index` is writing {index_dir}/; wait for it to finish "
                              "and run again") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_manifest(index_dir: Path) -> dict:
    """The parsed manifest, validated for format version and required keys."""
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexNotFound(f"no index at {index_dir}/ — run `qa index seeds/ --index-dir {index_dir}`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        version = manifest["format_version"]
        problem = manifest_problem(manifest)
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        problem = exc.__class__.__name__
    if problem:
        raise IndexCorrupted(f"the index manifest at {path} is unreadable ({problem}); "
                             f"{rebuild_hint(index_dir)}")
    if version != settings.INDEX_FORMAT_VERSION:
        raise IndexMismatch(f"the index at {index_dir}/ has format {version}, this version reads "
                            f"{settings.INDEX_FORMAT_VERSION}; {rebuild_hint(index_dir)}")
    return manifest


def manifest_problem(manifest: dict) -> str | None:
    """What is wrong with the manifest's shape (a key of the wrong type), or None."""
    embedder, files, documents = manifest["embedder"], manifest["files"], manifest["documents"]
    checks = [
        (isinstance(manifest["format_version"], int), "format_version is not a number"),
        (isinstance(embedder, dict) and isinstance(embedder.get("name"), str)
         and isinstance(embedder.get("dim"), int), "embedder needs a name and an integer dim"),
        (isinstance(files, dict) and all(isinstance(v, dict) and isinstance(v.get("bytes"), int)
                                         and isinstance(v.get("blake2b"), str) for v in files.values()),
         "files must map names to sizes and digests"),
        (isinstance(documents, dict) and all(isinstance(v, dict) for v in documents.values()),
         "documents must map ids to entries"),
        (isinstance(manifest["data_dir"], str) and re.fullmatch(r"data-[0-9a-f]+", manifest["data_dir"]),
         "data_dir is not a data folder name"),
    ]
    return next((message for ok, message in checks if not ok), None)


def load_index(index_dir: Path) -> IndexData:
    """Load and check an index written by `save_index`.

    Raises:
        IndexNotFound, IndexCorrupted, IndexMismatch: with what to run to fix it.
    """
    import bm25s
    import faiss

    manifest = read_manifest(index_dir)
    data = index_dir / manifest["data_dir"]
    verify_files(data, manifest["files"], index_dir)
    try:
        texts = json.loads((data / "texts.json").read_text(encoding="utf-8"))
        documents = {doc_id: Document(doc_id, meta["title"], texts[doc_id], meta["sha256"],
                                      tuple(meta.get("page_starts", ())))
                     for doc_id, meta in manifest["documents"].items()}
        doc_ids = list(manifest["documents"])
        chunks = [Chunk(make_chunk_id(doc_ids[d], s, e), doc_ids[d], int(s), int(e))
                  for d, s, e in np.load(data / "chunks.npy", allow_pickle=False).tolist()]
        sentences = [Sentence(doc_ids[d], int(s), int(e))
                     for d, s, e in np.load(data / "sentences.npy", allow_pickle=False).tolist()]
        chunk_vectors = np.load(data / "chunk_vectors.npy", allow_pickle=False)
        dense = faiss.read_index(str(data / "dense.faiss"))
        with contextlib.redirect_stderr(open(os.devnull, "w")):
            lexical = bm25s.BM25.load(str(data / "bm25"), show_progress=False) if chunks else None
    except (OSError, ValueError, KeyError, IndexError, RuntimeError, TypeError) as exc:
        raise IndexCorrupted(f"the index at {index_dir}/ is damaged ({exc.__class__.__name__}); "
                             f"{rebuild_hint(index_dir)}") from exc
    dim = manifest["embedder"]["dim"]
    if chunk_vectors.shape != (len(chunks), dim) or dense.d != dim or dense.ntotal != len(chunks):
        raise IndexMismatch(f"the index at {index_dir}/ holds vectors that do not match its manifest "
                            f"({manifest['embedder']['name']}, dim {dim}); {rebuild_hint(index_dir)}")
    return IndexData(manifest, documents, chunks, sentences, chunk_vectors, dense, lexical)


def save_index(index_dir: Path, index: IndexData) -> None:
    """Write `index` to a new data folder, then swap the manifest in atomically."""
    import faiss

    data_name = f"data-{uuid.uuid4().hex[:12]}"
    data = index_dir / data_name
    data.mkdir(parents=True)
    doc_pos = {doc_id: i for i, doc_id in enumerate(index.documents)}
    np.save(data / "chunks.npy", _offsets(index.chunks, doc_pos), allow_pickle=False)
    np.save(data / "sentences.npy", _offsets(index.sentences, doc_pos), allow_pickle=False)
    np.save(data / "chunk_vectors.npy", index.chunk_vectors, allow_pickle=False)
    faiss.write_index(index.dense, str(data / "dense.faiss"))
    if index.lexical is not None:
        index.lexical.save(str(data / "bm25"), show_progress=False)
    texts = {doc_id: doc.text for doc_id, doc in index.documents.items()}
    (data / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    manifest = dict(index.manifest, data_dir=data_name, files=checksum_files(data))
    _sync_tree(data)
    write_atomically(index_dir / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    index.manifest = manifest
    remove_stale_data(index_dir, keep=data_name)


def _offsets(spans, doc_pos: dict[str, int]) -> np.ndarray:
    rows = [(doc_pos[s.doc_id], s.start, s.end) for s in spans]
    return np.asarray(rows, dtype=np.int64).reshape(len(rows), 3)


def checksum_files(folder: Path) -> dict[str, dict]:
    """Size and BLAKE2b digest of every file under `folder`, by relative path."""
    return {str(p.relative_to(folder)): {"bytes": p.stat().st_size, "blake2b": _digest(p)}
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "blake2b").hexdigest()[:32]


def verify_files(data: Path, files: dict, index_dir: Path) -> None:
    """Raise IndexCorrupted if a data file is missing, truncated or altered."""
    for name, expected in files.items():
        path = data / name
        if not path.is_file() or path.stat().st_size != expected["bytes"] \
                or _digest(path) != expected["blake2b"]:
            raise IndexCorrupted(f"the index at {index_dir}/ is damaged ({name} is missing or "
                                 f"altered); {rebuild_hint(index_dir)}")


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` so readers see the old file or the new one, never a mix."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _sync_tree(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            with open(p, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_data(index_dir: Path, keep: str) -> None:
    """Delete data folders and temp files left by earlier or killed builds."""
    for path in index_dir.iterdir():
        if path.name.startswith("data-") and path.name != keep and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(f".{MANIFEST}.") and path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)


def load_target(target, vectors: bool = False) -> IndexData:
    """`stores.load` for a folder (vectors are always loaded: they are one small file)."""
    return load_index(target.folder)


def save_target(target, index: IndexData) -> None:
    save_index(target.folder, index)


def read_target_manifest(target) -> dict:
    return read_manifest(target.folder)


def cleanup_target(target, keep: str | None) -> None:
    if keep is None:
        keep = read_manifest(target.folder)["data_dir"]
    remove_stale_data(target.folder, keep)
