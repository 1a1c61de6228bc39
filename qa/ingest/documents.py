"""Read source files into `Document`s: the only module that opens report files.

Text files are decoded strictly as UTF-8 first (the common case, and unambiguous), then
handed to charset-normalizer, which detects GB18030/GBK, Big5 and friends; a file it cannot
place is skipped rather than decoded by guess. HTML, PDF and DOCX go through well-kept
libraries, and the text they yield *is* the document's text that offsets point into.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from .. import settings
from ..core import Document
from ..errors import DocumentTooLarge, SkippedFile


def find_source_files(root: Path, unreadable: list[Path] | None = None) -> list[Path]:
    """All report files under `root` (or `root` itself if it is a file), sorted; hidden files
    and folders left out. Folders that cannot be listed are added to `unreadable` (when
    given): their files are unknown, not gone."""
    if root.is_file():
        return [root]
    found = []

    def cannot_list(error: OSError) -> None:
        if unreadable is not None:
            unreadable.append(Path(error.filename))

    for folder, subfolders, files in os.walk(root, onerror=cannot_list):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        found += [Path(folder) / name for name in files
                  if not name.startswith(".") and Path(name).suffix.lower() in settings.SOURCE_SUFFIXES
                  and (Path(folder) / name).is_file()]
    return sorted(found)


def hash_bytes(data: bytes) -> str:
    """Content hash used by the manifest to tell changed files from unchanged ones."""
    return hashlib.sha256(data).hexdigest()


def read_document(path: Path, doc_id: str) -> Document:
    """Read and decode one source file.

    Raises:
        SkippedFile: empty, binary, undecodable, unsupported or over the size limit.
    """
    try:
        size = path.stat().st_size
        if size > settings.MAX_FILE_BYTES:
            raise DocumentTooLarge(f"{size} bytes is over the {settings.MAX_FILE_BYTES}-byte limit")
        data = path.read_bytes()
    except OSError as exc:
        raise SkippedFile(f"cannot read: {exc.strerror or exc}") from exc
    return parse_document(data, path.suffix.lower(), doc_id)


def parse_document(data: bytes, suffix: str, doc_id: str) -> Document:
    """Turn a file's bytes into a Document according to its suffix.

    Raises:
        SkippedFile: empty, binary, undecodable, unsupported or unparsable (whatever the
            parser raised, in one line); DocumentTooLarge over MAX_DOCUMENT_CHARS.
    """
    if not data.strip():
        raise SkippedFile("empty file")
    page_starts: tuple[int, ...] = ()
    given = None
    kind = {".txt": "text", ".md": "Markdown", ".html": "HTML", ".htm": "HTML", ".pdf": "PDF",
            ".docx": "DOCX"}.get(suffix)
    if kind is None:
        raise SkippedFile(f"unsupported file type {suffix or '(none)'}")
    for magic, what in _MAGIC.items():
        if data.startswith(magic) and suffix not in what[1]:
            raise SkippedFile(f"the file is {what[0]}, not {kind}: give it the right suffix")
    try:
        if suffix in (".txt", ".md"):
            text = decode_text(data)
        elif suffix in (".html", ".htm"):
            text = html_to_text(decode_text(data))
        elif suffix == ".pdf":
            text, page_starts, given = pdf_to_text(data)
        else:
            text, given = docx_to_text(data)
    except SkippedFile:
        raise
    except Exception as exc:  # a damaged file breaks a parser in many ways (MemoryError, RecursionError too)
        message = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise SkippedFile(f"unreadable {kind}: {message}") from exc
    if len(text.strip()) < settings.MIN_TEXT_CHARS:
        raise SkippedFile("no text in file")
    if len(text) > settings.MAX_DOCUMENT_CHARS:
        raise DocumentTooLarge(f"{len(text):,} characters is over the {settings.MAX_DOCUMENT_CHARS:,}-character "
                               "limit; split the report into parts")
    from .cleaning import find_title

    title = find_title(text, doc_id, given if is_real_title(given) else None)
    return Document(doc_id, title, text, hash_bytes(data), page_starts)


_PLACEHOLDER_TITLE = re.compile(r"^(microsoft (word|powerpoint|excel)\b|untitled|无标题|無標題|title$|document\d*$|"
                                r"文档\d*$|文檔\d*$|powerpoint|wps)|\.(docx?|pdf|txt|wps)$", re.IGNORECASE)


_MAGIC = {b"%PDF-": ("a PDF", (".pdf",)), b"PK\x03\x04": ("a ZIP archive (a DOCX?)", (".docx",)),
          b"\xd0\xcf\x11\xe0": ("an old Office file (.doc, .xls)", ()), b"\x89PNG": ("a PNG image", ()),
          b"\xff\xd8\xff": ("a JPEG image", ())}
"""File signatures: a file that starts with one is that kind, whatever its suffix says."""


def is_real_title(title: str | None) -> bool:
    """Whether a file's title property names it (not 'Microsoft Word - 文档1.docx', 'Untitled')."""
    return bool(title and title.strip()) and not _PLACEHOLDER_TITLE.search(title.strip())


def decode_text(data: bytes) -> str:
    """Decode bytes to str: UTF-8 (with or without BOM) strictly, else a detected codec.

    Raises:
        SkippedFile: the bytes look binary or no encoding fits.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with BOM (Notepad's "Unicode")
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise SkippedFile("undecodable: broken UTF-16") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:8192]:
        raise SkippedFile("binary file (NUL bytes)")
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise SkippedFile("undecodable: no text encoding fits")
    return str(best)


def html_to_text(markup: str) -> str:
    """Visible text of an HTML page, one block per line; scripts and styles dropped."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    lines = (line.strip() for line in soup.get_text("\n").splitlines())
    return "\n".join(line for line in lines if line)


def pdf_to_text(data: bytes) -> tuple[str, tuple[int, ...], str | None]:
    """Text of every page joined by blank lines, where each page starts, and the title
    property (None if unset)."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))  # what a damaged file raises, parse_document reports
    pages = [page.extract_text() or "" for page in reader.pages]
    title = _pdf_title(reader)
    starts, parts, offset = [], [], 0
    for page_text in pages:
        starts.append(offset)
        parts.append(page_text)
        offset += len(page_text) + 2
    return "\n\n".join(parts), tuple(starts), title


def _pdf_title(reader) -> str | None:
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception:  # pypdf raises many kinds on damaged metadata; a title is optional
        return None
    return str(title) if title else None


def docx_to_text(data: bytes) -> tuple[str, str | None]:
    """Paragraph text of a Word document, one paragraph per line, and its title property."""
    import io

    from docx import Document as load_docx

    document = load_docx(io.BytesIO(data))  # what a damaged file raises, parse_document reports
    return "\n".join(p.text for p in document.paragraphs), document.core_properties.title or None
