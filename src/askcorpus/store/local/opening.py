"""Opening an existing index database for reading, also where SQLite cannot write beside it.

A WAL database needs a shared-memory file (``-shm``) next to it, which SQLite cannot create or
grow on read-only media or a full disk; :func:`open_database` then reads the database file
alone (``immutable``) or a private copy of it with its write-ahead log (see its docstring).
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from askcorpus.errors import IndexAccessError, IndexCorruptError, IndexMismatchError
from askcorpus.settings import SCHEMA_VERSION
from askcorpus.store.base import REBUILD, Manifest
from askcorpus.store.local.files import IndexConnection, connect, database_error

log = logging.getLogger(__name__)


def read_meta(conn: sqlite3.Connection, verify: bool) -> dict[str, str]:
    """The meta table, after SQLite's page check when ``verify`` (raises sqlite3 errors)."""
    if verify:
        verdict = [str(r[0]) for r in conn.execute("PRAGMA quick_check").fetchall()]
        if verdict != ["ok"]:
            raise sqlite3.DatabaseError("; ".join(verdict[:3]))
    return dict(conn.execute("SELECT key, value FROM meta").fetchall())


#: What SQLite reports when it cannot create or grow a WAL database's shared-memory file
#: (``-shm``): a read-only folder, a full disk. Reading then needs another way (open_database).
_NO_SHARED_MEMORY = ("SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN")


def open_database(db: Path, verify: bool) -> tuple[IndexConnection, Manifest]:
    """Connect to an existing index database for reading and read its manifest, after SQLite's
    page check when ``verify``; typed errors when it is unreadable, damaged or of another schema
    version.

    A WAL database needs a shared-memory file beside it, which SQLite cannot create or grow on
    read-only media or a full disk. Then: with nothing pending in the write-ahead log (no
    ``-wal`` file, or an empty one) the database file alone is the last published state, and is
    opened ``immutable``; otherwise the database and its log are copied to a temporary folder
    and read there (removed on close), and when no copy can be made the error says what to
    do."""
    conn = None
    try:
        try:
            conn = connect(db, reader=True)
            rows = read_meta(conn, verify)
        except sqlite3.OperationalError as exc:
            name = getattr(exc, "sqlite_errorname", "")
            if not name.startswith(_NO_SHARED_MEMORY) or not os.access(db, os.R_OK):
                raise
            if conn is not None:
                conn.close()
            conn = None
            conn = _open_without_shared_memory(db, exc)
            rows = read_meta(conn, verify)
        manifest = Manifest.from_json(rows["manifest"])
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        raise database_error(db, exc) from exc
    except (KeyError, ValueError, TypeError) as exc:
        if conn is not None:
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


def file_signature(db: Path) -> tuple[int, int]:
    """Size and modification time of the database file: what a writer changes."""
    st = db.stat()
    return st.st_size, st.st_mtime_ns


def _open_without_shared_memory(db: Path, cause: sqlite3.Error) -> IndexConnection:
    """Read ``db`` where SQLite cannot create its shared memory (see :func:`open_database`)."""
    wal = db.with_name(db.name + "-wal")
    try:
        pending = wal.stat().st_size > 0
    except FileNotFoundError:
        pending = False
    if not pending:
        log.info("reading %s immutable: no shared memory possible (%s)", db, cause)
        conn = connect(db, immutable=True)
        conn.frozen = file_signature(db)
        return conn
    failures = []
    for parent in (None, "/dev/shm"):  # the temporary folder, else memory (a full disk)
        try:
            copy_dir = Path(tempfile.mkdtemp(prefix="askcorpus-readonly-", dir=parent))
        except OSError as exc:
            failures.append(str(exc))
            continue
        try:
            shutil.copyfile(db, copy_dir / db.name)
            shutil.copyfile(wal, copy_dir / wal.name)
            conn = connect(copy_dir / db.name, reader=True)  # applies the log to the copy
        except (OSError, sqlite3.Error) as exc:
            shutil.rmtree(copy_dir, ignore_errors=True)
            failures.append(str(exc))
            continue
        conn.copy_dir = copy_dir
        log.warning(
            "index %s: its last update is still in %s and SQLite cannot apply it there (%s); "
            "reading a private copy in %s",
            db,
            wal.name,
            cause,
            copy_dir,
        )
        return conn
    raise IndexAccessError(
        f"cannot read the index database {db}: its last update is still in {wal.name}, which "
        f"SQLite cannot apply in that folder ({cause}: read-only or out of space), and no "
        f"temporary copy could be made ({'; '.join(failures)[:200]})",
        db,
        "copy the whole index folder to a writable disk with free space and open the copy, "
        "or free some space on its disk",
    )
