"""What identifies the committed state a connection reads, and values kept per connection for
as long as that state holds (parsed postings, recently read passages, counts).

SQLite's ``data_version`` changes when another connection commits; a connection's own
``total_changes`` when it writes. Inside a read transaction both stay put, so a value kept for
one state is right for every read of that state, and a commit anywhere starts it over.
"""

from __future__ import annotations

import contextlib
import sqlite3
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


# The state read when a read transaction began, per connection, while it lasts (see pin).
_PINNED: weakref.WeakKeyDictionary[sqlite3.Connection, tuple[int, int]]
_PINNED = weakref.WeakKeyDictionary()


def committed_state(conn: sqlite3.Connection) -> tuple[int, int]:
    """What identifies the committed state ``conn`` reads: SQLite's ``data_version`` (changes
    when another connection commits) and the connection's own ``total_changes``; inside a read
    transaction :func:`pin` began, the state it pinned (while the connection writes nothing)."""
    try:
        pinned = _PINNED.get(conn)
    except TypeError:
        pinned = None
    if pinned is not None and pinned[1] == conn.total_changes:
        return pinned
    return int(conn.execute("PRAGMA data_version").fetchone()[0]), conn.total_changes


def pin(conn: sqlite3.Connection) -> None:
    """Remember the state ``conn`` reads, just after it began a read transaction, until
    :func:`unpin`: a transaction reads one state (``data_version`` moves only when a new one
    begins), and each ``PRAGMA`` lets go of the GIL, which a search's worker thread may then
    hold a while; a search asks for the state a dozen times."""
    with contextlib.suppress(TypeError):
        _PINNED.pop(conn, None)
        _PINNED[conn] = committed_state(conn)


def unpin(conn: sqlite3.Connection) -> None:
    """Forget what :func:`pin` remembered (before the transaction ends)."""
    with contextlib.suppress(TypeError):
        _PINNED.pop(conn, None)


class PerState(Generic[T]):
    """One value per connection (made by ``make``), made afresh when the committed state the
    connection reads changes; dropped with the connection."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._kept: weakref.WeakKeyDictionary[sqlite3.Connection, tuple[tuple[int, int], T]]
        self._kept = weakref.WeakKeyDictionary()

    def get(self, conn: sqlite3.Connection) -> T | None:
        """The value for the state ``conn`` reads now; None for a connection that takes no
        weak reference (a plain ``sqlite3.Connection``: nothing is kept for it)."""
        state = committed_state(conn)
        try:
            held = self._kept.get(conn)
        except TypeError:
            return None
        if held is None or held[0] != state:
            held = self._kept[conn] = (state, self._make())
        return held[1]
