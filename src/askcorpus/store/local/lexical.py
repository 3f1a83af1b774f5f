"""The keyword half of :class:`~askcorpus.store.local.store.LocalStore`: FTS5 BM25 search.

The seam passes a structured :class:`~askcorpus.records.KeywordQuery` (built by
``askcorpus.text.query.keyword_query``); :func:`fts5_match` turns it into an FTS5 ``MATCH``
expression, an ``OR`` of double-quoted terms and phrases, so no user text is ever read as FTS5
syntax. A query FTS5 still rejects finds nothing rather than failing the whole search.

Frequent terms on large indexes: ``ORDER BY bm25 LIMIT n`` scores every passage that matches any
term, so one common word ("show", in a third of the passages) makes the scan as long as the
index. On indexes of at least :data:`PRUNE_MIN_PASSAGES` passages, when the terms' postings add
up to more than :data:`SCAN_BUDGET`, the most frequent terms (each in more than
:data:`FREQUENT_SHARE` of the passages, so their BM25 weight is small) are left out of the
ranking until the rest fit, always keeping the rarest. The passages that ranking returns are then
re-scored with the terms left out (:mod:`askcorpus.store.local.impact`: FTS5's BM25 formula over
each passage's indexed text), so a passage holding the frequent words too still ranks above one
that does not; which passages are found is decided by the rarer terms. Smaller indexes are
searched exactly as asked. Measured in docs/benchmarks.md ("FTS5 at scale") and docs/benchmarks.md (Session 5, "A million passages").

Counting a term's postings walks its whole posting list (a term in half of 1M passages: tens of
ms), and the same frequent words come back in question after question, so the counts (and the
number of passages) are kept per connection for as long as the committed state it reads does
not change (SQLite's ``data_version`` and the connection's own ``total_changes``).
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field

from askcorpus.records import KeywordQuery, PassageFilter
from askcorpus.store.local.filtering import passage_condition, text_match
from askcorpus.store.local.impact import add_left_out, average_length
from askcorpus.store.local.postings import cached_count, ranked
from askcorpus.store.local.state import PerState, row_counts

log = logging.getLogger(__name__)

#: Indexes smaller than this are always searched with every term (their scans are short).
PRUNE_MIN_PASSAGES = 50_000
#: Postings (passages matching each term, summed over the terms) one ranking may scan. FTS5
#: computes bm25() for each (~2.5 us each on a quiet core), so this bounds the ranking's cost;
#: 40,000 with 5 % (and the re-scoring) measured against other settings in docs/benchmarks.md (Session 5, "A million passages").
SCAN_BUDGET = 40_000
#: Only terms found in more than this share of the passages may be left out.
FREQUENT_SHARE = 0.05
#: Re-score what the ranking found with the terms it left out (estimated from each passage's
#: indexed text, :mod:`askcorpus.store.local.impact`), for requests of at most RESCORE_MAX_K.
RESCORE_LEFT_OUT = True
RESCORE_MAX_K = 1000
#: Rank one-word clauses from FTS5's postings (:mod:`askcorpus.store.local.postings`: the same
#: scores as bm25(), several times cheaper) when no filter applies; False: always bm25().
FROM_POSTINGS = True
#: Postings counts kept per connection (a bound on memory; the cache starts over when full).
COUNT_CACHE_TERMS = 4096


@dataclass
class _Counts:
    """Postings counts and the average length of one committed state, as one connection reads
    it (the passage count comes from :func:`~askcorpus.store.local.state.row_counts`)."""

    postings: dict[str, int] = field(default_factory=dict)
    average: float | None = None


# Per connection and committed state; connections that take no weak reference count every time.
_COUNTS: PerState[_Counts] = PerState(_Counts)


def quote_clause(words: tuple[str, ...]) -> str:
    """One clause as an FTS5 string (a phrase when it has several words); FTS5 reads nothing
    inside double quotes as syntax, and a double quote inside is dropped."""
    return '"' + " ".join(w.replace('"', "") for w in words) + '"'


def _quoted_clauses(query: KeywordQuery) -> list[str]:
    """The distinct non-empty clauses of ``query``, quoted, in order."""
    parts = dict.fromkeys(quote_clause(c) for c in query.clauses)
    return [p for p in parts if p.strip('" ')]


def fts5_match(query: KeywordQuery) -> str:
    """The FTS5 ``MATCH`` expression of ``query``: its clauses, quoted, joined by ``OR``."""
    return " OR ".join(_quoted_clauses(query))


def search_lexical(
    conn: sqlite3.Connection, query: KeywordQuery, k: int, where: PassageFilter | None = None
) -> list[tuple[int, float]]:
    """FTS5 BM25 matches of ``query``, best first (score = -bm25), among the passages ``where``
    lets through (see :mod:`askcorpus.store.local.filtering`)."""
    parts = _quoted_clauses(query)
    if not parts:
        return []
    match = ""
    try:
        kept = _without_frequent_terms(conn, parts)
        fast = ranked(conn, kept, k) if FROM_POSTINGS and not where else None
        match = text_match(" OR ".join(kept), where)
        docs = passage_condition(where, with_excluded=False) if where else None
        if fast is not None:
            rows = fast
        elif docs and docs.sql:
            rows = conn.execute(
                "SELECT f.rowid, -bm25(passages_fts) AS s FROM passages_fts f "
                "JOIN passages p ON p.id = f.rowid JOIN documents d ON d.id = p.doc_id "
                f"WHERE passages_fts MATCH ? AND {docs.sql} ORDER BY s DESC LIMIT ?",
                (match, *docs.params, k),
            ).fetchall()
        else:
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
    found = [(int(r[0]), float(r[1])) for r in rows]
    if RESCORE_LEFT_OUT and len(kept) < len(parts) and k <= RESCORE_MAX_K:
        cache = _counts(conn)
        left_out = {p: cache.postings[p] for p in parts if p not in kept and p in cache.postings}
        if cache.average is None:
            cache.average = average_length(conn)
        found = add_left_out(conn, found, left_out, row_counts(conn)[1], cache.average)
    return found


def match_count(conn: sqlite3.Connection, query: KeywordQuery, cap: int) -> int:
    """How many passages match ``query``, up to ``cap``: from the postings a keyword search
    parsed already when it can, else FTS5, which stops after ``cap`` rows when nothing orders
    them, so a frequent term costs ``cap`` postings, not all of them."""
    parts = _quoted_clauses(query)
    if not parts or cap <= 0:
        return 0
    known = cached_count(conn, parts, cap) if FROM_POSTINGS else None
    if known is not None:
        return known
    try:
        row = conn.execute(
            "SELECT count(*) FROM (SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? "
            "LIMIT ?)",
            (" OR ".join(parts), cap),
        ).fetchone()
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorname", "SQLITE_ERROR") != "SQLITE_ERROR":
            raise
        return 0
    return int(row[0])


def _without_frequent_terms(conn: sqlite3.Connection, parts: list[str]) -> list[str]:
    """The quoted clauses ``parts`` with the most frequent left out when ranking all of them
    would scan more than :data:`SCAN_BUDGET` postings of a large index (see the module
    docstring)."""
    if len(parts) < 2:
        return parts
    cache = _counts(conn)
    total = row_counts(conn)[1]
    if total < PRUNE_MIN_PASSAGES:
        return parts
    if len(cache.postings) > COUNT_CACHE_TERMS:
        cache.postings.clear()
    counts = {}
    for p in parts:
        if p not in cache.postings:
            cache.postings[p] = conn.execute(
                "SELECT count(*) FROM passages_fts WHERE passages_fts MATCH ?", (p,)
            ).fetchone()[0]
        counts[p] = cache.postings[p]
    scan = sum(counts.values())
    kept = dict(counts)
    for part in sorted(counts, key=counts.__getitem__, reverse=True):
        if scan <= SCAN_BUDGET or len(kept) == 1 or counts[part] <= FREQUENT_SHARE * total:
            break
        del kept[part]
        scan -= counts[part]
    if len(kept) < len(counts):
        log.debug("keyword search leaves out %s", [p for p in counts if p not in kept])
    return list(kept)


def _counts(conn: sqlite3.Connection) -> _Counts:
    """The counts cache of ``conn`` for the committed state it reads now (a new, empty one
    when another connection committed since, or this one wrote)."""
    return _COUNTS.get(conn) or _Counts()
