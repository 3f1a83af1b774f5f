"""The keyword half of the PostgreSQL store: FTS5's tokens and BM25, over PostgreSQL's own
full-text machinery (``tsvector``, ``tsquery``, a GIN index).

Tokens are FTS5's own: :func:`askcorpus.text.fts5.tokens` runs the local store's tokenizer
(``porter unicode61 remove_diacritics 2``) in an in-memory SQLite database and reads them back
through ``fts5vocab``, so both stores index and query exactly the same stems (Snowball's "porter", for
one, stems "ideological" differently). A passage's stems with their positions are its
``tsvector``; a clause of the query is a ``tsquery`` of its stems side by side (``<->``), so
user text is never read as query syntax.

BM25 is FTS5's own (k1 = 1.2, b = 0.75, idf = ln((N - n + 0.5) / (n + 0.5)), at least 1e-6;
a phrase counts as one term) with exact statistics; :mod:`askcorpus.store.postgres.keyword`
computes it over the ``postings`` table (words) and the ``tsvector`` positions (phrases,
:func:`clause_frequency`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from askcorpus.records import KeywordQuery
from askcorpus.text.fts5 import tokens

K1 = 1.2
B = 0.75
#: tsvector limits: positions up to 16383, lexemes under 2 KiB (longer tokens are left out).
MAX_POSITION = 16383
MAX_TOKEN_BYTES = 1000
#: Indexes smaller than this are always searched with every term (as the local store).
PRUNE_MIN_PASSAGES = 50_000
SCAN_BUDGET = 80_000
FREQUENT_SHARE = 0.05


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


def postings(
    ids: Sequence[int], passages: Sequence[Sequence[str]]
) -> tuple[list[str], list[int], list[int], list[int]]:
    """The ``postings`` rows of passages ``ids`` with stems ``passages``, as columns: token,
    passage, the token's count in it and the passage's length (tokens too long for a
    ``tsvector`` are left out, as there)."""
    terms: list[str] = []
    owners: list[int] = []
    counts: list[int] = []
    lengths: list[int] = []
    for pid, stems in zip(ids, passages, strict=True):
        for term, tf in Counter(
            s for s in stems if len(s.encode("utf-8")) <= MAX_TOKEN_BYTES
        ).items():
            terms.append(term)
            owners.append(pid)
            counts.append(tf)
            lengths.append(len(stems))
    return terms, owners, counts, lengths


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


_ENTRY = re.compile(r"'((?:[^']|'')*)':([0-9A,]+)")


def stem_positions(text: str) -> dict[str, str]:
    """The stems of a ``tsvector``'s text (``'copper':3A,9A 'grain':4A``) with their positions,
    unparsed (``"3A,9A"``): a word's frequency is their count, only phrases need the numbers."""
    return {m.group(1).replace("''", "'"): m.group(2) for m in _ENTRY.finditer(text)}


def _numbers(positions: str) -> list[int]:
    return [int(x.rstrip("A")) for x in positions.split(",")]


def clause_frequency(clause: Sequence[str], positions: dict[str, str]) -> int:
    """How often ``clause`` occurs in a passage whose stems sit at ``positions``
    (:func:`stem_positions`): a word's count, or the number of places its words stand side by
    side, in order."""
    if len(clause) == 1:
        found = positions.get(clause[0])
        return found.count(",") + 1 if found else 0
    if any(w not in positions for w in clause):
        return 0
    first = _numbers(positions[clause[0]])
    rest = [set(_numbers(positions[w])) for w in clause[1:]]
    return sum(1 for p in first if all(p + i in later for i, later in enumerate(rest, 1)))


def phrase_counts(
    phrases: Sequence[tuple[str, ...]], positions: dict[str, str]
) -> dict[tuple[str, ...], int]:
    """:func:`clause_frequency` of each of ``phrases`` found in a passage (those absent are
    left out), each stem's positions parsed once."""
    parsed: dict[str, list[int]] = {}
    out: dict[tuple[str, ...], int] = {}
    for clause in phrases:
        if any(w not in positions for w in clause):
            continue
        lists = [parsed[w] if w in parsed else parsed.setdefault(w, _numbers(positions[w]))
                 for w in clause]  # fmt: skip
        rest = [set(x) for x in lists[1:]]
        found = sum(1 for p in lists[0] if all(p + i in later for i, later in enumerate(rest, 1)))
        if found:
            out[clause] = found
    return out
