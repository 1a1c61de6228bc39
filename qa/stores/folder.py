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
import hashlib
import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from ..core import Chunk, Document, IndexData, Sentence, make_chunk_id
from ..errors import IndexCorrupted, IndexMismatch, IndexNotFound
from ..files import sync_tree, write_atomically
from .retrieval import retrieve, searchable_index
from .target import StoreTarget, check_loaded, check_manifest, lock_index, parse_store  # noqa: F401 (lock_index: API)

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class FolderStore:
    """An index in a local folder: FAISS and bm25s files, searched in this process."""

    target: StoreTarget
    searches_itself: ClassVar[bool] = False
    """False: whoever builds an index for this store builds its FAISS and BM25 structures."""

    def read_manifest(self) -> dict:
        return read_manifest(self.target.folder)

    def version(self) -> str | None:
        """The manifest file's identity: every save renames a new one in (a new inode)."""
        try:
            stat = (self.target.folder / MANIFEST).stat()
        except OSError:
            return None
        return f"{stat.st_ino}:{stat.st_mtime_ns}:{stat.st_size}"

    def load(self, vectors: bool = False) -> IndexData:
        """The live index (vectors are always loaded: they are one small file)."""
        return load_index(self.target.folder)

    def save(self, index: IndexData) -> None:
        save_index(self.target.folder, index)

    def cleanup(self, keep: str | None = None) -> None:
        """Delete data folders and temp files left by earlier or killed builds."""
        remove_stale_data(self.target.folder, keep or read_manifest(self.target.folder)["data_dir"])

    def remove(self, index: IndexData, doc_id: str) -> int:
        """Save `index` without `doc_id` (no vector is recomputed); returns the chunks left."""
        kept = without_document(index, doc_id)
        self.save(kept)
        return len(kept.chunks)


def without_document(index: IndexData, doc_id: str) -> IndexData:
    """`index` less one document: its rows dropped, FAISS and BM25 rebuilt over the rest."""
    rows = [i for i, c in enumerate(index.chunks) if c.doc_id != doc_id]
    chunks = [index.chunks[i] for i in rows]
    vectors = np.ascontiguousarray(index.chunk_vectors[rows], dtype=np.float32).reshape(len(rows), -1) \
        if rows else np.zeros((0, index.manifest["embedder"]["dim"]), np.float32)
    documents = {d: doc for d, doc in index.documents.items() if d != doc_id}
    manifest = dict(index.manifest, documents={d: m for d, m in index.manifest["documents"].items() if d != doc_id})
    return searchable_index(manifest, documents, chunks, [s for s in index.sentences if s.doc_id != doc_id], vectors)


def read_manifest(index_dir: Path) -> dict:
    """The parsed manifest, validated for format version and required keys.

    Raises:
        IndexNotFound, IndexCorrupted, IndexMismatch: with what to run.
    """
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexNotFound(f"no index at {index_dir}/ — run `qa index seeds/ --index-dir {index_dir}`")
    target = parse_store(index_dir)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        problem = _folder_problem(manifest)
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        problem = exc.__class__.__name__
    if problem:
        raise IndexCorrupted(f"the index manifest at {path} is unreadable ({problem}); {target.rebuild_hint()}")
    return check_manifest(manifest, target, str(path))


def _folder_problem(manifest: dict) -> str | None:
    """What is wrong with the folder store's own manifest keys (files, data_dir), or None."""
    files = manifest["files"]
    if not (isinstance(files, dict) and all(isinstance(v, dict) and isinstance(v.get("bytes"), int)
                                            and isinstance(v.get("blake2b"), str) for v in files.values())):
        return "files must map names to sizes and digests"
    if not (isinstance(manifest["data_dir"], str) and re.fullmatch(r"data-[0-9a-f]+", manifest["data_dir"])):
        return "data_dir is not a data folder name"
    return None


def load_index(index_dir: Path) -> IndexData:
    """Load and check an index written by `save_index`.

    Raises:
        IndexNotFound, IndexCorrupted, IndexMismatch: with what to run to fix it.
    """
    import bm25s
    import faiss

    manifest = read_manifest(index_dir)
    target = parse_store(index_dir)
    data = index_dir / manifest["data_dir"]
    verify_files(data, manifest["files"], index_dir)
    try:
        texts = json.loads((data / "texts.json").read_text(encoding="utf-8"))
        documents = {doc_id: Document(doc_id, meta["title"], texts[doc_id], meta["sha256"],
                                      tuple(meta.get("page_starts", ())), meta.get("date"), meta.get("place"))
                     for doc_id, meta in manifest["documents"].items()}
        doc_ids = list(manifest["documents"])
        chunks = [Chunk(make_chunk_id(doc_ids[d], s, e), doc_ids[d], int(s), int(e))
                  for d, s, e in np.load(data / "chunks.npy", allow_pickle=False).tolist()]
        sentences = [Sentence(doc_ids[d], int(s), int(e))
                     for d, s, e in np.load(data / "sentences.npy", allow_pickle=False).tolist()]
        # Mapped, not read: FAISS holds its own copy for search; these rows are read only
        # when an update reuses the vectors of unchanged documents (bench/memory.py).
        chunk_vectors = np.load(data / "chunk_vectors.npy", allow_pickle=False, mmap_mode="r")
        dense = faiss.read_index(str(data / "dense.faiss"))
        with contextlib.redirect_stderr(open(os.devnull, "w")):
            lexical = bm25s.BM25.load(str(data / "bm25"), show_progress=False) if chunks else None
    except (OSError, ValueError, KeyError, IndexError, RuntimeError, TypeError) as exc:
        raise IndexCorrupted(f"the index at {index_dir}/ is damaged ({exc.__class__.__name__}); "
                             f"{target.rebuild_hint()}") from exc
    index = IndexData(manifest, documents, chunks, sentences, chunk_vectors, dense, lexical, retrieve)
    check_loaded(index, target)
    dim = manifest["embedder"]["dim"]
    if chunk_vectors.shape != (len(chunks), dim) or dense.d != dim or dense.ntotal != len(chunks):
        raise IndexMismatch(f"the index at {index_dir}/ holds vectors that do not match its manifest "
                            f"({manifest['embedder']['name']}, dim {dim}); {target.rebuild_hint()}")
    return index


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
    sync_tree(data)
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
                                 f"altered); {parse_store(index_dir).rebuild_hint()}")


def remove_stale_data(index_dir: Path, keep: str) -> None:
    """Delete data folders and temp files left by earlier or killed builds."""
    for path in index_dir.iterdir():
        if path.name.startswith("data-") and path.name != keep and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(f".{MANIFEST}.") and path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)
