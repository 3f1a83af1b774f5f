"""FTS5's BM25 ranking of a keyword query, computed from FTS5's own postings.

``ORDER BY bm25(...)`` calls FTS5's ranking function once per matching passage, and each call
loads the passage's position lists and its size (~1.4 us a passage here: the whole cost of a
keyword search at 1M passages). The same numbers come out of the postings themselves: FTS5's
``fts5vocab`` ``instance`` table (created in the connection's ``temp`` schema; nothing is
written to the index) lists a word's occurrences by passage, ~0.2 us each, which gives every
passage's term frequency and the word's document frequency. A phrase's passages are FTS5's own
matches (unranked, so no bm25() call), its frequency in each counted in the passage's indexed
text with FTS5's stems (:mod:`askcorpus.store.local.impact`), for at most :data:`PHRASE_ROWS`
passages. The passage lengths are FTS5's ``docsize`` records, read once per connection and kept
(passage ids are never reused, so a length once read stays right: only passages added since
are read later); the passage count and average length are FTS5's ``averages`` record. A word's
postings, once parsed, are kept per connection for as long as the committed state it reads
holds (:mod:`askcorpus.store.local.state`), up to :data:`CACHE_OCCURRENCES` passages in all:
the same common words come back question after question, and parsing their postings was half
of a keyword search on SciFact. The score is FTS5's formula, clause after clause in the query's order, in double precision, so it
equals ``-bm25()`` bit for bit and so does the ranking (ties broken by passage id).

:func:`ranked` returns None where FTS5 must rank (a clause of no token, phrases matching many
passages, size records of another layout) or ranks as fast (a query of phrases only: their
cost is FTS5 finding them, not bm25()); the caller then asks FTS5. Measured in
docs/benchmarks.md, session 6, "scale".
"""

from __future__ import annotations

import contextlib
import sqlite3
import weakref
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from askcorpus.store.local.impact import K1, B, idf, occurrences, stems_of, varint
from askcorpus.store.local.state import PerState, Recent
from askcorpus.text.fts5 import tokens_of_each

#: The connection-private view of the keyword index's postings (``temp``: never in the index).
VOCAB = "temp.askcorpus_postings"
#: Phrases matching more passages than this are ranked by FTS5 (their frequencies are counted
#: in each passage's text, ~40 us a passage).
PHRASE_ROWS = 100
#: Rank queries of phrases only (the adjacent pairs) here too. Off: 1.1x at 1M passages, slower
#: on SciFact (docs/benchmarks.md, session 6, "scale"), so FTS5 ranks them.
PHRASES_ONLY = False
#: Passages (summed over the words) of the parsed postings kept per connection (16 bytes each);
#: the least recently asked words go first; 0: none kept (every question parses its words).
CACHE_OCCURRENCES = 1_000_000


@dataclass
class _Lengths:
    """FTS5's token count of each passage read so far, by passage id (0: none read)."""

    sizes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    read_to: int = 0  # every id up to this one has been read


# Per connection, dropped with it (connections that take no weak reference: read every time).
_LENGTHS: weakref.WeakKeyDictionary[sqlite3.Connection, _Lengths] = weakref.WeakKeyDictionary()
Posting = tuple[np.ndarray, np.ndarray]  # passages (ascending) and the term's frequency in each


def _parsed() -> Recent[str, Posting]:
    """The words' postings parsed in one committed state, weighed by their passages."""
    return Recent(lambda: CACHE_OCCURRENCES, lambda posting: posting[0].size)


_PARSED: PerState[Recent[str, Posting]] = PerState(_parsed)

#: Clauses whose tokens are kept (most recently used).
CLAUSES_KEPT = 1 << 14
_CLAUSES: Recent[str, tuple[str, ...]] = Recent(lambda: CLAUSES_KEPT)


def clause_tokens(clauses: list[str]) -> list[tuple[str, ...]]:
    """FTS5's tokens of each quoted clause (several: a phrase); those not seen lately are
    tokenized together (:func:`~askcorpus.text.fts5.tokens_of_each`)."""
    known = {c: t for c in clauses if (t := _CLAUSES.get(c)) is not None}
    new = [c for c in dict.fromkeys(clauses) if c not in known]
    if new:
        for clause, made in zip(new, tokens_of_each([c.strip('"') for c in new]), strict=True):
            known[clause] = tuple(made)
            _CLAUSES.put(clause, known[clause])
    return [known[c] for c in clauses]


