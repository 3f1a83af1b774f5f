"""Finding and reading the documents of a corpus folder.

Discovery walks the folder recursively without following directory symlinks (no loops), ignores
hidden, lock and temporary files, and yields a cheap :class:`FileEntry` (path, size, mtime) so
the indexer can skip unchanged files without reading them. :func:`load_document` reads one file
through its format reader; per-file problems raise :class:`UnreadableFile` with a reason.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from askcorpus.errors import CorpusError
from askcorpus.formats import UnreadableFile, reader_for, supported_suffixes
from askcorpus.records import Document, SkippedFile

log = logging.getLogger(__name__)

_IGNORED_PREFIXES = (".", "~$", ".~lock")
_IGNORED_SUFFIXES = (".swp", ".swo", ".tmp", ".part", ".crdownload", "~")


@dataclass(frozen=True, slots=True)
class FileEntry:
    """A candidate document found on disk, before reading it."""

    source: str
    path: Path
    size: int
    mtime: float


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

    def on_error(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else root
        skipped.append(SkippedFile(_relative(where, root), f"cannot read folder: {exc.strerror}"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not is_ignored_name(d))
        for name in sorted(filenames):
            if is_ignored_name(name):
                continue
            path = Path(dirpath) / name
            if path.suffix.lower() not in suffixes:
                continue
            source = _relative(path, root)
            try:
                st = path.stat()  # follows file symlinks
            except OSError as exc:
                reason = "broken symlink" if path.is_symlink() else f"cannot stat: {exc.strerror}"
                if exc.errno == 40:  # ELOOP
                    reason = "symlink loop"
                skipped.append(SkippedFile(source, reason))
                continue
            if not path.is_file():
                continue
            entries.append(FileEntry(source, path, st.st_size, st.st_mtime))
    entries.sort(key=lambda e: e.source)
    return entries, skipped


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def content_hash(raw: bytes) -> str:
    """Stable hash of a file's bytes (hex SHA-256)."""
    return hashlib.sha256(raw).hexdigest()


def read_bytes(entry: FileEntry, max_bytes: int) -> bytes:
    """The file's bytes, or :class:`UnreadableFile` when it is too big, vanished or unreadable."""
    if entry.size > max_bytes:
        raise UnreadableFile(
            f"too large ({entry.size / 2**20:.0f} MB > limit {max_bytes / 2**20:.0f} MB)"
        )
    try:
        return entry.path.read_bytes()
    except FileNotFoundError as exc:
        raise UnreadableFile("vanished during indexing") from exc
    except PermissionError as exc:
        raise UnreadableFile("permission denied") from exc
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from exc


def load_document(entry: FileEntry, max_bytes: int) -> Document:
    """Read and extract one document; raises :class:`UnreadableFile` with a reason."""
    reader = reader_for(entry.path)
    if reader is None:
        raise UnreadableFile(f"unsupported format {entry.path.suffix!r}")
    raw = read_bytes(entry, max_bytes)
    if not raw.strip():
        raise UnreadableFile("empty file")
    try:
        extracted = reader(entry.path, raw)
    except UnreadableFile:
        raise
    except Exception as exc:  # a third-party parser failing on a bad file must not stop the run
        log.debug("reader failed on %s", entry.path, exc_info=True)
        raise UnreadableFile(f"cannot parse: {type(exc).__name__}: {exc}".strip()[:200]) from exc
    if not extracted.text.strip():
        raise UnreadableFile("no text (empty or whitespace only)")
    title = (extracted.title or "").strip() or entry.path.stem
    return Document(
        source=entry.source,
        path=entry.path,
        title=title,
        text=extracted.text,
        content_hash=content_hash(raw),
        size=len(raw),
        mtime=entry.mtime,
        kind=extracted.kind,
        page_starts=extracted.page_starts,
        sections=extracted.sections,
    )


def iter_documents(root: Path, max_bytes: int) -> Iterator[Document | SkippedFile]:
    """Every document under ``root`` read in full, or a skip record for each unreadable one."""
    entries, skipped = discover(root)
    yield from skipped
    for entry in entries:
        try:
            yield load_document(entry, max_bytes)
        except UnreadableFile as exc:
            yield SkippedFile(entry.source, exc.message)
