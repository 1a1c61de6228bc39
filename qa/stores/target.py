"""Store specs: which store a `--index-dir` / `--store` value names, and where its local files go.

    index/                          a folder: FAISS + bm25s files (the default, `folder.py`)
    milvus-lite:index/milvus.db     Milvus Lite in-process, from a local file (`milvus.py`)
    milvus://host:19530/reports     a Milvus server or cluster; `reports` is the alias served

A spec's local `folder` holds the writer lock and the `uploads/` of the chat page: the
index folder itself, `index/milvus-files/` for `milvus-lite:index/milvus.db`, and
`index/milvus-HOST-COLLECTION/` for a Milvus server.
"""

from __future__ import annotations

import contextlib
import fcntl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from .. import settings
from ..errors import IndexCorrupted, IndexLocked, IndexMismatch, InvalidRequest

MILVUS_LITE = "milvus-lite:"
MILVUS = "milvus://"
LOCK = ".lock"
"""The writer lock's file, in a spec's local folder."""


@dataclass(frozen=True)
class StoreTarget:
    """A parsed store spec."""

    kind: str
    """"folder" or "milvus"."""
    folder: Path
    """Local folder for the lock and uploads (the index itself for the folder store)."""
    uri: str = ""
    """MilvusClient URI: a local .db file (Milvus Lite) or http://host:port."""
    collection: str = ""
    """The Milvus alias that names the live collection."""

    def __str__(self) -> str:
        if self.kind == "folder":
            return str(self.folder)
        if self.uri.startswith("http"):
            return f"{MILVUS}{self.uri.removeprefix('http://')}/{self.collection}"
        return f"{MILVUS_LITE}{self.uri}"

    def lock(self):
        """Hold this store's writer lock (a file lock in its local folder), or fail at once.

        Raises:
            IndexLocked: another process is writing this store.
        """
        return lock_index(self.folder)

    def rebuild_hint(self) -> str:
        """What to run to build this store's index anew."""
        flag = f"--index-dir {self.folder}" if self.kind == "folder" else f"--store {self}"
        return f"run `qa index seeds/ {flag}` to rebuild it"


@contextlib.contextmanager
def lock_index(index_dir: Path):
    """Hold the writer lock of the folder `index_dir`, or fail at once if another writer holds it.

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


def parse_store(spec: str | Path | StoreTarget) -> StoreTarget:
    """The store a spec names (a plain path is a folder store).

    Raises:
        InvalidRequest: a milvus spec without a file, host or collection name.
    """
    if isinstance(spec, StoreTarget):
        return spec
    text = str(spec)
    if text.startswith(MILVUS_LITE):
        path = Path(text[len(MILVUS_LITE):])
        if not path.name.endswith(".db"):
            raise InvalidRequest(f"{text}: a Milvus Lite store is a .db file, e.g. milvus-lite:index/milvus.db")
        return StoreTarget("milvus", path.parent / f"{path.stem}-files", str(path), settings.MILVUS_COLLECTION)
    if text.startswith(MILVUS):
        url = urlparse(text)
        collection = url.path.strip("/") or settings.MILVUS_COLLECTION
        if not url.hostname or not collection.replace("_", "").isalnum():
            raise InvalidRequest(f"{text}: expected milvus://HOST:PORT/COLLECTION (letters, digits, _)")
        return StoreTarget("milvus", settings.DEFAULT_INDEX_DIR / f"milvus-{url.hostname}-{collection}",
                           f"http://{url.hostname}:{url.port or 19530}", collection)
    return StoreTarget("folder", Path(text))


def check_manifest(manifest, target: StoreTarget, where: str) -> dict:
    """The manifest, if its shape and format version are what this version reads: the load
    check both stores run (`where` names it in messages: a file or the store).

    Raises:
        IndexCorrupted: a key missing or of the wrong type.
        IndexMismatch: another index format version.
    """
    try:
        problem = manifest_problem(manifest)
    except (KeyError, TypeError, AttributeError) as exc:
        problem = exc.__class__.__name__
    if problem:
        raise IndexCorrupted(f"the index manifest at {where} is unreadable ({problem}); {target.rebuild_hint()}")
    if manifest["format_version"] != settings.INDEX_FORMAT_VERSION:
        raise IndexMismatch(f"the index at {_place(target)} has format {manifest['format_version']}, this version reads "
                            f"{settings.INDEX_FORMAT_VERSION}; {target.rebuild_hint()}")
    return manifest


def _place(target: StoreTarget) -> str:
    return f"{target}/" if target.kind == "folder" else str(target)


def manifest_problem(manifest: dict) -> str | None:
    """What is wrong with the manifest's shape (a key of the wrong type), or None."""
    embedder, documents = manifest["embedder"], manifest["documents"]
    checks = [
        (isinstance(manifest["format_version"], int), "format_version is not a number"),
        (isinstance(embedder, dict) and isinstance(embedder.get("name"), str)
         and isinstance(embedder.get("dim"), int), "embedder needs a name and an integer dim"),
        (isinstance(documents, dict) and all(isinstance(v, dict) for v in documents.values()),
         "documents must map ids to entries"),
    ]
    return next((message for ok, message in checks if not ok), None)


def check_loaded(index, target: StoreTarget) -> None:
    """The check both stores run on a loaded index: every document the manifest names has
    its text, and the vectors (when loaded) have the manifest's dimension, one per chunk.

    Raises:
        IndexCorrupted, IndexMismatch: with what to run.
    """
    missing = [d for d in index.manifest["documents"] if d not in index.documents]
    if missing:
        raise IndexCorrupted(f"the index at {target} lacks the text of {missing[0]}; {target.rebuild_hint()}")
    dim, vectors = index.manifest["embedder"]["dim"], index.chunk_vectors
    if len(vectors) and vectors.shape != (len(index.chunks), dim):
        raise IndexMismatch(f"the index at {_place(target)} holds vectors that do not match its manifest "
                            f"({index.manifest['embedder']['name']}, dim {dim}); {target.rebuild_hint()}")
