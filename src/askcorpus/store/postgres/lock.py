"""One writer per index: a session-level ``pg_advisory_lock`` on a key of the index's schema.

The server drops the lock when its session ends, so a writer that dies (even by SIGKILL) or
loses its connection never leaves a stale lock. The holder is found in ``pg_stat_activity``:
every askcorpus connection names itself (``askcorpus writer pid N on HOST``), which is what
:class:`IndexLockedError` says. Readers never take it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import time

import psycopg

from askcorpus.errors import IndexLockedError, IndexWriteError
from askcorpus.store.postgres.connection import Target, connect, write_error

#: How long to wait for the server to notice that a holder on this machine has died.
DEAD_HOLDER_WAIT = 10.0
_HOLDER = re.compile(r"pid (\d+) on (\S+)")


def lock_key(schema: str) -> int:
    """The advisory lock key of an index (a positive 63-bit number)."""
    digest = hashlib.blake2b(f"askcorpus:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def check_writable(conn: psycopg.Connection, target: Target) -> None:
    """Refuse, with an IndexWriteError saying so, a standby or a role that cannot write."""
    row = conn.execute(
        "SELECT pg_is_in_recovery(), "
        "CASE WHEN to_regclass(%s) IS NULL "
        "THEN has_database_privilege(current_database(), 'CREATE') "
        "OR coalesce(has_schema_privilege(to_regnamespace(%s), 'CREATE'), false) "
        "ELSE has_table_privilege(to_regclass(%s), 'INSERT') END, current_user",
        (f'"{target.schema}".meta', f'"{target.schema}"', f'"{target.schema}".meta'),
    ).fetchone()
    if row is None:
        return
    standby, may_write, user = row
    if standby:
        why, hint = "the server is a read-only replica", "index on the primary server"
    elif not may_write:
        why = f"role {user} may read this index but not change it"
        hint = "index with a role granted write access (docs/team.md, Roles)"
    else:
        return
    raise IndexWriteError(f"cannot index into {target.url}: {why}", target.where, hint)


class AdvisoryLock:
    """The writer lock of one index (a context manager), held on a connection of its own."""

    def __init__(self, target: Target):
        self.target = target
        self._conn: psycopg.Connection | None = None

    def acquire(self) -> None:
        """Take the lock, or raise IndexLockedError naming the holder; IndexWriteError when
        this role or server cannot write at all."""
        conn = connect(self.target, "writer")
        key = lock_key(self.target.schema)
        try:
            check_writable(conn, self.target)
            deadline = time.monotonic() + DEAD_HOLDER_WAIT
            while True:
                row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
                if row is not None and row[0]:
                    break
                holder = _holder(conn, key)  # None: released since we tried
                if holder is not None and (not _died_here(holder) or time.monotonic() > deadline):
                    raise IndexLockedError(
                        f"index is being updated by another process ({holder}): {self.target.url}",
                        self.target.where,
                        "wait for it to finish, then try again",
                    )
                time.sleep(0.02)  # a dead holder's session is ending: the server frees it
        except psycopg.Error as exc:
            conn.close()
            raise write_error(self.target, exc, "lock the index") from exc
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    def release(self) -> None:
        """Release the lock (idempotent): closing the session frees it."""
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                # Unlock first: the server ends a closed session asynchronously, and the next
                # writer must find the lock free at once.
                self._conn.execute("SELECT pg_advisory_unlock(%s)", (lock_key(self.target.schema),))
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None

    def __enter__(self) -> AdvisoryLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _holder(conn: psycopg.Connection, key: int) -> str | None:
    """Who holds the lock, as its session names itself (or its server pid); None when nobody
    does."""
    row = conn.execute(
        "SELECT a.application_name, a.pid, a.usename FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND l.classid = %s AND l.objid = %s",
        (key >> 32, key & 0xFFFFFFFF),
    ).fetchone()
    if row is None:
        return None
    name, backend, user = row
    if name and _HOLDER.search(name):
        return " ".join(str(name).split()[1:])  # "writer pid N on HOST"
    return f"server process {backend} of role {user}"


def _died_here(holder: str) -> bool:
    """True when ``holder`` is a process of this machine that no longer runs."""
    match = _HOLDER.search(holder)
    if match is None or not socket.gethostname().startswith(match.group(2)):
        return False
    try:
        os.kill(int(match.group(1)), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False
