"""The keyword half of :class:`~askcorpus.store_local.LocalStore`: FTS5 BM25 search.

The caller (``askcorpus.query.fts_match``) builds the FTS5 ``MATCH`` expression; this module
runs it. A malformed expression finds nothing rather than failing the whole search.
"""

from __future__ import annotations

import logging
import sqlite3

log = logging.getLogger(__name__)


def search_lexical(conn: sqlite3.Connection, match: str, k: int) -> list[tuple[int, float]]:
    """FTS5 BM25 matches for an FTS5 ``match`` expression, best first (score = -bm25)."""
    if not match:
        return []
    try:
        rows = conn.execute(
            "SELECT rowid, -bm25(passages_fts) AS s FROM passages_fts "
            "WHERE passages_fts MATCH ? ORDER BY s DESC LIMIT ?",
            (match, k),
        ).fetchall()
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorname", "SQLITE_ERROR") != "SQLITE_ERROR":
            raise
        log.debug("FTS query failed: %r", match, exc_info=True)
        return []
    return [(int(r[0]), float(r[1])) for r in rows]
