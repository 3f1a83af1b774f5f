"""The keyword half of :class:`~askcorpus.store.local.store.LocalStore`: FTS5 BM25 search.

The caller (``askcorpus.text.query.fts_match``) builds the FTS5 ``MATCH`` expression, an ``OR`` of
quoted terms and phrases; this module runs it. A malformed expression finds nothing rather than
failing the whole search.

Frequent terms on large indexes: ``ORDER BY bm25 LIMIT n`` scores every passage that matches any
term, so one common word ("show", in a third of the passages) makes the scan as long as the
index. On indexes of at least :data:`PRUNE_MIN_PASSAGES` passages, when the terms' postings add
up to more than :data:`SCAN_BUDGET`, the most frequent terms (each in more than
:data:`FREQUENT_SHARE` of the passages, so their BM25 weight is small) are left out of the
ranking until the rest fit, always keeping the rarest. Smaller indexes are searched exactly as
asked. Measured in docs/benchmarks.md ("FTS5 at scale").
"""

from __future__ import annotations

import logging
import re
import sqlite3

log = logging.getLogger(__name__)

#: Indexes smaller than this are always searched with every term (their scans are short).
PRUNE_MIN_PASSAGES = 50_000
#: Postings (passages matching each term, summed over the terms) one ranking may scan.
SCAN_BUDGET = 80_000
#: Only terms found in more than this share of the passages may be left out.
FREQUENT_SHARE = 0.05
_QUOTED = re.compile(r'"(?:[^"]|"")*"')


def search_lexical(conn: sqlite3.Connection, match: str, k: int) -> list[tuple[int, float]]:
    """FTS5 BM25 matches for an FTS5 ``match`` expression, best first (score = -bm25)."""
    if not match:
        return []
    try:
        match = _without_frequent_terms(conn, match)
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


def _without_frequent_terms(conn: sqlite3.Connection, match: str) -> str:
    """``match`` with its most frequent terms left out when ranking all of them would scan more
    than :data:`SCAN_BUDGET` postings of a large index (see the module docstring)."""
    parts = match.split(" OR ")
    if len(parts) < 2 or not all(_QUOTED.fullmatch(p) for p in parts):
        return match  # not a plain OR of quoted terms: run as written
    total = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
    if total < PRUNE_MIN_PASSAGES:
        return match
    counts = {
        p: conn.execute(
            "SELECT count(*) FROM passages_fts WHERE passages_fts MATCH ?", (p,)
        ).fetchone()[0]
        for p in dict.fromkeys(parts)
    }
    scan = sum(counts.values())
    kept = dict(counts)
    for part in sorted(counts, key=counts.__getitem__, reverse=True):
        if scan <= SCAN_BUDGET or len(kept) == 1 or counts[part] <= FREQUENT_SHARE * total:
            break
        del kept[part]
        scan -= counts[part]
    if len(kept) == len(counts):
        return match
    log.debug("keyword search leaves out %s", [p for p in counts if p not in kept])
    return " OR ".join(kept)
