"""Ranking metrics of ``askcorpus eval`` with trec_eval's definitions, in plain Python.

Standard library only (no numpy, no FAISS), so the metrics can be imported, checked and reused
anywhere; ``tests/eval/test_metrics.py`` compares them with trec_eval itself (pytrec_eval) on
random runs. A *ranking* is a list of distinct ids, best first; *rels* maps ids to graded
judgments (> 0 is relevant, the grade is the gain; missing ids are unjudged, gain 0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence


def ndcg_at(ranking: Sequence[str], rels: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k with linear gains (trec_eval ``ndcg_cut``); 0 when nothing is relevant."""
    ideal = sorted((r for r in rels.values() if r > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    if idcg == 0:
        return 0.0
    dcg = sum(max(rels.get(d, 0), 0) / math.log2(i + 2) for i, d in enumerate(ranking[:k]))
    return dcg / idcg


def recall_at(ranking: Sequence[str], rels: Mapping[str, int], k: int = 100) -> float:
    """Share of the relevant documents found in the first ``k`` (trec_eval ``recall_k``)."""
    relevant = {d for d, r in rels.items() if r > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranking[:k])) / len(relevant)


def rr_at(ranking: Sequence[str], rels: Mapping[str, int], k: int = 10) -> float:
    """Reciprocal rank of the first relevant document within the first ``k`` (else 0)."""
    for i, d in enumerate(ranking[:k], 1):
        if rels.get(d, 0) > 0:
            return 1.0 / i
    return 0.0


def hit_at(ranking: Sequence[str], rels: Mapping[str, int], k: int) -> float:
    """1 when a relevant document is within the first ``k`` (trec_eval ``success_k``), else 0."""
    return float(any(rels.get(d, 0) > 0 for d in ranking[:k]))


def doc_ranking(passage_sources: Iterable[str], exclude: str | None = None) -> list[str]:
    """Documents in order of their best passage (first occurrence), ``exclude`` dropped."""
    seen: dict[str, None] = {}
    for source in passage_sources:
        if source != exclude:
            seen.setdefault(source, None)
    return list(seen)


def mean(per: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Each metric averaged over the queries of ``per`` (query -> metric -> value)."""
    if not per:
        return {}
    keys = next(iter(per.values())).keys()
    return {k: sum(v[k] for v in per.values()) / len(per) for k in keys}
