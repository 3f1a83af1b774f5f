"""The read side of :class:`~askcorpus.store.local.store.LocalStore`: queries that turn rows into records.

Each function takes the store's connection (the caller holds the store's lock and, for reads
that must agree with each other, a snapshot) and the database path for error messages. A
malformed row is an :class:`IndexCorruptError` naming the database and the fix.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from askcorpus.errors import IndexCorruptError
from askcorpus.records import Document, SkippedFile
from askcorpus.store.base import REBUILD, DocState, StoredPassage
from askcorpus.store.decode import (
    DOCUMENT_COLUMNS,
    PASSAGE_COLUMNS,
    document_record,
    stored_passage,
)
from askcorpus.store.local.state import PerState


def document_states(conn: sqlite3.Connection) -> dict[str, DocState]:
    """Every indexed document's state, keyed by source."""
    # Passage counts from the (doc_id, ordinal) index alone, then one pass over documents:
    # cheaper than a join that probes the passage index once per document.
    counts = dict(conn.execute("SELECT doc_id, count(*) FROM passages GROUP BY doc_id").fetchall())
    rows = conn.execute("SELECT id, source, content_hash, size, mtime FROM documents").fetchall()
    return {r[1]: DocState(r[1], r[2], r[3], r[4], counts.get(r[0], 0)) for r in rows}


#: Passages kept per connection once read and checked, for as long as its committed state
#: holds: a search reads its best candidates several times (read ahead, the hits, the absence
#: estimate), and the passages of one topic come back question after question.
PASSAGES_KEPT = 4096


def _recent() -> OrderedDict[int, StoredPassage]:
    return OrderedDict()


_RECENT: PerState[OrderedDict[int, StoredPassage]] = PerState(_recent)


def passages(conn: sqlite3.Connection, db: Path, ids: Sequence[int]) -> dict[int, StoredPassage]:
    """Passages by id, with their exact text sliced from the stored document text, each checked
    against its checksum (a few microseconds per passage) when it is read: a damaged one is an
    error, never a quote that is not in the file. Those read lately in the same committed state
    come from memory (:data:`PASSAGES_KEPT`). Ordered by id."""
    if not ids:
        return {}
    recent = _RECENT.get(conn)
    out: dict[int, StoredPassage] = {}
    wanted = list(dict.fromkeys(ids))
    if recent is not None:
        for pid in wanted:
            if pid in recent:
                recent.move_to_end(pid)
                out[pid] = recent[pid]
        wanted = [pid for pid in wanted if pid not in out]
    if wanted:
        marks = ",".join("?" * len(wanted))
        rows = conn.execute(
            f"SELECT {PASSAGE_COLUMNS} FROM passages p JOIN documents d ON d.id = p.doc_id "
            f"WHERE p.id IN ({marks})",
            wanted,
        ).fetchall()
        for row in rows:
            out[row[0]] = stored_passage(row, db)
        if recent is not None:
            recent.update((row[0], out[row[0]]) for row in rows)
            while len(recent) > PASSAGES_KEPT:
                recent.popitem(last=False)
    return {pid: out[pid] for pid in sorted(out)}  # by id, as SQLite returns an IN list


def passage_vectors(
    conn: sqlite3.Connection, db: Path, dimension: int, ids: Sequence[int]
) -> np.ndarray:
    """The stored vectors of passages ``ids`` (in that order)."""
    marks = ",".join("?" * len(ids))
    rows = dict(
        conn.execute(f"SELECT id, vector FROM passages WHERE id IN ({marks})", list(ids)).fetchall()
    )
    size = 4 * dimension
    if any(i not in rows or len(rows[i]) != size for i in ids):
        raise IndexCorruptError(
            f"index database {db} holds missing or malformed passage vectors", db, REBUILD
        )
    return np.stack([np.frombuffer(rows[i], dtype=np.float32) for i in ids])


#: Characters of document text kept per connection once read and checked (the documents read
#: last), for as long as its committed state holds: a search reads the documents of the hits it
#: merges, the reading pane the one shown, and a long document's checksum costs ~1 ms a MB.
DOCUMENT_CHARS_KEPT = 8_000_000


@dataclass
class _Documents:
    """The documents read last in one committed state, most recent last, and their length."""

    kept: OrderedDict[str, Document] = field(default_factory=OrderedDict)
    chars: int = 0


_DOCUMENTS: PerState[_Documents] = PerState(_Documents)


def document(conn: sqlite3.Connection, db: Path, source: str) -> Document | None:
    """A stored document, with the exact text that was indexed (checked against its checksum
    when read: ~1 ms per megabyte of text); the last read ones come from memory while the
    committed state holds (:data:`DOCUMENT_CHARS_KEPT`)."""
    recent = _DOCUMENTS.get(conn)
    if recent is not None and source in recent.kept:
        recent.kept.move_to_end(source)
        return recent.kept[source]
    row = conn.execute(
        f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE source = ?", (source,)
    ).fetchone()
    if row is None:
        return None
    found = document_record(row, db)
    if recent is not None and len(found.text) <= DOCUMENT_CHARS_KEPT:
        recent.kept[source] = found
        recent.chars += len(found.text)
        while recent.chars > DOCUMENT_CHARS_KEPT:
            _source, dropped = recent.kept.popitem(last=False)
            recent.chars -= len(dropped.text)
    return found


def document_passages(conn: sqlite3.Connection, source: str) -> list[tuple[int, int, int]]:
    """``(id, start, end)`` of every passage of a document, in order."""
    return conn.execute(
        'SELECT p.id, p.start, p."end" FROM passages p JOIN documents d ON '
        "d.id = p.doc_id WHERE d.source = ? ORDER BY p.ordinal",
        (source,),
    ).fetchall()


def skipped(conn: sqlite3.Connection) -> list[SkippedFile]:
    """Files the last indexing run could not use."""
    rows = conn.execute("SELECT source, reason FROM skipped ORDER BY source").fetchall()
    return [SkippedFile(*r) for r in rows]
