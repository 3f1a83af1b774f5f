"""The read side of :class:`~askcorpus.store.local.store.LocalStore`: queries that turn rows into records.

Each function takes the store's connection (the caller holds the store's lock and, for reads
that must agree with each other, a snapshot) and the database path for error messages. A
malformed row is an :class:`IndexCorruptError` naming the database and the fix.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from askcorpus.errors import IndexCorruptError
from askcorpus.records import Document, Section, SkippedFile
from askcorpus.store.base import REBUILD, DocState, StoredPassage
from askcorpus.store.local.checksum import document_checksum, passage_checksum


def document_states(conn: sqlite3.Connection) -> dict[str, DocState]:
    """Every indexed document's state, keyed by source."""
    # Passage counts from the (doc_id, ordinal) index alone, then one pass over documents:
    # cheaper than a join that probes the passage index once per document.
    counts = dict(conn.execute("SELECT doc_id, count(*) FROM passages GROUP BY doc_id").fetchall())
    rows = conn.execute("SELECT id, source, content_hash, size, mtime FROM documents").fetchall()
    return {r[1]: DocState(r[1], r[2], r[3], r[4], counts.get(r[0], 0)) for r in rows}


def passages(conn: sqlite3.Connection, db: Path, ids: Sequence[int]) -> dict[int, StoredPassage]:
    """Passages by id, with their exact text sliced from the stored document text, each checked
    against its checksum (a few microseconds per passage): a damaged one is an error, never a
    quote that is not in the file."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f'SELECT p.id, d.source, d.title, p.start, p."end", '
        f'substr(d.text, p.start + 1, p."end" - p.start), p.paragraph, p.page, p.section, '
        f"p.checksum, d.kind, d.ocr_pages, d.date FROM passages p "
        f"JOIN documents d ON d.id = p.doc_id "
        f"WHERE p.id IN ({marks})",
        list(ids),
    ).fetchall()
    found = {}
    for (
        pid,
        source,
        title,
        start,
        end,
        text,
        paragraph,
        page,
        section,
        check,
        kind,
        ocr,
        date,
    ) in rows:
        if passage_checksum(source, title, start, end, paragraph, page, section, text) != check:
            raise damaged_row(db, f"passage {pid} of {source}")
        # "[]" for every document without scans: parse only when a page may be an OCR page.
        from_ocr = ocr != "[]" and page is not None and page in json.loads(ocr)
        found[pid] = StoredPassage(
            pid, source, title, start, end, text, paragraph, page, section, kind, from_ocr, date
        )
    return found


def damaged_row(db: Path, what: str) -> IndexCorruptError:
    """The error for a row whose contents do not match their checksum."""
    return IndexCorruptError(
        f"index database {db} is damaged: the stored text of {what} does not match its checksum",
        db,
        REBUILD,
    )


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


def document(conn: sqlite3.Connection, db: Path, source: str) -> Document | None:
    """A stored document, with the exact text that was indexed (checked against its checksum:
    ~1 ms per megabyte of text)."""
    row = conn.execute(
        "SELECT source, title, text, content_hash, size, mtime, kind, page_starts, "
        "sections, checksum, ocr_pages, date, language FROM documents WHERE source = ?",
        (source,),
    ).fetchone()
    if row is None:
        return None
    if (
        document_checksum(row[0], row[1], row[6], row[7], row[8], row[10], row[11], row[12], row[2])
        != row[9]
    ):
        raise damaged_row(db, source)
    try:
        page_starts = tuple(int(p) for p in json.loads(row[7]))
        sections = tuple(Section(int(s), str(t)) for s, t in json.loads(row[8]))
        ocr_pages = tuple(int(p) for p in json.loads(row[10]))
    except (ValueError, TypeError) as exc:
        raise IndexCorruptError(
            f"index database {db} holds a malformed record for {source}", db, REBUILD
        ) from exc
    return Document(
        source=row[0],
        path=Path(row[0]),
        title=row[1],
        text=row[2],
        content_hash=row[3],
        size=row[4],
        mtime=row[5],
        kind=row[6],
        page_starts=page_starts,
        sections=sections,
        ocr_pages=ocr_pages,
        date=row[11],
        language=row[12],
    )


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
