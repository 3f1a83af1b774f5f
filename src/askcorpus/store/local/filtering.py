"""Passage filters (:class:`~askcorpus.records.PassageFilter`) inside retrieval, for the local store.

Both sides apply a filter while they retrieve, so a narrow filter still returns its best ``k``:

* keyword side (:mod:`askcorpus.store.local.lexical`): the document conditions (folder,
  kinds, dates, languages, sources) become SQL on the ``documents`` row joined to each FTS5
  match, the required phrases an FTS5 look-up of the rows holding them all, and the excluded
  ones a ``NOT`` in the FTS5 expression (``(ranked OR) NOT (excluded OR …)``), so FTS5 ranks
  only allowed passages, with the BM25 of the query alone;
* vector side (:func:`search_filtered`): the allowed passages are counted in SQL (from
  covering indexes). A broad filter (at least :data:`BROAD_SHARE` of the index) searches
  unfiltered for a few times ``k`` and keeps the allowed passages, widening while short
  (:func:`over_fetched`). Otherwise the allowed ids are listed and the FAISS index searched
  with an id selector: exact on the exact index, and faster than reading the allowed vectors
  back from SQLite at every selectivity measured (bench/filters.py, docs/benchmarks.md). On
  the approximate (IVF) index a narrow filter (up to :data:`EXACT_SUBSET` passages, or
  :data:`EXACT_SHARE` of the index) is scored exactly from the stored vectors with numpy
  instead, since the probed cells may hold few of its passages; a broader one uses the
  selector, widening the probed cells until ``k`` are found.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass

import faiss
import numpy as np

from askcorpus.records import PassageFilter
from askcorpus.store.local.vectors import VectorIndex

#: On the approximate index, filters letting through at most this many passages are scored
#: exactly with numpy.
EXACT_SUBSET = 20_000
#: ... or at most this share of the index (reading that many vectors beats a full scan).
EXACT_SHARE = 0.2
#: Filters letting through at least this share of the index search unfiltered for a few times
#: ``k`` and keep the allowed passages (cheaper than listing their ids for a selector).
BROAD_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class SqlFilter:
    """A condition over the aliases ``p`` (passages) and ``d`` (documents), with its
    parameters; ``sql`` is empty when nothing is filtered on that side."""

    sql: str
    params: tuple[object, ...]


def quote_words(words: tuple[str, ...]) -> str:
    """One word or phrase as an FTS5 string: inside double quotes nothing is syntax."""
    return '"' + " ".join(w.replace('"', "") for w in words) + '"'


def _phrases(clauses: tuple[tuple[str, ...], ...]) -> list[str]:
    """The non-empty clauses, quoted, without repeats."""
    quoted = dict.fromkeys(quote_words(c) for c in clauses)
    return [q for q in quoted if q.strip('" ')]


def document_condition(where: PassageFilter) -> SqlFilter:
    """The document-level conditions of ``where`` (folder, kinds, dates, languages, sources)."""
    parts: list[str] = []
    params: list[object] = []
    if where.folder:
        folder = where.folder.strip("/")
        # A source below the folder starts with "folder/": the range ["folder/", "folder0")
        # ('0' follows '/'), which SQLite compares as bytes, like the sources themselves.
        parts.append("(d.source = ? OR (d.source >= ? AND d.source < ?))")
        params += [folder, folder + "/", folder + "0"]
    if where.kinds:
        parts.append(f"d.kind IN ({','.join('?' * len(where.kinds))})")
        params += sorted(where.kinds)
    if where.after:
        parts.append("d.date IS NOT NULL AND d.date >= ?")
        params.append(where.after)
    if where.before:
        parts.append("d.date IS NOT NULL AND d.date < ?")
        params.append(where.before)
    if where.languages:
        parts.append(f"d.language IN ({','.join('?' * len(where.stored_languages))})")
        params += where.stored_languages
    if where.exclude_sources:
        parts.append(f"d.source NOT IN ({','.join('?' * len(where.exclude_sources))})")
        params += sorted(where.exclude_sources)
    return SqlFilter(" AND ".join(parts), tuple(params))


def text_match(ranked: str, where: PassageFilter | None) -> str:
    """The FTS5 expression ranking ``ranked`` (an OR of quoted clauses) among the passages
    holding none of the excluded phrases of ``where``. A ``NOT`` phrase never occurs in a row
    it lets through, so it adds nothing to the row's BM25."""
    excluded = _phrases(where.excluded) if where else []
    if not ranked or not excluded:
        return ranked
    return f"({ranked}) NOT ({' OR '.join(excluded)})"


def passage_condition(where: PassageFilter, with_excluded: bool = True) -> SqlFilter:
    """The conditions of ``where`` over ``p`` and ``d``: the document conditions plus the
    required (and, with ``with_excluded``, the excluded) phrases as FTS5 look-ups. Required
    phrases are a look-up, not an ``AND`` in the ranked expression, so they narrow the matches
    without adding their own BM25 to the ranking (the ranking is that of the query alone)."""
    docs = document_condition(where)
    parts = [docs.sql] if docs.sql else []
    params = list(docs.params)
    required = _phrases(where.required)
    if required:
        parts.append("p.id IN (SELECT rowid FROM passages_fts WHERE passages_fts MATCH ?)")
        params.append(" AND ".join(required))
    excluded = _phrases(where.excluded) if with_excluded else []
    if excluded:
        parts.append("p.id NOT IN (SELECT rowid FROM passages_fts WHERE passages_fts MATCH ?)")
        params.append(" OR ".join(excluded))
    return SqlFilter(" AND ".join(parts), tuple(params))


