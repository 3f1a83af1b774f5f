"""Hybrid nDCG@10, recall@10 against exhaustive search and latency of keyword pruning settings
on bench/million.py's generated index, one setting after the other in one process; and how much
of the loss is the dense side (IVF against exact) and how much the keyword pruning.

``BENCH_CONFIG='{"hy_index": "/work/scratch5/scale/local-1000000", "hy_queries": 100}'``;
``python -m bench.million_hybrid`` writes bench/out/million-hybrid.json.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import main, median, percentile
from bench.million_data import PASSAGES_PER_DOC, Corpus
from bench.million_query import exhaustive_keywords, ndcg10, open_index

SETTINGS = [
    ("session 4 (80k, 5 %)", 80_000, 0.05, False),
    ("80k, 5 % + re-score", 80_000, 0.05, True),
    ("40k, 5 % + re-score", 40_000, 0.05, True),
    ("20k, 2 % + re-score", 20_000, 0.02, True),
]


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    """Every setting of :data:`SETTINGS`, then the dense/keyword decomposition."""
    from askcorpus.search.index import Sides, fuse
    from askcorpus.store.local import lexical

    folder = Path(cfg.get("hy_index", "/work/scratch5/scale/local-1000000"))
    documents = int(folder.name.split("-")[-1]) // PASSAGES_PER_DOC
    corpus = Corpus()
    vectors = np.vstack([v for _d, v in corpus.blocks(documents)])
    questions = corpus.questions(documents, cfg.get("hy_queries", 100), vectors)
    index = open_index(folder, [(q.text, q.vector) for q in questions])
    targets = [q.doc * PASSAGES_PER_DOC + q.ordinal + 1 for q in questions]
    for q in questions[:5]:
        index.retrieve(q.text, 50, "hybrid", q.vector)

    def top(q: Any) -> list[int]:
        return [f.id for f in index.retrieve(q.text, 50, "hybrid", q.vector)[0][:10]]

    with exhaustive_keywords():
        truth = [top(q) for q in questions]
    rows: list[dict[str, Any]] = []
    for name, budget, share, rescore in SETTINGS:
        lexical.SCAN_BUDGET, lexical.FREQUENT_SHARE, lexical.RESCORE_LEFT_OUT = (
            budget,
            share,
            rescore,
        )
        got, lat = [], []
        for q in questions:
            t0 = time.perf_counter()
            got.append(top(q))
            lat.append((time.perf_counter() - t0) * 1000)
        rows.append(
            {
                "setting": name,
                "ndcg10": float(np.mean([ndcg10(g, t) for g, t in zip(got, targets, strict=True)])),
                "recall10": float(
                    np.mean([len(set(g) & set(t)) / 10 for g, t in zip(got, truth, strict=True)])
                ),
                "p50_ms": median(lat),
                "p95_ms": percentile(lat, 95),
            }
        )
        print(f"million_hybrid: {rows[-1]}", flush=True)
    # Exact dense against IVF, each with pruned and with every keyword term (default setting).
    lexical.SCAN_BUDGET, lexical.FREQUENT_SHARE, lexical.RESCORE_LEFT_OUT = 40_000, 0.05, True
    parts: dict[str, list[float]] = {}
    for q, target in zip(questions, targets, strict=True):
        scores = vectors @ q.vector.ravel()
        best = np.argpartition(-scores, 50)[:50]
        exact = [(int(i) + 1, float(scores[i])) for i in best[np.argsort(-scores[best])]]
        ivf = index.store.search_vectors(q.vector, 50)
        pruned = index._lexical(q.text, 50)
        with exhaustive_keywords():
            every = index._lexical(q.text, 50)
        for name, dense, lex in (
            ("ivf + pruned", ivf, pruned),
            ("exact + pruned", exact, pruned),
            ("ivf + every term", ivf, every),
            ("exact + every term", exact, every),
        ):
            seen = {p for p, _s in dense}
            extra = {p: float(scores[p - 1]) for p, _s in lex if p not in seen}
            fused = [f.id for f in fuse(Sides(dense, lex, extra), "hybrid")[:10]]
            parts.setdefault(name, []).append(ndcg10(fused, target))
        overlap = len({p for p, _s in ivf[:10]} & {p for p, _s in exact[:10]}) / 10
        parts.setdefault("dense recall@10 ivf vs exact", []).append(overlap)
    index.close()
    return {"rows": rows, "decomposition": {k: float(np.mean(v)) for k, v in parts.items()}}


if __name__ == "__main__":
    main("million-hybrid", run)
