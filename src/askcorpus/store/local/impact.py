"""The share of BM25 a frequent term left out of the FTS5 ranking would have added, estimated
for the few passages that ranking returned (see :mod:`askcorpus.store.local.lexical`).

FTS5 computes ``bm25()`` for every passage matching the expression, so a word found in a
quarter of 1M passages costs a quarter of a million scores. When such words are left out, the
passages the rarer words found are re-scored here with the words left out, in FTS5's own formula
(k1 = 1.2, b = 0.75, idf = ln((N - n + 0.5) / (n + 0.5)), at least 1e-6): the term frequency is
read from the passage's indexed text (in the FTS5 table's content table, by rowid), the passage length is its token
count, the average length FTS5's own. The text is split on non-word characters and lower-cased
as FTS5's ``unicode61`` tokenizer does; the ``porter`` stemmer is approximated by accepting a few
English endings (a word counts as its plural or past), so the estimate can differ from the exact
score on unusual inflections. Measured against exact ranking in docs/benchmarks.md (Session 5, "A million passages").
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections import Counter

K1 = 1.2
B = 0.75
_TOKEN = re.compile(r"[^\W_]+")
#: Endings a stored word may carry beyond the question's word and still count (porter-like).
ENDINGS = frozenset({"", "s", "es", "ed", "d", "ing", "ly"})


def average_length(conn: sqlite3.Connection) -> float:
    """FTS5's average passage length in tokens (its ``averages`` record), 0 when unreadable."""
    row = conn.execute("SELECT block FROM passages_fts_data WHERE id = 1").fetchone()
    if row is None or not row[0]:
        return 0.0
    rows, at = _varint(row[0], 0)
    tokens, _at = _varint(row[0], at)
    return tokens / rows if rows else 0.0


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """SQLite's variable-length integer at ``data[at:]``: its value and the next offset."""
    value = 0
    for i in range(8):
        byte = data[at + i]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + i + 1
    return (value << 8) | data[at + 8], at + 9


def idf(passages: int, postings: int) -> float:
    """FTS5's inverse document frequency of a phrase found in ``postings`` of ``passages``."""
    value = math.log((passages - postings + 0.5) / (postings + 0.5))
    return value if value > 0 else 1e-6


def _forms(word: str) -> frozenset[str]:
    """The stored words that count as ``word``."""
    return frozenset(word + e for e in ENDINGS)


def _count(tokens: list[str], counts: Counter[str], phrase: list[frozenset[str]]) -> int:
    """Occurrences of ``phrase`` (each word as its accepted forms) in ``tokens``; ``counts``
    (the tokens counted) answers one-word phrases without a scan."""
    if len(phrase) == 1:
        return sum(counts[f] for f in phrase[0])
    n = len(phrase)
    return sum(
        1
        for i in range(len(tokens) - n + 1)
        if tokens[i] in phrase[0] and all(tokens[i + j] in phrase[j] for j in range(1, n))
    )


def add_left_out(
    conn: sqlite3.Connection,
    rows: list[tuple[int, float]],
    left_out: dict[str, int],
    passages: int,
    average: float,
) -> list[tuple[int, float]]:
    """``rows`` (passage id, BM25 of the ranked terms) re-scored with the estimated BM25 of the
    quoted clauses ``left_out`` (clause -> postings), best first."""
    if not rows or not left_out or average <= 0:
        return rows
    ids = [pid for pid, _s in rows]
    marks = ",".join("?" * len(ids))
    bodies = dict(
        conn.execute(f"SELECT id, c0 FROM passages_fts_content WHERE id IN ({marks})", ids)
    )
    weights = [
        ([_forms(w) for w in clause.strip('"').split()], idf(passages, n))
        for clause, n in left_out.items()
    ]
    out = []
    for pid, score in rows:
        tokens = _TOKEN.findall(str(bodies.get(pid, "")).lower())
        counts = Counter(tokens)
        norm = K1 * (1 - B + B * len(tokens) / average)
        for phrase, weight in weights:
            tf = _count(tokens, counts, phrase)
            if tf:
                score += weight * tf * (K1 + 1) / (tf + norm)
        out.append((pid, score))
    return sorted(out, key=lambda r: (-r[1], r[0]))
