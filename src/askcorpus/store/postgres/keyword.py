"""The keyword search of the PostgreSQL store: FTS5's BM25 over the ``postings`` table.

A word's matches are one range of the ``postings`` primary key (token, passage) whose index
also holds the token's count and the passage's length, so the words of a question are scored
by one statement that reads nothing else: the server joins the question's tokens (with their
idf) to their postings, sums each passage's BM25 in the clauses' order (as FTS5 adds them, so
the scores are the same numbers), and returns the best ``k``. A filter joins the passage and
its document.

A phrase (several tokens side by side, also a hyphenated word) needs positions, which only the
passage's ``tsvector`` keeps: its candidates are the passages holding all its words (the
postings of its rarest word, each probed for the others), and its positions are picked out of
each candidate's ``tsvector`` (``setweight`` + ``ts_filter``) and counted in Python. That
statement, over the whole index, also gives each phrase's document frequency; under a filter
the matches are read again inside it. A question mixing words and phrases passes the phrases'
scores to the words' statement, which adds each passage's clauses up in clause order.

Exact statistics: a word's document frequency is ``terms.df``, N and the average length come
from ``totals``, all kept by the writer's transaction, read in the caller's snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import psycopg

from askcorpus.store.postgres import lexical
from askcorpus.store.postgres.lexical import K1, B

_CONTRIBUTION = """q.idf * po.tf * %(k1p1)s / (po.tf + %(k1)s * (%(omb)s
            + %(b)s * po.length / %(avgdl)s))"""


def _words_sql(schema: str, where: str) -> str:
    """The best ``%(k)s`` passages by BM25 of the words ``%(terms)s`` (idf ``%(idfs)s``,
    clause numbers ``%(order)s``) and of the phrases' scores computed already (passage
    ``%(pp)s``, clause ``%(pi)s``, score ``%(px)s``): each passage's clause scores are added up
    in clause order, as FTS5 adds them. The arithmetic is the phrases' (in :func:`search`),
    step by step."""
    s = f'"{schema}"'
    join = f"JOIN {s}.passages p ON p.id = po.passage JOIN {s}.documents d ON d.id = p.doc_id"
    return f"""
        SELECT c.passage, sum(c.x ORDER BY c.i) AS score FROM (
            SELECT po.passage, q.i, {_CONTRIBUTION} AS x
            FROM unnest(%(terms)s::text[], %(idfs)s::float8[], %(order)s::integer[])
                AS q(term, idf, i)
            JOIN {s}.postings po ON po.term = q.term {join if where else ""}
            WHERE true {where}
            UNION ALL
            SELECT * FROM unnest(%(pp)s::bigint[], %(pi)s::integer[], %(px)s::float8[])) c
        GROUP BY c.passage ORDER BY score DESC, c.passage LIMIT %(k)s"""


def _phrases_sql(schema: str, where: str) -> str:
    """Passages holding every word of a phrase, with their length and the positions of
    ``%(stems)s`` (whether the words stand side by side is counted from them, in Python). The
    candidates come from the postings alone: each posting of a phrase's rarest word
    ``%(anchors)s`` whose passage also holds its other words ``%(others)s`` (a JSON list each;
    one index probe per word); only their ``tsvector`` is read (an array of ids, so the
    planner never scans every ``tsvector``)."""
    s = f'"{schema}"'
    return f"""
        SELECT p.id, p.length, ts_filter(setweight(p.tsv, 'A', %(stems)s), '{{a}}')::text
        FROM {s}.passages p JOIN {s}.documents d ON d.id = p.doc_id
        WHERE p.id = ANY(ARRAY(
            SELECT DISTINCT po.passage
            FROM unnest(%(anchors)s::text[], %(others)s::text[]::jsonb[]) AS w(anchor, others)
            JOIN {s}.postings po ON po.term = w.anchor
            WHERE NOT EXISTS (
                SELECT 1 FROM jsonb_array_elements_text(w.others) AS o(term)
                WHERE NOT EXISTS (SELECT 1 FROM {s}.postings x
                    WHERE x.term = o.term AND x.passage = po.passage)))) {where}"""


def _statistics(
    conn: psycopg.Connection, schema: str, words: Sequence[str]
) -> tuple[int, int, dict[str, int]]:
    """N, the token total and the document frequency of each of ``words``, in one statement."""
    s = f'"{schema}"'
    rows = conn.execute(
        f"SELECT NULL, passages, tokens FROM {s}.totals UNION ALL "
        f"SELECT term, df, 0 FROM {s}.terms WHERE term = ANY(%s)",
        (sorted(set(words)),),
    ).fetchall()
    n = total = 0
    dfs: dict[str, int] = {}
    for term, a, b in rows:
        if term is None:
            n, total = int(a), int(b)
        else:
            dfs[str(term)] = int(a)
    return n, total, dfs


def _phrase_rows(
    conn: psycopg.Connection,
    schema: str,
    phrases: Sequence[tuple[str, ...]],
    dfs: dict[str, int],
    where: str,
    params: dict[str, object],
) -> list[tuple[int, int, dict[tuple[str, ...], int]]]:
    """Every passage (inside ``where``) holding one of ``phrases``: id, length and how often
    each phrase occurs in it (phrases it lacks left out)."""
    anchors, others = [], []
    for c in phrases:
        distinct = sorted(set(c), key=lambda w: (dfs.get(w, 0), w))  # the rarest first
        anchors.append(distinct[0])
        others.append(json.dumps(distinct[1:]))
    rows = conn.execute(
        _phrases_sql(schema, where),
        {
            "anchors": anchors,
            "others": others,
            "stems": sorted({w for c in phrases for w in c}),
            **params,
        },
    ).fetchall()
    return [
        (int(pid), int(n), lexical.phrase_counts(phrases, lexical.stem_positions(text)))
        for pid, n, text in rows
    ]


def search(
    conn: psycopg.Connection,
    schema: str,
    parts: list[tuple[str, ...]],
    k: int,
    where: str,
    params: dict[str, object],
) -> list[tuple[int, float]]:
    """The best ``k`` passages for the clauses ``parts`` (an OR), inside the SQL condition
    ``where`` over ``p``/``d`` with its ``params``; the caller holds a snapshot."""
    if not parts:
        return []
    n, total, known = _statistics(conn, schema, [w for c in parts for w in c])
    if n == 0:
        return []
    phrases = [c for c in parts if len(c) > 1]
    phrase_df: dict[tuple[str, ...], int] = {}
    everywhere: list[tuple[int, int, dict[tuple[str, ...], int]]] = []
    if phrases:  # their frequencies are the whole index's (a filter narrows matches only)
        everywhere = _phrase_rows(conn, schema, phrases, known, "", {})
        for _pid, _n, counts in everywhere:
            for c in counts:
                phrase_df[c] = phrase_df.get(c, 0) + 1
    dfs = [known.get(c[0], 0) if len(c) == 1 else phrase_df.get(c, 0) for c in parts]
    parts, dfs = lexical.without_frequent(parts, dfs, n)
    idfs = [lexical.idf(n, df) for df in dfs]
    avgdl = total / n
    constants = {"k1": K1, "k1p1": K1 + 1, "b": B, "omb": 1 - B, "avgdl": avgdl}
    words = [(i, c[0]) for i, c in enumerate(parts) if len(c) == 1]
    kept_phrases = [c for c in parts if len(c) > 1]
    word_params = {
        "terms": [w for _i, w in words],
        "idfs": [idfs[i] for i, _w in words],
        "order": [i for i, _w in words],
        **constants,
        **params,
    }
    # The phrases' scores per passage and clause (their candidates are inside the filter).
    found: list[tuple[int, int, float]] = []
    if kept_phrases:
        candidates = everywhere
        if where:
            candidates = _phrase_rows(conn, schema, kept_phrases, known, where, params)
        weights = [
            (i, c, w) for i, (c, w) in enumerate(zip(parts, idfs, strict=True)) if len(c) > 1
        ]
        for pid, length, counts in candidates:
            norm = K1 * (1 - B + B * length / avgdl)
            for i, clause, weight in weights:
                tf = counts.get(clause, 0)
                if tf:
                    found.append((pid, i, weight * tf * (K1 + 1) / (tf + norm)))
    if words:  # one statement adds both up and keeps the best k
        extra = {
            "pp": [f[0] for f in found],
            "pi": [f[1] for f in found],
            "px": [f[2] for f in found],
        }
        rows = conn.execute(_words_sql(schema, where), {**word_params, **extra, "k": k})
        return [(int(pid), float(score)) for pid, score in rows.fetchall() if score > 0]
    parts_of: dict[int, dict[int, float]] = {}
    for pid, i, x in found:
        parts_of.setdefault(pid, {})[i] = x
    scores = [(pid, _sum(c)) for pid, c in parts_of.items()]
    ranked = sorted(((p, s) for p, s in scores if s > 0), key=lambda x: (-x[1], x[0]))
    return ranked[:k]


def match_count(
    conn: psycopg.Connection, schema: str, parts: list[tuple[str, ...]], cap: int
) -> int:
    """How many passages hold one of the clauses ``parts``, counted up to ``cap``: each word's
    postings are read up to ``cap`` (if one word alone reaches it, so does their union), a
    phrase's matches as :func:`search` finds them; nothing is ranked."""
    words = sorted({c[0] for c in parts if len(c) == 1})
    phrases = [c for c in parts if len(c) > 1]
    found: set[int] = set()
    if words:
        rows = conn.execute(
            f"SELECT x.passage FROM unnest(%s::text[]) AS t(term) CROSS JOIN LATERAL "
            f'(SELECT passage FROM "{schema}".postings po WHERE po.term = t.term LIMIT %s) x',
            (words, cap),
        ).fetchall()
        found.update(int(r[0]) for r in rows)
    if phrases and len(found) < cap:
        _n, _total, known = _statistics(conn, schema, [w for c in phrases for w in c])
        for pid, _length, counts in _phrase_rows(conn, schema, phrases, known, "", {}):
            if any(counts.values()):
                found.add(pid)
    return min(len(found), cap)


def _sum(contributions: dict[int, float]) -> float:
    """The clauses' scores added up in clause order."""
    total = 0.0
    for i in sorted(contributions):
        total += contributions[i]
    return total