def ranked(conn: sqlite3.Connection, clauses: list[str], k: int) -> list[tuple[int, float]] | None:
    """The ``k`` best passages for the OR of the quoted ``clauses`` with their FTS5 BM25
    (``-bm25()``), best first; None when FTS5 must rank them (a clause of no token, or phrases
    matching more than :data:`PHRASE_ROWS` passages)."""
    terms = clause_tokens(clauses)
    if not terms or not all(terms) or k <= 0:
        return None
    if not PHRASES_ONLY and all(len(t) > 1 for t in terms):
        return None  # phrases only (the adjacent pairs): FTS5 ranks them as fast (measured)
    rows, total = _averages(conn)
    if rows <= 0:
        return []
    found = word_postings(conn, [t[0] for t in terms if len(t) == 1])
    phrases = _phrases(conn, [(c, t) for c, t in zip(clauses, terms, strict=True) if len(t) > 1])
    if phrases is None:
        return None
    found.update(phrases)
    last = max((int(d[-1]) for d, _tf in found.values() if d.size), default=0)
    if not last:
        return []
    lengths = _lengths(conn, last)
    if lengths is None:
        return None
    average = total / rows
    parts, order = [], []
    for term in terms:  # a clause repeated in other words counts again, as in FTS5
        docs, tf = found[term]
        weight = idf(rows, docs.size)
        size = lengths[docs].astype(np.float64)
        # FTS5's expression, operation for operation (fts5_aux.c, fts5Bm25Function).
        parts.append(weight * ((tf * (K1 + 1.0)) / (tf + K1 * (1 - B + B * size / average))))
        order.append(docs)
    ids = np.concatenate(order)
    unique, where = np.unique(ids, return_inverse=True)
    # bincount adds each passage's parts in input order: the query's order, as FTS5 does.
    scores = np.bincount(where, weights=np.concatenate(parts), minlength=unique.size)
    if unique.size > k:
        best = np.argpartition(-scores, k - 1)[:k]
        cut = scores[best].min()
        best = np.flatnonzero(scores >= cut)  # every passage tied at the cut, for the order
    else:
        best = np.arange(unique.size)
    top = best[np.lexsort((unique[best], -scores[best]))][:k]
    return list(zip(unique[top].tolist(), scores[top].tolist(), strict=True))


Postings = dict[tuple[str, ...], Posting]


def word_postings(conn: sqlite3.Connection, words: list[str]) -> Postings:
    """Each one-token term's passages (ascending) and its frequency in each, from FTS5's
    postings (kept per connection while its committed state holds; callers must not change
    the arrays)."""
    out: Postings = {}
    if not words:
        return out
    parsed = _PARSED.get(conn) if CACHE_OCCURRENCES > 0 else None
    for word in dict.fromkeys(words):
        kept = parsed.get(word) if parsed is not None else None
        if kept is None:
            kept = _read_word(conn, word)
            if parsed is not None:
                parsed.put(word, kept)
        out[(word,)] = kept
    return out


def cached_count(conn: sqlite3.Connection, clauses: list[str], cap: int) -> int | None:
    """How many passages match the OR of the quoted one-token ``clauses``, up to ``cap``, from
    postings parsed already; None when one is a phrase or not parsed yet (ask FTS5: it stops
    counting at ``cap``, where parsing a frequent word's postings would read them all)."""
    terms = clause_tokens(clauses)
    parsed = _PARSED.get(conn) if CACHE_OCCURRENCES > 0 else None
    if parsed is None or not terms or any(len(t) != 1 for t in terms):
        return None
    postings = [parsed.get(t[0]) for t in terms]
    docs = [p[0] for p in postings if p is not None]
    if len(docs) < len(terms):
        return None
    matching = docs[0].size if len(docs) == 1 else np.unique(np.concatenate(docs)).size
    return min(matching, cap)


def _read_word(conn: sqlite3.Connection, word: str) -> Posting:
    """One word's passages and its frequency in each, parsed from FTS5's postings."""
    _ensure_vocab(conn)
    (text,) = conn.execute(f"SELECT group_concat(doc) FROM {VOCAB} WHERE term = ?", (word,))
    if not text[0]:
        return np.zeros(0, np.int64), np.zeros(0)
    occurrences = np.fromstring(text[0], dtype=np.int64, sep=",")
    starts = np.flatnonzero(np.diff(occurrences, prepend=-1))  # occurrences come by passage
    tf = np.diff(np.append(starts, occurrences.size)).astype(np.float64)
    docs = occurrences[starts]
    docs.flags.writeable = tf.flags.writeable = False  # shared through the cache
    return docs, tf


