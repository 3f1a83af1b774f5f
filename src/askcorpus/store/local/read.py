"""The read side of :class:`~askcorpus.store.local.store.LocalStore`: queries that turn rows into records.

Each function takes the store's connection (the caller holds the store's lock and, for reads
that must agree with each other, a snapshot) and the database path for error messages. A
malformed row is an :class:`IndexCorruptError` naming the database and the fix.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
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
from askcorpus.store.local.state import PerState, Recent


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


def _recent_passages() -> Recent[int, StoredPassage]:
    return Recent(lambda: PASSAGES_KEPT)


_PASSAGES: PerState[Recent[int, StoredPassage]] = PerState(_recent_passages)


def passages(conn: sqlite3.Connection, db: Path, ids: Sequence[int]) -> dict[int, StoredPassage]:
    """Passages by id, with their exact text sliced from the stored document text, each checked
    against its checksum (a few microseconds per passage) when it is read: a damaged one is an
    error, never a quote that is not in the file. Those read lately in the same committed state
    come from memory (:data:`PASSAGES_KEPT`). Ordered by id."""
    if not ids:
        return {}
    recent = _PASSAGES.get(conn)
    out: dict[int, StoredPassage] = {}
    wanted = []
    for pid in dict.fromkeys(ids):
        kept = recent.get(pid) if recent is not None else None
        if kept is not None:
            out[pid] = kept
        else:
            wanted.append(pid)
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
                recent.put(row[0], out[row[0]])
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


def _recent_documents() -> Recent[str, Document]:
    return Recent(lambda: DOCUMENT_CHARS_KEPT, lambda doc: len(doc.text))


_DOCUMENTS: PerState[Recent[str, Document]] = PerState(_recent_documents)


def document(conn: sqlite3.Connection, db: Path, source: str) -> Document | None:
    """A stored document, with the exact text that was indexed (checked against its checksum
    when read: ~1 ms per megabyte of text); the last read ones come from memory while the
    committed state holds (:data:`DOCUMENT_CHARS_KEPT`)."""
    recent = _DOCUMENTS.get(conn)
    kept = recent.get(source) if recent is not None else None
    if kept is not None:
        return kept
    row = conn.execute(
        f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE source = ?", (source,)
    ).fetchone()
    if row is None:
        return None
    found = document_record(row, db)
    if recent is not None:
        recent.put(source, found)
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
