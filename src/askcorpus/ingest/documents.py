"""Finding and reading the documents of a corpus folder.

Finding them (:func:`discover`, :class:`FileEntry`, :func:`is_unchanged`) lives in
:mod:`askcorpus.ingest.discover` and is re-exported here, the one module callers import.
:func:`load_document` reads one file through its format reader; every per-file problem
(too large, unreadable, changed while being read, unparseable, no text, too much text) raises
:class:`UnreadableFile` with a one-line reason, so one bad file never stops a run. Whatever a
reader returns passes through :func:`storable_text` (no NUL, no lone surrogate), so every format
gives exact quotes that survive storage.

Size limit: text-like files (.txt, .md, .html) above ``Settings.max_file_bytes`` (64 MB) are
skipped unread; container formats (.pdf, .docx), whose bytes are mostly images and fonts, may
be :data:`CONTAINER_FACTOR` times larger. The extracted text may hold at most ``max_file_bytes``
characters, whatever the format (a small compressed container can inflate to far more).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from askcorpus.errors import Cancelled
from askcorpus.ingest.discover import (
    INDEX_MARKER,
    FileEntry,
    Recorded,
    discover,
    is_ignored_name,
    is_unchanged,
)
from askcorpus.ingest.formats import UnreadableFile, reader_for
from askcorpus.ingest.ocr import OcrOptions
from askcorpus.ingest.ocr import enabled as ocr_enabled
from askcorpus.records import Document, SkippedFile
from askcorpus.text.language import detect_language

log = logging.getLogger(__name__)

__all__ = [
    "CHANGED",
    "CONTAINER_FACTOR",
    "INDEX_MARKER",
    "FileEntry",
    "Recorded",
    "content_hash",
    "discover",
    "is_ignored_name",
    "is_unchanged",
    "iter_documents",
    "load_document",
    "read_file",
    "size_limit",
    "storable_text",
]


def content_hash(raw: bytes) -> str:
    """Stable hash of a file's bytes (hex SHA-256)."""
    return hashlib.sha256(raw).hexdigest()


# PDF, Office, OpenDocument and EPUB bytes are mostly images and fonts: their text is far
# smaller than the file.
CONTAINER_FACTOR = 4
_CONTAINER_SUFFIXES = frozenset(
    {".pdf", ".docx", ".pptx", ".xlsx", ".xlsm", ".odt", ".ods", ".odp", ".epub"}
)
_CHUNK = 1 << 20
CHANGED = "changed while being read — will be indexed next run"


def size_limit(path: Path, max_bytes: int) -> int:
    """The largest file of ``path``'s format that is read (larger ones are skipped unread)."""
    if path.suffix.lower() in _CONTAINER_SUFFIXES:
        return max_bytes * CONTAINER_FACTOR
    return max_bytes


def _too_large(size: int, limit: int) -> UnreadableFile:
    return UnreadableFile(f"too large ({size / 2**20:.0f} MB > limit {limit / 2**20:.0f} MB)")


def _open_readonly(path: Path) -> int:
    # O_NONBLOCK: a FIFO swapped in after discovery must not hang the run on open.
    return os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))


def _read_all(fd: int, limit: int) -> bytes:
    """Up to ``limit + 1`` bytes, so a file that grew past the limit is caught, not slurped."""
    chunks = []
    total = 0
    while total <= limit:
        chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def read_file(entry: FileEntry, max_bytes: int) -> tuple[bytes, os.stat_result]:
    """The file's bytes and the stat they belong to, or :class:`UnreadableFile` with a reason.

    The file is stat-ed before and after reading (by descriptor and by path): a size, mtime or
    inode that moved means it changed or was replaced during the read, and the half-read bytes
    are not indexed.
    """
    limit = size_limit(entry.path, max_bytes)
    if entry.size > limit:
        raise _too_large(entry.size, limit)
    try:
        fd = _open_readonly(entry.path)
    except FileNotFoundError as exc:
        raise UnreadableFile("vanished before it could be read") from exc
    except PermissionError as exc:
        raise UnreadableFile("permission denied — cannot read it") from exc
    except OSError as exc:
        raise UnreadableFile(f"cannot open: {exc.strerror or exc}") from exc
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise UnreadableFile("not a regular file")
        if before.st_size > limit:
            raise _too_large(before.st_size, limit)
        raw = _read_all(fd, limit)
        after = os.fstat(fd)
    except PermissionError as exc:
        raise UnreadableFile("permission denied — cannot read it") from exc
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    if len(raw) > limit:
        raise _too_large(len(raw), limit)
    try:
        now = os.stat(entry.path)
    except FileNotFoundError as exc:
        raise UnreadableFile("vanished while being read") from exc
    except OSError as exc:
        raise UnreadableFile(f"cannot stat: {exc.strerror or exc}") from exc
    same = (
        len(raw) == before.st_size
        and (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns)
        and (now.st_ino, now.st_dev, now.st_size, now.st_mtime_ns)
        == (before.st_ino, before.st_dev, before.st_size, before.st_mtime_ns)
    )
    if not same:
        raise UnreadableFile(CHANGED)
    return raw, before