def _phrases(
    conn: sqlite3.Connection, phrases: list[tuple[str, tuple[str, ...]]]
) -> Postings | None:
    """Each phrase's passages (FTS5 finds them, unranked) and its frequency in each, counted in
    the passage's indexed text; None when they match over :data:`PHRASE_ROWS` passages, or the
    text does not hold a phrase FTS5 matched there (it must rank them itself)."""
    found: dict[tuple[str, ...], np.ndarray] = {}
    for clause, phrase in phrases:
        if phrase in found:
            continue
        (text,) = conn.execute(
            "SELECT group_concat(rowid) FROM passages_fts WHERE passages_fts MATCH ?", (clause,)
        )
        found[phrase] = (
            np.fromstring(text[0], dtype=np.int64, sep=",") if text[0] else np.zeros(0, np.int64)
        )
    every = np.unique(np.concatenate(list(found.values()))) if found else np.zeros(0, np.int64)
    if every.size > PHRASE_ROWS:
        return None
    out: Postings = {p: (d, np.zeros(0)) for p, d in found.items()}
    if not every.size:
        return out
    marks = ",".join("?" * every.size)
    bodies = dict(
        conn.execute(
            f"SELECT id, c0 FROM passages_fts_content WHERE id IN ({marks})", every.tolist()
        )
    )
    stems = {pid: stems_of(str(body)) for pid, body in bodies.items()}
    counts = {pid: Counter(s) for pid, s in stems.items()}
    for phrase, docs in found.items():
        tf = np.array(
            [
                occurrences(stems.get(d, []), counts.get(d, Counter()), phrase)
                for d in docs.tolist()
            ],
            np.float64,
        )
        if (tf == 0).any():
            return None
        out[phrase] = (docs, tf)
    return out


def _averages(conn: sqlite3.Connection) -> tuple[int, int]:
    """FTS5's passage count and total token count (its ``averages`` record)."""
    row = conn.execute("SELECT block FROM passages_fts_data WHERE id = 1").fetchone()
    if row is None or not row[0]:
        return 0, 0
    rows, at = varint(row[0], 0)
    total, _at = varint(row[0], at)
    return rows, total


def _ensure_vocab(conn: sqlite3.Connection) -> None:
    """Create the connection's ``temp`` postings view once. ``temp`` is private to the
    connection and never part of the index; a reader's ``query_only`` forbids even that, so it
    is lifted for this one statement."""
    if conn.execute(
        "SELECT 1 FROM temp.sqlite_master WHERE name = ?", (VOCAB.split(".")[1],)
    ).fetchone():
        return
    query_only = int(conn.execute("PRAGMA query_only").fetchone()[0])
    conn.execute("PRAGMA query_only = OFF")
    try:
        conn.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {VOCAB} "
            "USING fts5vocab(main, passages_fts, instance)"
        )
    finally:
        conn.execute(f"PRAGMA query_only = {'ON' if query_only else 'OFF'}")


def _lengths(conn: sqlite3.Connection, up_to: int) -> np.ndarray | None:
    """FTS5's token count of every passage with an id up to ``up_to``, by id: the cached ones
    and, when ``up_to`` is past them, those added since (read in one statement); None when a
    size record is not one varint of at most 3 bytes (not FTS5's one-column layout)."""
    try:
        cached = _LENGTHS.get(conn)
    except TypeError:
        cached = None
    if cached is None:
        cached = _Lengths()
        with contextlib.suppress(TypeError):
            _LENGTHS[conn] = cached
    if up_to > cached.read_to and not _read_lengths(conn, cached, up_to):
        return None
    return cached.sizes if cached.sizes.size > up_to else None


def _read_lengths(conn: sqlite3.Connection, cached: _Lengths, up_to: int) -> bool:
    """Read the size records of passages ``cached.read_to + 1`` onwards (to the newest) into
    ``cached``; False (nothing kept) when one is not a varint of at most 3 bytes."""
    # One statement: the ids, and the records (one varint each: the one column's size) run
    # together as hex; varints end at a byte below 0x80, so they are split in numpy.
    ids_text, hex_text = conn.execute(
        "SELECT group_concat(id), group_concat(hex(sz), '') FROM passages_fts_docsize WHERE id > ?",
        (cached.read_to,),
    ).fetchone()
    if not ids_text:
        return True
    ids = np.fromstring(ids_text, dtype=np.int64, sep=",")
    sizes = _varints(np.frombuffer(bytes.fromhex(hex_text), np.uint8))
    if sizes is None or sizes.size != ids.size:
        return False
    top = int(ids.max())
    grown = np.zeros(max(top, up_to) + 1, np.int32)
    grown[: cached.sizes.size] = cached.sizes
    grown[ids] = sizes
    cached.sizes, cached.read_to = grown, top
    return True


def _varints(raw: np.ndarray) -> np.ndarray | None:
    """The values of SQLite varints of 1 to 3 bytes written one after the other in ``raw``
    (7 bits a byte, high bit set on all but the last); None when one is longer."""
    ends = np.flatnonzero(raw < 0x80)
    if ends.size == 0 or ends[-1] != raw.size - 1:
        return None
    length = np.diff(ends, prepend=-1)
    if length.max() > 3:
        return None
    low = raw.astype(np.int64) & 0x7F
    value = low[ends].copy()
    two = length >= 2
    value[two] |= low[ends[two] - 1] << 7
    three = length == 3
    value[three] |= low[ends[three] - 2] << 14
    return value