def _from(cond: SqlFilter) -> str:
    """The allowed passages' FROM/WHERE. Documents first (CROSS JOIN fixes SQLite's join
    order): their conditions are checked once per document, and each document's passage ids
    come from the ``passages_doc`` index alone, never reading the rows with their vectors
    (scanning those made listing 50k ids take 100 ms instead of a few)."""
    return "FROM documents d CROSS JOIN passages p ON p.doc_id = d.id WHERE " + cond.sql


def search_filtered(
    conn: sqlite3.Connection,
    vectors: VectorIndex,
    query: np.ndarray,
    k: int,
    where: PassageFilter,
    dimension: int,
) -> list[tuple[int, float]]:
    """The ``k`` passages nearest ``query`` among those ``where`` lets through, best first."""
    cond = passage_condition(where)
    if k <= 0:
        return []
    allowed = conn.execute("SELECT count(*) " + _from(cond), cond.params).fetchone()[0]
    if allowed == 0:
        return []
    total = max(vectors.ntotal, 1)
    if allowed >= BROAD_SHARE * total:
        hits = over_fetched(conn, vectors, query, k, cond, allowed)
        if hits is not None:
            return hits
    if vectors.ivf() is not None and allowed <= max(EXACT_SUBSET, EXACT_SHARE * total):
        # The approximate index may hold few allowed passages in the cells it probes: a narrow
        # filter is scored exactly instead.
        return exact_subset(conn, query, k, cond, dimension)
    ids = np.fromiter(
        (r[0] for r in conn.execute("SELECT p.id " + _from(cond), cond.params)), np.int64
    )
    return selected(vectors, query, k, ids)


def over_fetched(
    conn: sqlite3.Connection,
    vectors: VectorIndex,
    query: np.ndarray,
    k: int,
    cond: SqlFilter,
    allowed: int,
) -> list[tuple[int, float]] | None:
    """For a broad filter: search unfiltered for enough passages that ``k`` of them are
    likely allowed, keep the allowed ones (one small SQL look-up), widen four-fold while
    short. None when the index ran out of candidates first (IVF cells): the caller then
    searches with a selector."""
    fetch = min(vectors.ntotal, math.ceil(2 * k * vectors.ntotal / allowed) + k)
    while True:
        hits = vectors.search(query, fetch)
        # The ids as one JSON parameter: no limit on how many (SQL variables have one).
        rows = conn.execute(
            "SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_id "
            f"WHERE p.id IN (SELECT value FROM json_each(?)) AND {cond.sql}",
            (json.dumps([i for i, _s in hits]), *cond.params),
        ).fetchall()
        keep = {r[0] for r in rows}
        kept = [h for h in hits if h[0] in keep][:k]
        if len(kept) >= min(k, allowed) or fetch >= vectors.ntotal:
            return kept
        if len(hits) < fetch:
            return None
        fetch = min(vectors.ntotal, 4 * fetch)


def exact_subset(
    conn: sqlite3.Connection, query: np.ndarray, k: int, cond: SqlFilter, dimension: int
) -> list[tuple[int, float]]:
    """Exact inner products of ``query`` with the stored vectors of the allowed passages."""
    rows = conn.execute("SELECT p.id, p.vector " + _from(cond), cond.params).fetchall()
    ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    matrix = np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(len(rows), dimension)
    return top_k(ids, matrix @ np.asarray(query, np.float32).ravel(), k)


def top_k(ids: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The ``k`` best ``(id, score)``, best first; ties by id, so the order is stable."""
    k = min(k, len(ids))
    if k <= 0:
        return []
    pick = np.argpartition(-scores, k - 1)[:k] if k < len(ids) else np.arange(len(ids))
    order = sorted(pick.tolist(), key=lambda j: (-float(scores[j]), int(ids[j])))
    return [(int(ids[j]), float(scores[j])) for j in order]


def selected(
    vectors: VectorIndex, query: np.ndarray, k: int, ids: np.ndarray
) -> list[tuple[int, float]]:
    """FAISS search restricted to ``ids`` by an id selector; on the approximate index the
    probed cells are doubled until ``k`` allowed passages are found (or all cells are probed)."""
    k = min(k, len(ids))
    selector = faiss.IDSelectorBatch(np.ascontiguousarray(ids))
    ivf = vectors.ivf()
    if ivf is None:
        params: faiss.SearchParameters = faiss.SearchParameters()
        params.sel = selector
        return vectors.search(query, k, params)
    nprobe = ivf.nprobe
    while True:
        ivf_params = faiss.SearchParametersIVF()
        ivf_params.sel = selector
        ivf_params.nprobe = nprobe
        hits = vectors.search(query, k, ivf_params)
        if len(hits) >= k or nprobe >= ivf.nlist:
            return hits
        nprobe = min(ivf.nlist, 2 * nprobe)