def load_document(entry: FileEntry, max_bytes: int, ocr: OcrOptions | None = None) -> Document:
    """Read and extract one document; raises :class:`UnreadableFile` with a reason.

    Pages without a text layer and image files are read by OCR with ``ocr`` (None: OCR off)."""
    reader = reader_for(entry.path)
    if reader is None:
        raise UnreadableFile(f"unsupported format {entry.path.suffix!r}")
    raw, st = read_file(entry, max_bytes)
    if not raw:
        raise UnreadableFile("empty file (0 bytes)")
    if not raw.strip():
        raise UnreadableFile("only whitespace, no text")
    try:
        with ocr_enabled(ocr):
            extracted = reader(entry.path, raw)
    except (UnreadableFile, Cancelled):  # a cancel during OCR stops the run, not this file
        raise
    except Exception as exc:  # a third-party parser failing on a bad file must not stop the run
        log.debug("reader failed on %s", entry.path, exc_info=True)
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise UnreadableFile(f"cannot parse: {detail}"[:200]) from exc
    if len(extracted.text) > max_bytes:
        raise UnreadableFile(
            f"too much text ({len(extracted.text) / 1e6:.1f} million characters > limit "
            f"{max_bytes / 1e6:.1f} million) — split the file"
        )
    text = storable_text(extracted.text)
    if not text.strip():
        raise UnreadableFile("no text (empty or only whitespace)")
    title = " ".join(storable_text(extracted.title or "").split()) or entry.path.stem
    return Document(
        source=entry.source,
        path=entry.path,
        title=title,
        text=text,
        content_hash=content_hash(raw),
        size=len(raw),
        mtime=st.st_mtime,
        kind=extracted.kind,
        page_starts=extracted.page_starts,
        sections=extracted.sections,
        ocr_pages=extracted.ocr_pages,
        # The document's own date where its metadata has one, else the file's day.
        date=extracted.date or file_date(st.st_mtime),
        language=detect_language(text),
    )


def file_date(mtime: float) -> str | None:
    """The UTC day of a modification time, ISO ``YYYY-MM-DD`` (None when out of range): a
    document's date when its own metadata gives none."""
    try:
        return datetime.fromtimestamp(mtime, UTC).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return None


# NUL and lone surrogates (a reader's undecodable bytes): SQLite's substr stops at a NUL, so a
# passage holding one came back cut, and a surrogate cannot be stored as UTF-8 at all. Other
# control characters are stored and sliced fine and are kept: quotes stay verbatim.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_text(text: str) -> str:
    """``text`` with each NUL or lone surrogate replaced by U+FFFD, one for one, so offsets
    into it stay offsets into the file's text and every passage is a storable exact quote."""
    if _UNSTORABLE.search(text) is None:  # the common case: one scan, no copy
        return text
    return _UNSTORABLE.sub("\ufffd", text)


def iter_documents(root: Path, max_bytes: int) -> Iterator[Document | SkippedFile]:
    """Every document under ``root`` read in full, or a skip record for each unreadable one."""
    entries, skipped = discover(root)
    yield from skipped
    for entry in entries:
        try:
            yield load_document(entry, max_bytes)
        except UnreadableFile as exc:
            yield SkippedFile(entry.source, exc.message)
