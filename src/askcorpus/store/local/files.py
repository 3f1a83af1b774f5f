"""The files of an index folder: names, the SQLite schema and connection, atomic creation and
typed errors for what SQLite reports, and the names askcorpus may delete (opening an existing
database is :mod:`askcorpus.store.local.opening`).

askcorpus deletes only files it can prove it made, by exact name (:func:`is_own_file`): the
database ``askcorpus.sqlite3`` with its ``-wal``/``-shm``/``-journal`` companions, the same four
of ``askcorpus.sqlite3.new`` (an index being created), ``vectors-<n>.faiss`` and
``vectors-<n>.faiss.delta`` with their ``.tmp`` files (``<n>`` a generation: ``0`` or digits
without a leading zero) and ``writer.lock``. Never a folder, never another name: a user's
``tmp/``, ``vectors-notes.faiss.txt`` or ``vectors-1.faiss.bak`` stays where it is.

See :mod:`askcorpus.store.local.store` for the layout, :mod:`askcorpus.store.local.writer` for updates and
:mod:`askcorpus.store.local.check` for the FAISS-versus-SQLite consistency checks.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sqlite3
import urllib.parse
from pathlib import Path

from askcorpus.errors import (
    IndexAccessError,
    IndexCorruptError,
    IndexLockedError,
)
from askcorpus.store.base import REBUILD, Manifest
from askcorpus.store.durable import replace_durably
from askcorpus.store.local.lock import LOCK_NAME, write_error
from askcorpus.store.local.vectors import VectorIndex

log = logging.getLogger(__name__)

DB_NAME = "askcorpus.sqlite3"
#: SQLite's own companions of a database file (WAL, its shared memory, a rollback journal).
_SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")
#: The database and its companions; the same under ``.new`` while an index is created.
DATABASE_FILES = tuple(DB_NAME + s for s in _SQLITE_SUFFIXES)
NEW_DATABASE_FILES = tuple(DB_NAME + ".new" + s for s in _SQLITE_SUFFIXES)
#: ``vectors-<generation>.faiss`` / ``.faiss.delta`` and their temporary files, nothing else.
_VECTOR_FILE = re.compile(r"vectors-(?:0|[1-9][0-9]*)\.faiss(?:\.delta)?(?:\.tmp)?", re.ASCII)
#: Databases up to this size get SQLite's page check on every open (a fraction of a second).
VERIFY_LIMIT = 32 * 2**20  # deep check on open up to ~5k passages (~0.5 s); larger: `status`

#: Passage ids are never reused (AUTOINCREMENT): a reader holding an older generation's vector
#: ids can miss a passage that was removed since, but never get another passage's text.
#: ``checksum``: CRC-32 of what the row shows (:mod:`askcorpus.store.checksum`), since schema 2.
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    text TEXT NOT NULL,
    page_starts TEXT NOT NULL,
    sections TEXT NOT NULL,
    ocr_pages TEXT NOT NULL,
    date TEXT,
    language TEXT,
    checksum INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,
    page INTEGER,
    section TEXT,
    vector BLOB NOT NULL,
    checksum INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id, ordinal);
-- What passage filters test (store/local/filtering.py), so they never read a document's text.
CREATE INDEX IF NOT EXISTS documents_filter ON documents(date, kind, language, source);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    body, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS skipped (source TEXT PRIMARY KEY, reason TEXT NOT NULL);
"""


class IndexConnection(sqlite3.Connection):
    """A connection that remembers how the index was opened (see :func:`open_database`):
    ``frozen`` when read ``immutable`` (SQLite then sees no later change, so the store checks the
    file did not change), ``copy_dir`` when read from a private copy, removed on close."""

    frozen: tuple[int, int] | None = None
    copy_dir: Path | None = None

    def close(self) -> None:
        super().close()
        if self.copy_dir is not None:
            shutil.rmtree(self.copy_dir, ignore_errors=True)
            self.copy_dir = None


