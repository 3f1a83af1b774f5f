"""The keyword half of the PostgreSQL store: FTS5's tokens and BM25, over PostgreSQL's own
full-text machinery (``tsvector``, ``tsquery``, a GIN index).

Tokens are FTS5's own: :func:`tokens` runs the local store's tokenizer (``porter unicode61
remove_diacritics 2``) in an in-memory SQLite database and reads them back through
``fts5vocab``, so both stores index and query exactly the same stems (Snowball's "porter", for
one, stems "ideological" differently). A passage's stems with their positions are its
``tsvector``; a clause of the query is a ``tsquery`` of its stems side by side (``<->``), so
user text is never read as query syntax.

BM25 is FTS5's own (k1 = 1.2, b = 0.75, idf = ln((N - n + 0.5) / (n + 0.5)), at least 1e-6;
a phrase counts as one term), computed in SQL with exact statistics: the document frequency of
each word comes from ``terms`` and the totals from ``totals``, both kept in the writer's
transaction; a phrase's frequency is counted through the GIN index, in the same snapshot.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Sequence

import psycopg

from askcorpus.records import KeywordQuery

K1 = 1.2
B = 0.75
#: tsvector limits: positions up to 16383, lexemes under 2 KiB (longer tokens are left out).
MAX_POSITION = 16383
MAX_TOKEN_BYTES = 1000
#: The local store's tokenizer (askcorpus.store.local.files creates its FTS5 table with it).
TOKENIZER = "porter unicode61 remove_diacritics 2"
_local = threading.local()

#: Indexes smaller than this are always searched with every term (as the local store).
PRUNE_MIN_PASSAGES = 50_000
SCAN_BUDGET = 80_000
FREQUENT_SHARE = 0.05


def _tokenizer() -> sqlite3.Connection:
    """This thread's in-memory FTS5 table (SQLite connections are not shared across threads)."""
    conn: sqlite3.Connection | None = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(body, tokenize='{TOKENIZER}')")
        conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
        _local.conn = conn
    return conn


def tokens(text: str) -> list[str]:
    """The stems FTS5 indexes for ``text``, in order (about 1 ms per 200 words)."""
    conn = _tokenizer()
    conn.execute("INSERT INTO t (rowid, body) VALUES (1, ?)", (text,))
    try:
        return [r[0] for r in conn.execute("SELECT term FROM v WHERE doc = 1 ORDER BY offset")]
    finally:
        conn.execute("DELETE FROM t WHERE rowid = 1")


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(stems: Sequence[str]) -> str:
    """The ``tsvector`` text of ``stems`` with their 1-based positions."""
    positions: dict[str, list[int]] = {}
    for i, s in enumerate(stems, 1):
        if len(s.encode("utf-8")) <= MAX_TOKEN_BYTES:
            positions.setdefault(s, []).append(min(i, MAX_POSITION))
    return " ".join(f"{_lexeme(s)}:{','.join(map(str, p))}" for s, p in positions.items())


def document_frequencies(passages: Iterable[Sequence[str]]) -> Counter[str]:
    """In how many of ``passages`` (their stems) each stem occurs."""
    counts: Counter[str] = Counter()
    for stems in passages:
        counts.update({s for s in stems if len(s.encode("utf-8")) <= MAX_TOKEN_BYTES})
    return counts


def clauses(query: KeywordQuery) -> list[tuple[str, ...]]:
    """The query's distinct clauses as stems (a clause whose words fold to nothing is left
    out), in order; duplicates are dropped as the local store drops repeated quoted clauses."""
    seen = dict.fromkeys(" ".join(w.replace('"', "") for w in c) for c in query.clauses)
    out = []
    for text in seen:
        stems = tuple(tokens(text))
        if stems and all(len(s.encode("utf-8")) <= MAX_TOKEN_BYTES for s in stems):
            out.append(stems)
    return out


def tsquery_literal(clause: Sequence[str]) -> str:
    """The ``tsquery`` text of one clause: its stems side by side, in order."""
    return " <-> ".join(_lexeme(s) for s in clause)


def any_of(parts: Sequence[Sequence[str]]) -> str:
    """The ``tsquery`` text matching any of the clauses ``parts``."""
    return " | ".join(f"({tsquery_literal(c)})" for c in parts)


def idf(n_passages: int, df: int) -> float:
    """FTS5's idf of a term found in ``df`` of ``n_passages`` passages."""
    value = math.log((n_passages - df + 0.5) / (df + 0.5))
    return value if value > 0 else 1e-6


def frequencies(conn: psycopg.Connection, schema: str, parts: Sequence[Sequence[str]]) -> list[int]:
    """The document frequency of each clause: a word's from ``terms``, a phrase's counted."""
    words = [c[0] for c in parts if len(c) == 1]
    known: dict[str, int] = {}
    if words:
        rows = conn.execute(
            f'SELECT term, df FROM "{schema}".terms WHERE term = ANY(%s)', (words,)
        ).fetchall()
        known = {str(t): int(n) for t, n in rows}
    out = []
    for c in parts:
        if len(c) == 1:
            out.append(int(known.get(c[0], 0)))
        else:
            row = conn.execute(
                f'SELECT count(*) FROM "{schema}".passages WHERE tsv @@ %s::tsquery',
                (tsquery_literal(c),),
            ).fetchone()
            out.append(int(row[0]) if row else 0)
    return out


def without_frequent(
    parts: list[tuple[str, ...]], dfs: list[int], n_passages: int
) -> tuple[list[tuple[str, ...]], list[int]]:
    """The clauses with the most frequent left out when ranking all of them would scan more
    than :data:`SCAN_BUDGET` postings of a large index (the local store's pruning, the same
    constants)."""
    if len(parts) < 2 or n_passages < PRUNE_MIN_PASSAGES:
        return parts, dfs
    kept = dict(zip(parts, dfs, strict=True))
    scan = sum(dfs)
    for part, df in sorted(zip(parts, dfs, strict=True), key=lambda x: x[1], reverse=True):
        if scan <= SCAN_BUDGET or len(kept) == 1 or df <= FREQUENT_SHARE * n_passages:
            break
        del kept[part]
        scan -= df
    return list(kept), list(kept.values())


def bm25_sql(schema: str, where: str) -> str:
    """The ranking statement: every passage matching ``%(match)s`` (and ``where``, over ``p``
    and its document ``d``) with its BM25 summed over the clauses ``%(clauses)s`` (stems joined
    by spaces) weighted by ``%(idfs)s``; best ``%(k)s`` first."""
    s = f'"{schema}"'
    return f"""
        SELECT p.id, sum(c.idf * t.tf * {K1 + 1} / (t.tf + {K1} * ({1 - B} + {B} * p.length
               / %(avgdl)s))) AS score
        FROM {s}.passages p JOIN {s}.documents d ON d.id = p.doc_id
        CROSS JOIN unnest(%(clauses)s::text[], %(idfs)s::float8[]) AS c(words, idf)
        CROSS JOIN LATERAL (SELECT {s}.clause_tf(p.tsv, string_to_array(c.words, ' ')) AS tf) t
        WHERE p.tsv @@ %(match)s::tsquery {where}
        GROUP BY p.id ORDER BY score DESC, p.id LIMIT %(k)s"""
