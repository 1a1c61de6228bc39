"""Where an index lives: two stores behind one small protocol, chosen by a store spec
(`target.py`): a folder of FAISS + bm25s files (`folder.py`, the default) or a Milvus
collection (`milvus.py`: Milvus Lite from a local file, or a server or cluster).

Everything above the store (indexing rules, reader, checks, citations, UI, API) is the
same code for both. Both run the same load checks (`target.check_manifest`,
`target.check_loaded`) and make a new index live in one atomic step (a manifest rename,
or an alias swap onto a freshly written collection): a killed run leaves the previous one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ..core import IndexData
from .target import MILVUS, MILVUS_LITE, StoreTarget, parse_store

__all__ = ["MILVUS", "MILVUS_LITE", "Store", "StoreTarget", "open_store", "parse_store"]


class Store(Protocol):
    """What the rest of the package asks of a store."""

    target: StoreTarget
    """The spec: its `folder` holds the writer lock (`target.lock()`) and the chat page's uploads."""
    searches_itself: bool
    """True when the store runs search itself (Milvus): an index built for it needs no
    FAISS or BM25 structures in this process."""

    def read_manifest(self) -> dict:
        """The live index's manifest (settings, documents); IndexNotFound & co. otherwise."""

    def version(self) -> str | None:
        """A cheap token that changes whenever another index goes live (None: no index), so a
        running server notices `qa index` and `qa remove` run from a shell."""

    def load(self, vectors: bool = False) -> IndexData:
        """The live index, searchable; with `vectors`, the chunk vectors too (an update
        re-embeds only changed documents)."""

    def save(self, index: IndexData) -> None:
        """Make `index` the live index, atomically."""

    def cleanup(self, keep: str | None = None) -> None:
        """Remove what killed or earlier builds left (data folders, collections)."""

    def remove(self, index: IndexData, doc_id: str) -> int:
        """Make `index` less `doc_id` live (nothing re-embedded); returns the chunks left."""


def open_store(spec: str | Path | StoreTarget) -> Store:
    """The store a spec names (a plain path is a folder store).

    Raises:
        InvalidRequest: a malformed milvus spec.
    """
    target = parse_store(spec)
    if target.kind == "folder":
        from .folder import FolderStore
        return FolderStore(target)
    from .milvus import MilvusStore
    return MilvusStore(target)
