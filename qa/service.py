"""The live service: the current `Assistant` for one index, swapped after each change.

The HTTP app and the chat page both answer through a `LiveAssistant`. Readers call
`current()` and keep that object for their whole request, so a swap never changes an
answer half-way; uploads and removals are serialised by their own lock (`changes()` lists
the one running and those waiting for it), written through
the store's atomic swap, and the freshly loaded assistant replaces the old one in one step.
A watcher thread notices an index made live by another process (`qa index`, `qa remove`
from a shell) by the store's version token, and swaps it in the same way.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from pathlib import Path

from . import settings
from .assistant import Assistant
from .errors import DocumentTooLarge, IndexMismatch, InvalidRequest, QAError, SkippedFile
from .files import write_atomically
from .ingest.assembly import index_settings, stored_settings
from .ingest.documents import parse_document
from .ingest.indexing import UPLOADS, remove_document, update_index
from .question.dictionary import english_to_chinese
from .stores import open_store

log = logging.getLogger(__name__)

MAX_FILE_NAME_CHARS = 120
"""Longest accepted upload file name."""

_SAFE_NAME = re.compile(r"[\w][\w\-. ()（）]*")
"""Letters (any script), digits, '_', '-', '.', spaces and brackets; no leading dot."""


class LiveAssistant:
    """The current `Assistant` for one index directory, replaced after each upload.

    Readers call `current()` and keep that object for their whole request, so a swap never
    changes an answer half-way. Uploads are serialised by their own lock.
    """

    def __init__(self, index_dir: str | Path, reload_seconds: float | None = settings.INDEX_RELOAD_SECONDS):
        """Load the index at `index_dir`; with `reload_seconds`, check that often for an index
        made live by another process, and load it (None: never)."""
        self._store = open_store(index_dir)
        self.store = self._store.target
        self.index_dir = self.store.folder  # the index folder; for Milvus, where uploads/ lives
        self._assistant, self._version = self._load_live()
        self._swap_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._changes: dict[str, list] = {}  # document id → [state, since], in arrival order
        self._changes_lock = threading.Lock()
        self._stopped = threading.Event()
        # CC-CEDICT's reverse table takes a few seconds to build: build it now, not on the
        # first English question
        threading.Thread(target=english_to_chinese, name="dictionary", daemon=True).start()
        if reload_seconds:
            threading.Thread(target=self._watch, args=(reload_seconds,), name="index-watch", daemon=True).start()

    def current(self) -> Assistant:
        with self._swap_lock:
            return self._assistant

    def close(self) -> None:
        """Stop watching the index."""
        self._stopped.set()

    def reload_if_changed(self) -> bool:
        """Load and swap in the live index if another process made a new one live since this
        one was loaded; True when it did. An index that cannot be loaded right now (half
        removed by a writer, damaged) keeps the current one, and is tried again later."""
        if self._store.version() == self._version or not self._write_lock.acquire(blocking=False):
            return False
        try:
            if self._store.version() in (self._version, None):
                return False
            fresh, version = self._load_live()
            self._swap(fresh, version)
        except QAError as exc:
            log.warning("the index at %s changed but could not be loaded yet (%s)", self.store, exc)
            return False
        finally:
            self._write_lock.release()
        log.info("loaded the index made live at %s (%d documents)", self.store, len(fresh.index.documents))
        return True

    def _watch(self, seconds: float) -> None:
        while not self._stopped.wait(seconds):
            try:
                self.reload_if_changed()
            except Exception:  # a watcher must not die: the server would silently stop noticing
                log.exception("checking the index at %s for changes failed", self.store)

    def _load_live(self) -> tuple[Assistant, str | None]:
        """The live index loaded, with the version it had before loading (so a change made
        while loading is noticed on the next check, never missed)."""
        version = self._store.version()
        return Assistant.load(self.store), version

    def _swap(self, fresh: Assistant, version: str | None) -> None:
        with self._swap_lock:
            self._assistant, self._version = fresh, version

    def add_report(self, file_name: str, data: bytes) -> dict:
        """Save an uploaded report into the index's uploads folder and index it.

        Returns:
            The new document's entry (id, title, chars, chunks).
        Raises:
            InvalidRequest: bad name or suffix, too big, already uploaded, or unreadable.
            IndexLocked: another process is writing the index.
            IndexMismatch: the index was built with other settings (see below).
        """
        check_upload(file_name, len(data))
        doc_id = f"{UPLOADS}/{file_name}"
        try:  # refuse what cannot be indexed before taking the write lock
            parse_document(data, Path(file_name).suffix.lower(), doc_id)
        except DocumentTooLarge as exc:
            raise DocumentTooLarge(f"could not index {file_name}: {exc}") from None
        except SkippedFile as exc:
            raise InvalidRequest(f"could not index {file_name}: {exc}") from None
        with self._changing(doc_id, "indexing"):
            target = self.index_dir / UPLOADS / file_name
            if target.exists() or doc_id in self.current().index.documents:
                raise InvalidRequest(f"{doc_id} is already indexed; rename the file to add it again")
            self._check_settings_unchanged()
            warnings: list[str] = []
            write_atomically(target, data)
            try:
                update_index([], self.store, prune=False, progress=False, warn=warnings.append)
                fresh, version = self._load_live()
            except BaseException:
                target.unlink(missing_ok=True)
                raise
            entry = next((d for d in fresh.documents() if d["id"] == doc_id), None)
            if entry is None:
                target.unlink(missing_ok=True)
                reasons = "; ".join(w.replace(str(target), file_name) for w in warnings)
                raise InvalidRequest(f"could not index {file_name}: {reasons or 'no text found'}")
            self._swap(fresh, version)
        log.info("indexed upload %s (%d chunks)", doc_id, entry["chunks"])
        return entry

    def remove_report(self, doc_id: str) -> dict:
        """Take `doc_id` out of the index (deleting an uploaded copy) and swap in the result.

        Raises:
            InvalidRequest: not an indexed document.
            IndexLocked, IndexMismatch: as for uploads.
        """
        with self._changing(doc_id, "removing"):
            report = remove_document(self.store, doc_id)
            self._swap(*self._load_live())
        log.info("removed %s", doc_id)
        return {"removed": doc_id, "documents": len(report.unchanged), "chunks": report.chunks}

    def changes(self) -> list[dict]:
        """The uploads and removals under way, in the order they run: the first is
        "indexing" (or "removing"), the rest "waiting" for it, each with its seconds so far."""
        now = time.monotonic()
        with self._changes_lock:
            return [{"document": doc_id, "state": state, "seconds": round(now - since, 1)}
                    for doc_id, (state, since) in self._changes.items()]

    @contextlib.contextmanager
    def _changing(self, doc_id: str, doing: str):
        """Hold the write lock for a change of `doc_id`, listed by `changes()` meanwhile."""
        with self._changes_lock:
            if doc_id in self._changes:
                raise InvalidRequest(f"{doc_id} is already being {self._changes[doc_id][0]}; wait for it")
            self._changes[doc_id] = ["waiting", time.monotonic()]
        try:
            with self._write_lock:
                with self._changes_lock:
                    self._changes[doc_id] = [doing, time.monotonic()]
                yield
        finally:
            with self._changes_lock:
                del self._changes[doc_id]

    def _check_settings_unchanged(self) -> None:
        """Refuse to add to an index built with other settings: the upload would have to
        re-embed every document first, minutes of work hidden behind one request."""
        if stored_settings(self._store.read_manifest()) != index_settings(self.current().embedder):
            raise IndexMismatch(f"the index at {self.store} was built with other settings; "
                                f"{self.store.rebuild_hint()} before adding reports")


def check_upload(file_name: str, size_bytes: int) -> None:
    """Refuse unsafe names, unsupported suffixes and oversized files.

    Raises:
        InvalidRequest: with what to change.
    """
    if not isinstance(file_name, str) or not file_name:
        raise InvalidRequest("the upload has no file name")
    if "/" in file_name or "\\" in file_name or ".." in file_name or file_name.startswith("."):
        raise InvalidRequest("the file name must be a plain name: no folders, '..' or leading dot")
    if len(file_name) > MAX_FILE_NAME_CHARS or not _SAFE_NAME.fullmatch(file_name):
        raise InvalidRequest(f"the file name may use letters, digits, spaces and _-.() only, at most "
                             f"{MAX_FILE_NAME_CHARS} characters")
    if Path(file_name).suffix.lower() not in settings.SOURCE_SUFFIXES:
        raise InvalidRequest(f"unsupported file type; upload one of {', '.join(settings.SOURCE_SUFFIXES)}")
    if size_bytes > settings.MAX_UPLOAD_BYTES:
        raise InvalidRequest(f"the file is {size_bytes} bytes; the limit is {settings.MAX_UPLOAD_BYTES}")
