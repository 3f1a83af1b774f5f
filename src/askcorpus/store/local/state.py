"""What identifies the committed state a connection reads, and values kept per connection for
as long as that state holds (parsed postings, recently read passages, counts).

SQLite's ``data_version`` changes when another connection commits; a connection's own
``total_changes`` when it writes. Inside a read transaction both stay put, so a value kept for
one state is right for every read of that state, and a commit anywhere starts it over.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def committed_state(conn: sqlite3.Connection) -> tuple[int, int]:
    """What identifies the committed state ``conn`` reads: SQLite's ``data_version`` (changes
    when another connection commits) and the connection's own ``total_changes``."""
    return int(conn.execute("PRAGMA data_version").fetchone()[0]), conn.total_changes


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
