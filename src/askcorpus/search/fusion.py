"""Fusing dense (embedding) and keyword (BM25) candidate lists into one ranking.

The default is a *convex combination of normalised scores* rather than reciprocal-rank fusion:
RRF throws the score gaps away, so a keyword list in which the first hit towers over the rest
(an exact name or number) counts no more than a flat one. Measured on the same indexes, the
convex combination beats plain RRF by about 0.02 nDCG@10 on SciFact and ArguAna
(docs/quality.md); RRF is kept as a baseline mode.

Normalisation follows Bruch et al. ("An Analysis of Fusion Functions for Hybrid Retrieval",
TOIS 2023): each score is divided by the list's best, with its theoretical minimum (0) as the
floor, so an absent keyword match scores 0 and the keyword side's confidence survives.

One weight is tuned: the keyword side's share ``w`` (``LEXICAL_WEIGHT``), on SciFact *train*
claims and a fixed half of ArguAna (even positions of the sorted query ids), never on the
reported test queries. A weight that falls with question length was tried and rejected: on
ArguAna's paragraph-long questions our BM25 is nearly as good as the embedding, so the data
wanted the same weight for long and short questions (docs/quality.md).

A *long* query (a paragraph: "Find similar", an argument asked as a question) gets passage
length normalisation on top (:func:`length_normalised`): summed over many query words, both
BM25 and the cosine favour long passages, which hold more of them. Chosen on the even half of
ArguAna's queries (all at least 46 words long), +0.039 nDCG@10 on the odd half; questions
(SciFact claims, ours: at most 29 words) are below :data:`LONG_QUERY_WORDS` and unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from askcorpus.records import Via
from askcorpus.settings import MULTILINGUAL

RRF_K = 60
# Tuned on SciFact train and half of ArguAna: flat between 0.4 and 0.55; see docs/quality.md.
LEXICAL_WEIGHT = 0.5
# A query of at least this many words is "long" (a third of a passage; questions stay below).
LONG_QUERY_WORDS = 40
# Length normalisation of long queries: score - LENGTH_WEIGHT * ln(words / REFERENCE_WORDS);
# chosen on the even half of ArguAna (0.05-0.1 all within 0.006 there), docs/quality.md.
LENGTH_WEIGHT = 0.075
REFERENCE_WORDS = 120
# Shorter passages than this are normalised as this long (a heading must not jump ahead).
MIN_WORDS = 10


@dataclass(frozen=True, slots=True)
class FusionParams:
    """How one model's dense scores meet BM25: the cosine taken as the dense side's zero
    (``floor``) and the keyword side's share (``weight``)."""

    floor: float = 0.0
    weight: float = LEXICAL_WEIGHT


#: Per embedding model (an index's manifest ``model``); every other model gets the defaults.
#: multilingual-e5-small's cosines are compressed (unrelated texts score ~0.7, where MiniLM's
#: score ~0), so with a floor of 0 its dense side barely separates candidates and BM25 decides
#: alone (SciFact test 0.694, below its dense list's 0.660 + keyword 0.684 fused by plain RRF,
#: 0.711). Floor and weight chosen on SciFact *train* (the best of floors 0-0.8 x weights
#: 0.3-0.6); docs/quality.md has the grid and the held-out checks.
FUSION = {MULTILINGUAL: FusionParams(floor=0.75, weight=0.3)}


def params_for(model: str) -> FusionParams:
    """The fusion parameters of an index whose passages ``model`` embedded."""
    return FUSION.get(model, FusionParams())


Ranked = Sequence[tuple[int, float]]


@dataclass(frozen=True, slots=True)
class Fused:
    """One fused candidate: passage id, fused score, and what each side said about it."""

    id: int
    score: float
    dense_score: float
    lexical_score: float
    dense_rank: int | None
    lexical_rank: int | None

    @property
    def via(self) -> Via:
        """``both``, ``dense`` or ``keyword``: which candidate list(s) found the passage."""
        if self.dense_rank is not None and self.lexical_rank is not None:
            return "both"
        return "dense" if self.dense_rank is not None else "keyword"


