"""The files of an index folder: names, the SQLite schema and connection, atomic creation and
typed errors for what SQLite reports, and the names askcorpus may delete.

askcorpus deletes only files it can prove it made, by exact name (:func:`is_own_file`): the
database ``askcorpus.sqlite3`` with its ``-wal``/``-shm``/``-journal`` companions, the same four
of ``askcorpus.sqlite3.new`` (an index being created), ``vectors-<n>.faiss`` and
``vectors-<n>.faiss.delta`` with their ``.tmp`` files (``<n>`` a generation: ``0`` or digits
without a leading zero) and ``writer.lock``. Never a folder, never another name: a user's
``tmp/``, ``vectors-notes.faiss.txt`` or ``vectors-1.faiss.bak`` stays where it is.

See :mod:`askcorpus.store_local` for the layout, :mod:`askcorpus.store_writer` for updates and
:mod:`askcorpus.store_check` for the FAISS-versus-SQLite consistency checks.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

from askcorpus.errors import (
    IndexAccessError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
)
from askcorpus.settings import SCHEMA_VERSION
from askcorpus.store import Manifest
from askcorpus.store_lock import LOCK_NAME, write_error
from askcorpus.vector_index import VectorIndex

DB_NAME = "askcorpus.sqlite3"
#: SQLite's own companions of a database file (WAL, its shared memory, a rollback journal).
_SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")
#: The database and its companions; the same under ``.new`` while an index is created.
DATABASE_FILES = tuple(DB_NAME + s for s in _SQLITE_SUFFIXES)
NEW_DATABASE_FILES = tuple(DB_NAME + ".new" + s for s in _SQLITE_SUFFIXES)
#: ``vectors-<generation>.faiss`` / ``.faiss.delta`` and their temporary files, nothing else.
_VECTOR_FILE = re.compile(r"vectors-(?:0|[1-9][0-9]*)\.faiss(?:\.delta)?(?:\.tmp)?", re.ASCII)
REBUILD = "run `askcorpus index --rebuild`"
#: Databases up to this size get SQLite's page check on every open (a fraction of a second).
VERIFY_LIMIT = 32 * 2**20  # deep check on open up to ~5k passages (~0.5 s); larger: `status`

#: Passage ids are never reused (AUTOINCREMENT): a reader holding an older generation's vector
#: ids can miss a passage that was removed since, but never get another passage's text.
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
    sections TEXT NOT NULL
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
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id, ordinal);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    body, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS skipped (source TEXT PRIMARY KEY, reason TEXT NOT NULL);
"""


def now_iso() -> str:
    """The current UTC time, ISO 8601, for manifests."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def connect(path: Path, immutable: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), foreign keys on.

    ``immutable`` reads a database on read-only media, where SQLite cannot create the shared
    memory file a WAL database otherwise needs (nothing can change it there anyway)."""
    target: str | Path = path
    if immutable:
        target = f"file:{urllib.parse.quote(str(path.resolve()))}?immutable=1"
    conn = sqlite3.connect(
        target, timeout=30, check_same_thread=False, isolation_level=None, uri=immutable
    )
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
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
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        # There is no database here (the caller checked), so a WAL or journal next to its name is
        # a deleted index's: SQLite would replay it onto the new database.
        for name in DATABASE_FILES[1:]:
            (folder / name).unlink(missing_ok=True)
        os.replace(tmp, folder / DB_NAME)
        fsync_dir(folder)
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        with contextlib.suppress(OSError):
            remove_new_database(folder)
        raise write_error(folder, exc, "create an index") from exc


def read_meta(conn: sqlite3.Connection, verify: bool) -> dict[str, str]:
    """The meta table, after SQLite's page check when ``verify`` (raises sqlite3 errors)."""
    if verify:
        verdict = [str(r[0]) for r in conn.execute("PRAGMA quick_check").fetchall()]
        if verdict != ["ok"]:
            raise sqlite3.DatabaseError("; ".join(verdict[:3]))
    return dict(conn.execute("SELECT key, value FROM meta").fetchall())


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_database(db: Path, verify: bool) -> tuple[sqlite3.Connection, Manifest]:
    """Connect to an existing index database and read its manifest, after SQLite's page check
    when ``verify``; typed errors when it is unreadable, damaged or of another schema version.
    On read-only media (no WAL shared memory possible) the database is opened immutable."""
    conn = None
    try:
        try:
            conn = connect(db)
            rows = read_meta(conn, verify)
        except sqlite3.OperationalError:
            if os.access(db.parent, os.W_OK):
                raise
            if conn is not None:
                conn.close()
            conn = connect(db, immutable=True)
            rows = read_meta(conn, verify)
        manifest = Manifest.from_json(rows["manifest"])
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        raise database_error(db, exc) from exc
    except (KeyError, ValueError, TypeError) as exc:
        conn.close()
        raise IndexCorruptError(
            f"index database {db} has no readable manifest ({exc!r})", db, REBUILD
        ) from exc
    if manifest.schema_version != SCHEMA_VERSION:
        conn.close()
        raise IndexMismatchError(
            f"index database {db} has schema version {manifest.schema_version}, this "
            f"askcorpus reads version {SCHEMA_VERSION}",
            db,
            REBUILD,
        )
    return conn, manifest
