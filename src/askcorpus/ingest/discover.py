"""Finding the documents of a corpus folder, cheaply: paths, sizes and mtimes, nothing read.

Discovery walks the folder recursively without following directory symlinks (no loops, nothing
outside the corpus), ignores hidden, lock and temporary files, leaves out every folder below
the root that holds an askcorpus index (:data:`INDEX_MARKER`; an index kept inside its corpus is
not part of it — logged, and a warning when documents sit in there), and yields a cheap
:class:`FileEntry` (path, size, mtime) so the indexer can skip unchanged files without reading
them (:func:`is_unchanged`). Reading them is :mod:`askcorpus.ingest.documents`.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from askcorpus.errors import CorpusError
from askcorpus.ingest.formats import supported_suffixes
from askcorpus.ingest.ignore import IgnoreRules
from askcorpus.records import ExcludedFile, SkippedFile

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


def discover(
    root: Path, excluded: list[ExcludedFile] | None = None
) -> tuple[list[FileEntry], list[SkippedFile]]:
    """All supported files under ``root`` (sorted by source) and the files skipped on the way;
    files and folders a rule of ``root``'s ``.askcorpusignore`` excludes are left out (and
    appended to ``excluded`` when given, a folder's source ending in "/").

    Raises :class:`CorpusError` when ``root`` is not a readable folder or its rules file is
    unusable.
    """
    if not root.exists():
        raise CorpusError(
            f"corpus folder {root} does not exist", root, "pass --corpus DIR or create it"
        )
    if not root.is_dir():
        raise CorpusError(f"corpus path {root} is not a folder", root, "pass --corpus DIR")
    suffixes = supported_suffixes()
    rules = IgnoreRules.load(root)
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
            elif not _excluded(rules, prefix + name + "/", excluded):
                folders.append((entry.path, prefix + name + "/"))
        for name, entry in files:
            supported = os.path.splitext(name)[1].lower() in suffixes
            if supported and not _excluded(rules, prefix + name, excluded):
                _add_file(entry, prefix + name, entries, skipped)
        pending.extend(reversed(folders))
    entries.sort(key=lambda e: e.source)
    return entries, skipped


def _excluded(rules: IgnoreRules, source: str, excluded: list[ExcludedFile] | None) -> bool:
    """True when a rule excludes ``source`` (a folder when it ends in "/"); recorded."""
    rule = rules.excluding(source.rstrip("/"), folder=source.endswith("/")) if rules else None
    if rule is not None and excluded is not None:
        excluded.append(ExcludedFile(_printable(source), rule.text, rule.line))
    return rule is not None


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
