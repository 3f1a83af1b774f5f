"""Finding and reading the documents of a corpus folder.

Discovery walks the folder recursively without following directory symlinks (no loops, nothing
outside the corpus), ignores hidden, lock and temporary files, leaves out every folder below
the root that holds an askcorpus index (:data:`INDEX_MARKER`; an index kept inside its corpus is
not part of it — logged, and a warning when documents sit in there), and yields a cheap
:class:`FileEntry` (path, size, mtime) so the indexer can skip unchanged files without reading
them. :func:`load_document` reads one file through its format reader; every per-file problem
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

import errno
import hashlib
import logging
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from askcorpus.errors import CorpusError
from askcorpus.ingest.formats import UnreadableFile, reader_for, supported_suffixes
from askcorpus.records import Document, SkippedFile

log = logging.getLogger(__name__)

#: A folder holding this file is an askcorpus index (``store_files.DB_NAME``, not imported here:
#: discovery must not load the store's FAISS and SQLite code).
INDEX_MARKER = "askcorpus.sqlite3"
_IGNORED_PREFIXES = (".", "~$", ".~lock")
_IGNORED_SUFFIXES = (".swp", ".swo", ".tmp", ".part", ".crdownload", "~")


@dataclass(frozen=True, slots=True)
class FileEntry:
    """A candidate document found on disk, before reading it. ``location`` is its path as a
    string: a Path per file took a third of discovering 12,000 files, and most are skipped as
    unchanged without ever needing one."""

    source: str
    location: str
    size: int
    mtime: float

    @property
    def path(self) -> Path:
        """The file's path."""
        return Path(self.location)


class Recorded(Protocol):
    """What an index remembers of a file: its size and mtime (a document or its state)."""

    @property
    def size(self) -> int: ...

    @property
    def mtime(self) -> float: ...


def is_unchanged(size: int, mtime: float, recorded: Recorded) -> bool:
    """True when a file's ``size`` and ``mtime`` are still those ``recorded``: the one test of
    "changed?" by which the indexer skips a file unread and the window reports changes."""
    return size == recorded.size and mtime == recorded.mtime


def is_ignored_name(name: str) -> bool:
    """True for hidden, editor-lock, swap and temporary file names."""
    return name.startswith(_IGNORED_PREFIXES) or name.endswith(_IGNORED_SUFFIXES)


def discover(root: Path) -> tuple[list[FileEntry], list[SkippedFile]]:
    """All supported files under ``root`` (sorted by source) and the files skipped on the way.

    Raises :class:`CorpusError` when ``root`` is not a readable folder.
    """
    if not root.exists():
        raise CorpusError(
            f"corpus folder {root} does not exist", root, "pass --corpus DIR or create it"
        )
    if not root.is_dir():
        raise CorpusError(f"corpus path {root} is not a folder", root, "pass --corpus DIR")
    suffixes = supported_suffixes()
    entries: list[FileEntry] = []
    skipped: list[SkippedFile] = []
    # Plain strings and os.scandir, not pathlib: at 12,000 files pathlib's parsing took most
    # of a no-change run (docs/benchmarks.md). Same walk as os.walk top-down: a folder's
    # files, then its subfolders in name order, depth first.
    pending: list[tuple[str, str]] = [(os.fspath(root), "")]
    while pending:
        folder, prefix = pending.pop()
        try:
            with os.scandir(folder) as it:
                listing = sorted((e.name, e) for e in it)
        except OSError as exc:
            where = prefix.rstrip("/") or "."
            skipped.append(SkippedFile(where, f"cannot read folder: {exc.strerror}"))
            continue
        if prefix and _is_index_folder(listing):
            _leave_out_index(prefix, listing, suffixes)
            continue
        folders: list[tuple[str, str]] = []
        files: list[tuple[str, os.DirEntry[str]]] = []
        for name, entry in listing:
            if is_ignored_name(name):
                continue
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False
            if not is_folder:
                files.append((name, entry))
            elif entry.is_symlink():
                source = _printable(prefix + name)
                skipped.append(SkippedFile(source, "folder symlink — not followed"))
            else:
                folders.append((entry.path, prefix + name + "/"))
        for name, entry in files:
            if os.path.splitext(name)[1].lower() in suffixes:
                _add_file(entry, prefix + name, entries, skipped)
        pending.extend(reversed(folders))
    entries.sort(key=lambda e: e.source)
    return entries, skipped


