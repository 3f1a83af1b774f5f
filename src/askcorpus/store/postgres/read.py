"""The read side of the PostgreSQL store: queries that turn rows into records, each row's
text checked against its CRC-32 (the local store's checksums, :mod:`askcorpus.store.checksum`
computes the same numbers) before it is shown.

Each function takes the store's connection (the caller holds the store's lock and, for reads
that must agree with each other, a snapshot) and what messages name.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import psycopg

from askcorpus.errors import IndexCorruptError
from askcorpus.records import Document, SkippedFile
from askcorpus.store.base import REBUILD, DocState, StoredPassage
from askcorpus.store.decode import (
    DOCUMENT_COLUMNS,
    PASSAGE_COLUMNS,
    document_record,
    stored_passage,
)
from askcorpus.store.postgres.vectors import parse


def document_states(conn: psycopg.Connection, s: str) -> dict[str, DocState]:
    """Every indexed document's state, keyed by source."""
    # One pass over the passages' doc index (a hash join), not a count per document.
    rows = conn.execute(
        f"SELECT d.source, d.content_hash, d.size, d.mtime, coalesce(c.n, 0) "
        f'FROM "{s}".documents d LEFT JOIN (SELECT doc_id, count(*) AS n '
        f'FROM "{s}".passages GROUP BY doc_id) c ON c.doc_id = d.id'
    ).fetchall()
    return {r[0]: DocState(r[0], r[1], int(r[2]), float(r[3]), int(r[4])) for r in rows}


def passages(
    conn: psycopg.Connection, s: str, where: Path, ids: Sequence[int]
) -> dict[int, StoredPassage]:
    """Passages by id, their text sliced from the stored document text and verified."""
    if not ids:
        return {}
    rows = conn.execute(
        f'SELECT {PASSAGE_COLUMNS} FROM "{s}".passages p '
        f'JOIN "{s}".documents d ON d.id = p.doc_id WHERE p.id = ANY(%s)',
        (list(ids),),
    ).fetchall()
    return {row[0]: stored_passage(row, where) for row in rows}


def passage_vectors(
    conn: psycopg.Connection, s: str, where: Path, dimension: int, ids: Sequence[int]
) -> np.ndarray:
    """The stored vectors of passages ``ids`` (in that order)."""
    rows: dict[int, bytes] = {
        int(i): bytes(v)
        for i, v in conn.execute(
            f'SELECT id, vector_send(embedding) FROM "{s}".passages WHERE id = ANY(%s)',
            (list(ids),),
        ).fetchall()
    }
    vectors = [parse(rows[i], dimension) if i in rows else None for i in ids]
    if any(v is None for v in vectors):
        raise IndexCorruptError(
            f"index {where} holds missing or malformed passage vectors", where, REBUILD
        )
    if not vectors:
        return np.empty((0, dimension), np.float32)
    return np.stack([v for v in vectors if v is not None])


def document(conn: psycopg.Connection, s: str, where: Path, source: str) -> Document | None:
    """A stored document with the exact text that was indexed (verified)."""
    row = conn.execute(
        f'SELECT {DOCUMENT_COLUMNS} FROM "{s}".documents WHERE source = %s', (source,)
    ).fetchone()
    return None if row is None else document_record(row, where)


def document_passages(conn: psycopg.Connection, s: str, source: str) -> list[tuple[int, int, int]]:
    """``(id, start, end)`` of every passage of a document, in order."""
    rows = conn.execute(
        f'SELECT p.id, p.start, p."end" FROM "{s}".passages p JOIN "{s}".documents d '
        f"ON d.id = p.doc_id WHERE d.source = %s ORDER BY p.ordinal",
        (source,),
    ).fetchall()
    return [(int(a), int(b), int(c)) for a, b, c in rows]


def skipped(conn: psycopg.Connection, s: str) -> list[SkippedFile]:
    """Files the last indexing run could not use."""
    rows = conn.execute(f'SELECT source, reason FROM "{s}".skipped ORDER BY source').fetchall()
    return [SkippedFile(a, b) for a, b in rows]
