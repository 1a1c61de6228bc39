"""Where an index lives. Two stores behind one small protocol, chosen by a store spec:

    index/                          a folder: FAISS + bm25s files (the default, `folder.py`)
    milvus-lite:index/milvus.db     Milvus Lite in-process, from a local file (`milvus.py`)
    milvus://host:19530/reports     a Milvus server or cluster; `reports` is the alias served

Everything above the store (indexing rules, reader, checks, citations, UI, API) is the
same code for both. What the rest of the package asks of a store:

- `load(target)`: the index as an `IndexData` (manifest, documents, chunks, sentences)
  whose `search(query_vector, question, n, docs)` returns fused hybrid `Hit`s; with
  `vectors=True` also the chunk vectors, so an update re-embeds only changed documents;
- `save(target, index)`: make `index` live in one atomic step (a manifest rename, or an
  alias swap onto a freshly written collection); a killed run leaves the previous one;
- `lock(target)`: one writer at a time; `read_manifest(target)`: settings and documents;
- `remove_in_place(target, manifest, doc_id)`: one document out by filter (Milvus; the
  folder store instead saves an index rebuilt without it).

A spec's local `folder` holds the writer lock and the `uploads/` of the chat page: the
index folder itself, `index/milvus-files/` for `milvus-lite:index/milvus.db`, and
`index/milvus-HOST-COLLECTION/` for a Milvus server.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from .. import settings
from ..errors import InvalidRequest

MILVUS_LITE = "milvus-lite:"
MILVUS = "milvus://"


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

    def rebuild_hint(self) -> str:
        flag = f"--index-dir {self.folder}" if self.kind == "folder" else f"--store {self}"
        return f"run `qa index seeds/ {flag}` to rebuild it"


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


def _backend(target: StoreTarget):
    if target.kind == "folder":
        from . import folder
        return folder
    from . import milvus
    return milvus


def load(spec, vectors: bool = False):
    """The live index of a store (raises IndexNotFound & co. with what to run)."""
    target = parse_store(spec)
    return _backend(target).load_target(target, vectors=vectors)


def save(spec, index) -> None:
    """Make `index` the live index of the store, atomically."""
    target = parse_store(spec)
    _backend(target).save_target(target, index)


def read_manifest(spec) -> dict:
    target = parse_store(spec)
    return _backend(target).read_target_manifest(target)


def cleanup(spec, keep: str | None = None) -> None:
    """Remove what killed or earlier builds left behind (data folders, collections)."""
    target = parse_store(spec)
    _backend(target).cleanup_target(target, keep)


def remove_in_place(spec, manifest: dict, doc_id: str) -> None:
    """Delete `doc_id`'s rows and store `manifest` (the old one without it); Milvus only."""
    target = parse_store(spec)
    if target.kind != "milvus":
        raise ValueError("the folder store removes by saving a rebuilt index")
    from .milvus import remove_target

    remove_target(target, manifest, doc_id)


@contextlib.contextmanager
def lock(spec):
    """Hold the store's writer lock (a file lock in its local folder)."""
    from .folder import lock_index

    with lock_index(parse_store(spec).folder):
        yield
