"""Durable file writes: readers see the old file or the new one, never a mix.

Write to a hidden temporary file beside the target, fsync it, rename it over the target
(atomic on POSIX), then fsync the folder so the rename itself survives a power cut.
Hidden names keep half-written files out of `qa index` (it skips dot files).
"""

from __future__ import annotations

import functools
import os
import threading
import uuid
from pathlib import Path


def write_atomically(path: Path, data: str | bytes) -> None:
    """Write `data` (text as UTF-8) to `path` in one atomic step, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with open(tmp, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)


def cache_folder() -> Path:
    """Where tables built from installed data are kept between runs: $QA_CACHE_DIR, else
    ~/.cache/qa-reports."""
    return Path(os.environ.get("QA_CACHE_DIR") or Path.home() / ".cache" / "qa-reports")


def cached_text(name: str, build) -> str:
    """The text `build()` returns, kept in the cache folder under `name` (a name that says
    what it was built from: a new input gets a new name). A cache that cannot be read or
    written is rebuilt, never an error."""
    path = cache_folder() / name
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        pass
    text = build()
    try:
        write_atomically(path, text)
    except OSError:
        pass
    return text


def inputs_key(packages: tuple[str, ...] = (), sources: tuple[str | Path, ...] = ()) -> str:
    """A short hash of what a cached table is built from: installed packages' versions and
    source files' bytes, for a cache file's name (a new input, a new name)."""
    import hashlib
    from importlib import metadata

    digest = hashlib.sha256()
    for package in packages:
        digest.update(metadata.version(package).encode())
    for source in sources:
        digest.update(Path(source).read_bytes())
    return digest.hexdigest()[:16]


def built_once(build):
    """Decorate a function of no arguments that builds something once per process: the first
    call builds, a call that comes while it builds waits for that build instead of starting
    a second one, later calls take the result without a lock (`cache_clear` and
    `cache_info` as `functools.lru_cache` gives them)."""
    cached = functools.lru_cache(maxsize=1)(build)
    lock = threading.Lock()

    @functools.wraps(build)
    def once():
        if cached.cache_info().currsize:
            return cached()
        with lock:
            return cached()

    once.cache_clear, once.cache_info = cached.cache_clear, cached.cache_info
    return once


def cached_trie(name: str, kind, build):
    """A marisa trie of class `kind`, memory-mapped from the cache folder's file `name`, where
    `build()`'s trie is written the first time (a name that says what it was built from).
    Processes then share its pages and open it in a millisecond; a cache that cannot be
    read or written means the trie built in memory, never an error."""
    path = cache_folder() / name
    try:
        return kind().mmap(str(path))
    except (OSError, RuntimeError):  # marisa: RuntimeError for a missing or damaged file
        pass
    trie = build()
    try:
        write_atomically(path, trie.tobytes())
    except OSError:
        pass
    return trie


def sync_tree(folder: Path) -> None:
    """fsync every file under `folder`, then the folder."""
    for p in folder.rglob("*"):
        if p.is_file():
            with open(p, "rb") as handle:
                os.fsync(handle.fileno())
    fsync_dir(folder)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