def convex(
    dense: Ranked,
    lexical: Ranked,
    extra_dense: Mapping[int, float],
    weight: float,
    floor: float = 0.0,
) -> list[Fused]:
    """Convex combination ``(1 - w) * (dense - floor)/(max - floor) + w * bm25/max``, best
    first (a cosine below ``floor`` counts as 0; see :class:`FusionParams`).

    ``extra_dense`` holds exact dense scores of keyword candidates outside the dense list, so
    every candidate is scored on both sides (not imputed).
    """
    dense_score = dict(dense)
    dense_score.update(extra_dense)
    lex_score = dict(lexical)
    dense_rank = {pid: r for r, (pid, _s) in enumerate(dense, 1)}
    lex_rank = {pid: r for r, (pid, _s) in enumerate(lexical, 1)}
    d_max = max((s for _p, s in dense), default=0.0)
    d_max = max(d_max, max(extra_dense.values(), default=0.0), 1e-9)
    span = max(d_max - floor, 1e-9)
    l_max = max(max((s for _p, s in lexical), default=0.0), 1e-9)
    out = []
    for pid in dense_rank.keys() | lex_rank.keys():
        d = dense_score.get(pid, 0.0)
        lx = lex_score.get(pid, 0.0)
        score = (1.0 - weight) * max(d - floor, 0.0) / span + weight * max(lx, 0.0) / l_max
        out.append(Fused(pid, score, d, lx, dense_rank.get(pid), lex_rank.get(pid)))
    out.sort(key=lambda f: (-f.score, f.id))
    return out


def rrf(
    dense: Ranked, lexical: Ranked, extra_dense: Mapping[int, float], k: int = RRF_K
) -> list[Fused]:
    """Plain reciprocal-rank fusion (kept as the baseline the benchmark compares against)."""
    dense_score = dict(dense)
    dense_score.update(extra_dense)
    lex_score = dict(lexical)
    dense_rank = {pid: r for r, (pid, _s) in enumerate(dense, 1)}
    lex_rank = {pid: r for r, (pid, _s) in enumerate(lexical, 1)}
    out = []
    for pid in dense_rank.keys() | lex_rank.keys():
        score = sum(1.0 / (k + r[pid]) for r in (dense_rank, lex_rank) if pid in r)
        out.append(
            Fused(
                pid,
                score,
                dense_score.get(pid, 0.0),
                lex_score.get(pid, 0.0),
                dense_rank.get(pid),
                lex_rank.get(pid),
            )
        )
    out.sort(key=lambda f: (-f.score, f.id))
    return out


def single(ranked: Ranked, side: str) -> list[Fused]:
    """One side alone (``dense`` or ``keyword``), for evaluation baselines."""
    out = []
    for r, (pid, s) in enumerate(ranked, 1):
        if side == "dense":
            out.append(Fused(pid, s, s, 0.0, r, None))
        else:
            out.append(Fused(pid, s, 0.0, s, None, r))
    return out


def is_long_query(text: str) -> bool:
    """Whether ``text`` is long enough (:data:`LONG_QUERY_WORDS`) for length normalisation."""
    return len(text.split()) >= LONG_QUERY_WORDS


def length_normalised(
    fused: Sequence[Fused], words: Mapping[int, int], weight: float = LENGTH_WEIGHT
) -> list[Fused]:
    """``fused`` re-scored ``score - weight * ln(words / REFERENCE_WORDS)``, best first.

    ``words`` holds each passage's length in words (a missing one counts as the reference
    length, so it is left as it was).
    """
    out = []
    for f in fused:
        n = max(words.get(f.id, REFERENCE_WORDS), MIN_WORDS)
        score = f.score - weight * math.log(n / REFERENCE_WORDS)
        out.append(Fused(f.id, score, f.dense_score, f.lexical_score, f.dense_rank, f.lexical_rank))
    out.sort(key=lambda f: (-f.score, f.id))
    return out
