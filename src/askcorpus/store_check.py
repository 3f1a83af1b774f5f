"""Consistency checks between an index's database and its vector file.

Two levels (see docs/index-integrity.md for what each detects and when it runs):

* :func:`vector_file_problem` runs whenever a generation's vector file is loaded (every open,
  and every reader that follows a writer): the file holds exactly the passage ids the database
  holds. It reads only the passage index, not the rows: ~50 ms at 100k passages.
* :func:`consistency_problems` is the full check (``askcorpus status``, and every open of a
  database up to ``VERIFY_LIMIT``): SQLite's page check when ``deep``, every stored vector's
  length, and every vector compared with the copy the database keeps.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from askcorpus.errors import AskcorpusError, IndexCorruptError, IndexMismatchError
from askcorpus.store import Manifest
from askcorpus.store_files import DB_NAME, REBUILD
from askcorpus.vector_index import VectorIndex


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
