"""What identifies the committed state a connection reads, and values kept per connection for
as long as that state holds (parsed postings, recently read passages, counts), in bounded
least-recently-used maps (:class:`Recent`).

SQLite's ``data_version`` changes when another connection commits; a connection's own
``total_changes`` when it writes. Inside a read transaction both stay put, so a value kept for
one state is right for every read of that state, and a commit anywhere starts it over.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


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


def _one(_value: object) -> int:
    return 1


class Recent(Generic[K, V]):
    """Values by key, the least recently used dropped first once their weights (``weight``,
    1 each unless given) add up to more than ``bound()`` (read at every :meth:`put`, so a
    changed setting applies); a value heavier than the bound alone is not kept. Thread-safe."""

    def __init__(self, bound: Callable[[], int], weight: Callable[[V], int] = _one) -> None:
        self._bound, self._weight = bound, weight
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self.size = 0  # the weights held, summed

    def get(self, key: K) -> V | None:
        """The value of ``key`` (marked as used), or None."""
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        """Keep ``value``, dropping the least recently used beyond the bound."""
        weight, bound = self._weight(value), self._bound()
        if weight > bound:
            return
        with self._lock:
            old = self._values.pop(key, None)
            if old is not None:
                self.size -= self._weight(old)
            self._values[key] = value
            self.size += weight
            while self.size > bound:
                _key, dropped = self._values.popitem(last=False)
                self.size -= self._weight(dropped)

    def __iter__(self) -> Iterator[K]:
        """The keys, least recently used first."""
        with self._lock:
            return iter(list(self._values))


@dataclass
class _Rows:
    counts: tuple[int, int, int] | None = None


# The row counts of one committed state, per connection: a search asks for the passage count
# (the keyword side's pruning and re-scoring, the absence estimate's rarity), and COUNT(*)
# walks the whole table (~10 ms at 1M passages).
_ROWS: PerState[_Rows] = PerState(_Rows)


def row_counts(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """Documents, passages and skipped files in the committed state ``conn`` reads."""
    kept = _ROWS.get(conn)
    if kept is not None and kept.counts is not None:
        return kept.counts
    docs, passages, skipped = (
        int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        for table in ("documents", "passages", "skipped")
    )
    if kept is not None:
        kept.counts = (docs, passages, skipped)
    return docs, passages, skipped
