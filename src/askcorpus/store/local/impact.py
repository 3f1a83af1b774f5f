"""The share of BM25 a frequent term left out of the FTS5 ranking would have added, estimated
for the few passages that ranking returned (see :mod:`askcorpus.store.local.lexical`).

FTS5 computes ``bm25()`` for every passage matching the expression, so a word found in a
quarter of 1M passages costs a quarter of a million scores. When such words are left out, the
passages the rarer words found are re-scored here with the words left out, in FTS5's own formula
(k1 = 1.2, b = 0.75, idf = ln((N - n + 0.5) / (n + 0.5)), at least 1e-6): the term frequency is
read from the passage's indexed text (in the FTS5 table's content table, by rowid), each word
stemmed by FTS5's own tokenizer (:func:`askcorpus.text.fts5.porter_stem`, cached per word, so a
word counts exactly when FTS5 would match it), the passage length is its token count, the
average length FTS5's own. Measured against exact ranking in docs/benchmarks.md (Session 5, "A
million passages").
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections import Counter

from askcorpus.text.fts5 import porter_stem, tokens

K1 = 1.2
B = 0.75
# unicode61 keeps letters, digits and private-use characters together; all else separates.
_TOKEN = re.compile(r"[^\W_]+")


def average_length(conn: sqlite3.Connection) -> float:
    """FTS5's average passage length in tokens (its ``averages`` record), 0 when unreadable."""
    row = conn.execute("SELECT block FROM passages_fts_data WHERE id = 1").fetchone()
    if row is None or not row[0]:
        return 0.0
    rows, at = varint(row[0], 0)
    tokens, _at = varint(row[0], at)
    return tokens / rows if rows else 0.0


def varint(data: bytes, at: int) -> tuple[int, int]:
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


def stems_of(body: str) -> list[str]:
    """FTS5's stems of an indexed passage text, in order (unicode61's tokens, FTS5's porter)."""
    return [porter_stem(w) for w in _TOKEN.findall(body.lower())]


def occurrences(stems: list[str], counts: Counter[str], phrase: tuple[str, ...]) -> int:
    """Occurrences of ``phrase`` (its stems side by side) in ``stems``; ``counts`` (the stems
    counted) answers one-word phrases without a scan."""
    if len(phrase) == 1:
        return counts[phrase[0]]
    n = len(phrase)
    return sum(1 for i in range(len(stems) - n + 1) if tuple(stems[i : i + n]) == phrase)


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
        (tuple(tokens(clause.strip('"'))), idf(passages, n)) for clause, n in left_out.items()
    ]
    out = []
    for pid, score in rows:
        stems = stems_of(str(bodies.get(pid, "")))
        counts = Counter(stems)
        norm = K1 * (1 - B + B * len(stems) / average)
        for phrase, weight in weights:
            tf = occurrences(stems, counts, phrase) if phrase else 0
            if tf:
                score += weight * tf * (K1 + 1) / (tf + norm)
        out.append((pid, score))
    return sorted(out, key=lambda r: (-r[1], r[0]))