def connect(path: Path, immutable: bool = False, reader: bool = False) -> IndexConnection:
    """A connection in autocommit mode (transactions are explicit), foreign keys on.

    ``reader``: statements cannot write (``query_only``). The file is still opened read-write,
    not ``mode=ro``: a read-only connection cannot fold the write-ahead log back into the
    database when it is the last to close, so every index would keep its last updates in a
    ``-wal`` file that a copy of the database alone would lose; and ``mode=ro`` does not help
    on a full disk, where what fails is growing the shared-memory file (see
    :func:`open_database`). ``immutable`` reads a database SQLite cannot set up shared memory
    for (read-only media, a full disk): it then takes no locks and assumes nothing changes it."""
    query = "immutable=1" if immutable else "mode=rwc"
    target = f"file:{urllib.parse.quote(str(path.resolve()))}?{query}"
    conn = sqlite3.connect(
        target,
        timeout=30,
        check_same_thread=False,
        isolation_level=None,
        uri=True,
        factory=IndexConnection,
    )
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    if reader or immutable:
        conn.execute("PRAGMA query_only = ON")
    return conn


def is_vector_file(name: str) -> bool:
    """True for the name of a vector file askcorpus writes (a generation's full file or delta,
    or the temporary file either is written to)."""
    return _VECTOR_FILE.fullmatch(name) is not None


def is_own_file(name: str) -> bool:
    """True for a name askcorpus creates in an index folder (the module docstring lists them);
    askcorpus deletes nothing else."""
    return (
        name in DATABASE_FILES
        or name in NEW_DATABASE_FILES
        or name == LOCK_NAME
        or is_vector_file(name)
    )


def own_vector_files(folder: Path) -> list[Path]:
    """The vector files (by :func:`is_vector_file`) in ``folder``; empty when it is unreadable."""
    try:
        with os.scandir(folder) as it:
            return [folder / e.name for e in it if is_vector_file(e.name)]
    except OSError:
        return []


def remove_new_database(folder: Path) -> None:
    """Remove what an interrupted :func:`create_database` left (its own four names only)."""
    for name in NEW_DATABASE_FILES:
        (folder / name).unlink(missing_ok=True)


def vector_path(folder: Path, generation: int) -> Path:
    """The FAISS file of one generation."""
    return folder / f"vectors-{generation}.faiss"


def database_error(db: Path, exc: sqlite3.Error) -> Exception:
    """The typed error for a failure reading the index database."""
    name = getattr(exc, "sqlite_errorname", "")
    detail = " ".join(str(exc).split())[:200]  # one line, whatever SQLite said
    if name.startswith("SQLITE_BUSY") or name.startswith("SQLITE_LOCKED"):
        return IndexLockedError(
            f"index database {db} stayed locked by another process", db, "try again shortly"
        )
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH", "SQLITE_IOERR")):
        return IndexAccessError(
            f"cannot read the index database {db} ({detail})",
            db,
            "check that the folder and its files are readable and the disk works",
        )
    return IndexCorruptError(
        f"index database {db} is damaged or not an askcorpus index ({detail})", db, REBUILD
    )


def create_database(folder: Path, manifest: Manifest) -> None:
    """Create an empty index in ``folder`` atomically: ``vectors-0.faiss`` first, then the
    database, built under a temporary name and renamed into place once complete, so a crash
    leaves no index rather than half of one."""
    tmp = folder / (DB_NAME + ".new")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_new_database(folder)
        VectorIndex.empty(manifest.dimension).save(vector_path(folder, 0))
        conn = connect(tmp)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(
                "BEGIN;" + SCHEMA + "INSERT INTO meta VALUES ('generation', '0');"
                "INSERT INTO meta VALUES ('complete', '0');"
            )
            conn.execute("INSERT INTO meta VALUES ('manifest', ?)", (manifest.to_json(),))
            conn.execute("COMMIT")
        finally:
            conn.close()
        # There is no database here (the caller checked), so a WAL or journal next to its name is
        # a deleted index's: SQLite would replay it onto the new database.
        for name in DATABASE_FILES[1:]:
            (folder / name).unlink(missing_ok=True)
        replace_durably(tmp, folder / DB_NAME)
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        with contextlib.suppress(OSError):
            remove_new_database(folder)
        raise write_error(folder, exc, "create an index") from exc
