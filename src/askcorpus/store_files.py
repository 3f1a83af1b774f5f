"""The files of an index folder: names, the SQLite schema and connection, atomic creation,
typed errors for what SQLite reports, and the FAISS-versus-SQLite consistency check.

See :mod:`askcorpus.store_local` for the layout and :mod:`askcorpus.store_writer` for updates.
"""

from __future__ import annotations

import os
import sqlite3
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from askcorpus.errors import (
    AskcorpusError,
    IndexAccessError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
)
from askcorpus.store import Manifest
from askcorpus.store_lock import write_error
from askcorpus.vector_index import VectorIndex

DB_NAME = "askcorpus.sqlite3"
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
        for leftover in folder.glob(DB_NAME + ".new*"):
            leftover.unlink()
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
        os.replace(tmp, folder / DB_NAME)
        fsync_dir(folder)
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        for leftover in folder.glob(DB_NAME + ".new*"):
            leftover.unlink(missing_ok=True)
        raise write_error(folder, exc, "create an index") from exc


def consistency_problems(
    conn: sqlite3.Connection,
    manifest: Manifest,
    path: Path,
    vectors: VectorIndex | None,
    deep: bool,
) -> list[AskcorpusError]:
    """Inside a read transaction: what is wrong between the database and the loaded vector
    file ``path`` (see :meth:`LocalStore.check`)."""
    db, dim = path.parent / DB_NAME, manifest.dimension
    if deep:
        verdict = [str(r[0]) for r in conn.execute("PRAGMA quick_check").fetchall()]
        if verdict != ["ok"]:
            detail = " ".join("; ".join(verdict[:3]).split())[:200]
            return [IndexCorruptError(f"index database {db} is damaged: {detail}", db, REBUILD)]
    bad = conn.execute(
        "SELECT count(*) FROM passages WHERE length(vector) != ?", (4 * dim,)
    ).fetchone()[0]
    if bad:
        return [
            IndexMismatchError(
                f"index database {db} holds {bad} vectors of another dimension than the "
                f"manifest's {dim}",
                db,
                REBUILD,
            )
        ]
    rows = conn.execute("SELECT id, vector FROM passages ORDER BY id").fetchall()
    ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    stored = np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(-1, dim)
    if vectors is None:
        return [IndexCorruptError(f"vector file {path} is not loaded", path, REBUILD)]
    held_ids, held = vectors.all_vectors()
    order = np.argsort(held_ids)
    if not np.array_equal(held_ids[order], ids):
        return [
            IndexCorruptError(
                f"vector file {path} and index database {db} hold different passages",
                path,
                REBUILD,
            )
        ]
    tolerance = 0.05 if vectors.approximate else 1e-4  # compressed storage is lossy
    if len(ids) and not np.allclose(held[order], stored, atol=tolerance):
        return [
            IndexCorruptError(
                f"vector file {path} holds vectors that differ from the database's",
                path,
                REBUILD,
            )
        ]
    return []


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
