"""Consistency checks between an index's database and its vector file.

Two levels (see docs/index-integrity.md for what each detects and when it runs):

* :func:`vector_file_problem` runs whenever a generation's vector file is loaded (every open,
  and every reader that follows a writer): the file holds exactly the passage ids the database
  holds. It reads only the passage index, not the rows: ~50 ms at 100k passages.
* :func:`consistency_problems` is the full check (``askcorpus status``, and every open of a
  database up to ``VERIFY_LIMIT``): SQLite's page check when ``deep``, every stored vector's
  length, and every vector compared with the copy the database keeps.
* :func:`text_problems` (``askcorpus status``) compares every document and passage with its
  checksum (:mod:`askcorpus.store.checksum`), and :func:`keyword_index_problem` runs FTS5's own
  integrity check of the keyword index against the passages' search text.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from pathlib import Path

import numpy as np

from askcorpus.errors import AskcorpusError, IndexCorruptError, IndexMismatchError
from askcorpus.store.base import REBUILD, Manifest
from askcorpus.store.checksum import document_checksum, passage_checksum
from askcorpus.store.local.files import DB_NAME, connect
from askcorpus.store.local.vectors import VectorIndex

log = logging.getLogger(__name__)


def _database_ids(conn: sqlite3.Connection) -> np.ndarray:
    """All passage ids, sorted. One string from the (doc_id, ordinal) index: building 100k
    Python tuples would take longer than reading them."""
    text = conn.execute("SELECT group_concat(id) FROM passages").fetchone()[0]
    if not text:
        return np.empty(0, np.int64)
    return np.sort(np.fromstring(text, dtype=np.int64, sep=","))


def vector_file_problem(
    conn: sqlite3.Connection, path: Path, vectors: VectorIndex
) -> IndexCorruptError | None:
    """Inside a read transaction: the error when the vector file ``path`` (loaded as
    ``vectors``) does not hold exactly the database's passages, else None."""
    db = path.parent / DB_NAME
    count = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
    if vectors.ntotal != count:
        return IndexCorruptError(
            f"vector file {path} holds {vectors.ntotal} vectors but the database {db} has "
            f"{count} passages",
            path,
            REBUILD,
        )
    if not np.array_equal(np.sort(vectors.ids()), _database_ids(conn)):
        return IndexCorruptError(
            f"vector file {path} and index database {db} hold different passages", path, REBUILD
        )
    return None


def consistency_problems(
    conn: sqlite3.Connection,
    manifest: Manifest,
    path: Path,
    vectors: VectorIndex | None,
    deep: bool,
) -> list[AskcorpusError]:
    """Inside a read transaction: what is wrong between the database and the loaded vector
    file ``path`` (see :meth:`LocalStore.check`)."""
    db, dim = path.parent / DB_NAME, manifest.dimension
    if deep:
        verdict = [str(r[0]) for r in conn.execute("PRAGMA quick_check").fetchall()]
        if verdict != ["ok"]:
            detail = " ".join("; ".join(verdict[:3]).split())[:200]
            return [IndexCorruptError(f"index database {db} is damaged: {detail}", db, REBUILD)]
        problems = text_problems(conn, db)
        if problems:
            return problems
    bad = conn.execute(
        "SELECT count(*) FROM passages WHERE length(vector) != ?", (4 * dim,)
    ).fetchone()[0]
    if bad:
        return [
            IndexMismatchError(
                f"index database {db} holds {bad} vectors of another dimension than the "
                f"manifest's {dim}",
                db,
                REBUILD,
            )
        ]
    if vectors is None:
        return [IndexCorruptError(f"vector file {path} is not loaded", path, REBUILD)]
    problem = vector_file_problem(conn, path, vectors)
    if problem is not None:
        return [problem]
    rows = conn.execute("SELECT id, vector FROM passages ORDER BY id").fetchall()
    ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    stored = np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(-1, dim)
    held_ids, held = vectors.all_vectors()
    order = np.argsort(held_ids)
    tolerance = 0.05 if vectors.approximate else 1e-4  # compressed storage is lossy
    if len(ids) and not np.allclose(held[order], stored, atol=tolerance):
        return [
            IndexCorruptError(
                f"vector file {path} holds vectors that differ from the database's",
                path,
                REBUILD,
            )
        ]
    return []


def text_problems(conn: sqlite3.Connection, db: Path) -> list[AskcorpusError]:
    """Inside a read transaction: every document and passage whose stored contents do not match
    their checksum, and passages whose document is gone (one error naming the first few).
    Reads each document's text once (~1 s per GB of text)."""
    by_doc: dict[int, list[tuple]] = {}
    for row in conn.execute(
        'SELECT doc_id, id, start, "end", paragraph, page, section, checksum FROM passages'
    ):
        by_doc.setdefault(row[0], []).append(row[1:])
    bad: list[str] = []
    documents = conn.execute(
        "SELECT id, source, title, kind, page_starts, sections, ocr_pages, date, language, text, "
        "checksum FROM documents"
    )
    for row in documents:
        doc_id, source, title, kind, page_starts, sections, ocr, date, lang, text, check = row
        meta = (source, title, kind, page_starts, sections, ocr, date, lang)
        if document_checksum(*meta, text) != check:
            bad.append(source)
        for pid, start, end, paragraph, page, section, p_check in by_doc.pop(doc_id, ()):
            quote = text[start:end] if 0 <= start <= end else ""
            if passage_checksum(source, title, start, end, paragraph, page, section, quote) != (
                p_check
            ):
                bad.append(f"passage {pid} of {source}")
    problems: list[AskcorpusError] = []
    if bad:
        shown = ", ".join(bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        problems.append(
            IndexCorruptError(
                f"index database {db} is damaged: the stored text of {shown} does not match "
                "its checksum",
                db,
                REBUILD,
            )
        )
    orphans = sum(len(rows) for rows in by_doc.values())
    if orphans:
        problems.append(
            IndexCorruptError(
                f"index database {db} is damaged: {orphans} passages belong to no document",
                db,
                REBUILD,
            )
        )
    return problems


def keyword_index_problem(db: Path, opened: Path | None = None) -> IndexCorruptError | None:
    """FTS5's integrity check of the keyword index (its segments, and that they index exactly
    the stored search text), or None when it passes or cannot run.

    FTS5 runs it as an ``INSERT`` command, which a read-only connection refuses, so it runs on a
    connection of its own inside a transaction that is rolled back (nothing is written). It
    needs the write lock for that moment: while a writer holds it, or where nothing can be
    written (read-only media, a full disk), the check is skipped and logged. ``opened`` is the
    file actually read when it is a private copy of ``db`` (errors name ``db``)."""
    try:
        conn = connect(opened or db)
    except sqlite3.Error as exc:
        log.info("keyword index check skipped for %s: %s", db, exc)
        return None
    try:
        conn.execute("PRAGMA busy_timeout = 0")  # never wait for a running update
        conn.execute("BEGIN")
        try:
            conn.execute("INSERT INTO passages_fts(passages_fts) VALUES ('integrity-check')")
        finally:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        name = getattr(exc, "sqlite_errorname", "")
        if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in str(exc):
            detail = " ".join(str(exc).split())[:200]
            return IndexCorruptError(
                f"index database {db} is damaged: its keyword index fails FTS5's check ({detail})",
                db,
                REBUILD,
            )
        log.info("keyword index check skipped for %s: %s", db, exc)
        return None
    finally:
        conn.close()
    return None