def _is_index_folder(listing: list[tuple[str, os.DirEntry[str]]]) -> bool:
    """True when a folder's listing holds an askcorpus index database."""
    for name, entry in listing:
        if name == INDEX_MARKER:
            try:
                return entry.is_file()
            except OSError:
                return False
    return False


def _leave_out_index(
    prefix: str, listing: list[tuple[str, os.DirEntry[str]]], suffixes: frozenset[str]
) -> None:
    """Say that the index folder ``prefix`` is not part of the corpus; warn when documents (or
    folders that may hold some) sit in it: an index folder is askcorpus's, not the corpus's."""
    where = _printable(prefix)
    documents = []
    for name, entry in listing:
        if is_ignored_name(name):
            continue
        try:
            is_folder = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_folder = False
        if is_folder:
            documents.append(name + "/")
        elif os.path.splitext(name)[1].lower() in suffixes:
            documents.append(name)
    if documents:
        log.warning(
            "%s holds an askcorpus index and is left out of the corpus: its documents (%s) are "
            "not indexed — move them out of the index folder",
            where,
            ", ".join(_printable(n) for n in documents[:3])
            + (" ..." if len(documents) > 3 else ""),
        )
    else:
        log.info("%s holds an askcorpus index and is left out of the corpus", where)


def _add_file(
    entry: os.DirEntry[str], source: str, entries: list[FileEntry], skipped: list[SkippedFile]
) -> None:
    """Record one candidate file found by :func:`discover` as an entry or a skipped file."""
    if not _is_utf8(source):
        skipped.append(SkippedFile(_printable(source), "file name is not valid UTF-8 — rename it"))
        return
    try:
        st = entry.stat()  # follows file symlinks
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            reason = "symlink loop"
        elif entry.is_symlink():
            reason = "broken symlink"
        else:
            reason = f"cannot stat: {exc.strerror}"
        skipped.append(SkippedFile(source, reason))
        return
    if not stat.S_ISREG(st.st_mode):
        if not stat.S_ISDIR(st.st_mode):
            skipped.append(SkippedFile(source, "not a regular file"))
        return
    entries.append(FileEntry(source, entry.path, st.st_size, st.st_mtime))


def _is_utf8(name: str) -> bool:
    """False for names holding undecodable bytes (kept by Python as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(name: str) -> str:
    """A name safe to store and print: undecodable bytes shown as U+FFFD."""
    return os.fsencode(name).decode("utf-8", errors="replace")


def content_hash(raw: bytes) -> str:
    """Stable hash of a file's bytes (hex SHA-256)."""
    return hashlib.sha256(raw).hexdigest()


# PDF and DOCX bytes are mostly images and fonts: their text is far smaller than the file.
CONTAINER_FACTOR = 4
_CONTAINER_SUFFIXES = frozenset({".pdf", ".docx"})
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


def load_document(entry: FileEntry, max_bytes: int) -> Document:
    """Read and extract one document; raises :class:`UnreadableFile` with a reason."""
    reader = reader_for(entry.path)
    if reader is None:
        raise UnreadableFile(f"unsupported format {entry.path.suffix!r}")
    raw, st = read_file(entry, max_bytes)
    if not raw:
        raise UnreadableFile("empty file (0 bytes)")
    if not raw.strip():
        raise UnreadableFile("only whitespace, no text")
    try:
        extracted = reader(entry.path, raw)
    except UnreadableFile:
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
    )


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
