"""The rows of one document as the writer inserts them: the document with its checksum, each
passage with its offsets, vector and checksum, and its keyword-index entry.

Run inside the writer's transaction (:mod:`askcorpus.store.local.writer`); what is inserted
here becomes visible only with the writer's publish.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

import numpy as np

from askcorpus.records import Document, Passage
from askcorpus.store.checksum import document_checksum, passage_checksum
from askcorpus.text.fold import keyword_text


def insert_document(
    conn: sqlite3.Connection, document: Document, passages: Sequence[Passage], vectors: np.ndarray
) -> list[int]:
    """Insert ``document`` (no row of that source may exist) and its passages with their
    float32 ``vectors``; returns the new passage ids, in order."""
    source, title, text = document.source, document.title, document.text
    page_starts = json.dumps(list(document.page_starts))
    sections = json.dumps([[s.start, s.title] for s in document.sections])
    ocr_pages = json.dumps(list(document.ocr_pages))
    cur = conn.execute(
        "INSERT INTO documents (source, title, kind, content_hash, size, mtime, text, "
        "page_starts, sections, ocr_pages, date, language, checksum) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            source,
            title,
            document.kind,
            document.content_hash,
            document.size,
            document.mtime,
            text,
            page_starts,
            sections,
            ocr_pages,
            document.date,
            document.language,
            document_checksum(
                source,
                title,
                document.kind,
                page_starts,
                sections,
                ocr_pages,
                document.date,
                document.language,
                text,
            ),
        ),
    )
    doc_id = _row_id(cur)
    ids: list[int] = []
    for p, vec in zip(passages, vectors, strict=True):
        check = passage_checksum(
            source, title, p.start, p.end, p.paragraph, p.page, p.section, text[p.start : p.end]
        )
        cur = conn.execute(
            'INSERT INTO passages (doc_id, ordinal, start, "end", paragraph, page, section, '
            "vector, checksum) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc_id,
                p.ordinal,
                p.start,
                p.end,
                p.paragraph,
                p.page,
                p.section,
                vec.tobytes(),
                check,
            ),
        )
        passage_id = _row_id(cur)
        ids.append(passage_id)
        conn.execute(
            "INSERT INTO passages_fts (rowid, body) VALUES (?, ?)",
            (passage_id, keyword_text(p.search_text)),
        )
    return ids


def _row_id(cur: sqlite3.Cursor) -> int:
    """The id SQLite gave the row ``cur`` just inserted."""
    if cur.lastrowid is None:  # only after a statement that inserted nothing
        raise sqlite3.DatabaseError("an insert into the index gave no row id")
    return cur.lastrowid
