"""What each frequent-term pruning setting of the local keyword side costs in time and nDCG@10:
on a generated index (bench/million.py's, 1M passages by default) and forced onto SciFact.

Each variant is (scan budget, frequent share) as at 1M passages. On the generated index it is
applied as is; on SciFact (8.4k passages) it is forced (``PRUNE_MIN_PASSAGES = 0``) with the
budget scaled by passages/1M, so each term is judged by the same share of the index it would be
at 1M: a pessimistic picture of the setting on real text (SciFact's questions are short and
have few frequent words). Keyword time is the keyword side of a hybrid question (its words,
then its adjacent pairs as phrases: ``Index._lexical``); *cold* is the first pass over the
questions (postings counted), *warm* a later pass (counts cached per connection).

``BENCH_CONFIG='{"kw_index": "/work/scratch5/scale/local-1000000", "kw_scifact":
"/work/scratch5/scale/scifact", "kw_queries": 200}'``; ``python -m bench.million_keyword``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import SCIFACT, main, median, percentile

# (name, SCAN_BUDGET at 1M passages, FREQUENT_SHARE, re-score with the terms left out);
# budget None: every term ranked.
Variant = tuple[str, int | None, float, bool]
VARIANTS: list[Variant] = [
    ("exhaustive", None, 0.0, False),
    ("session 4 (80k, 5 %)", 80_000, 0.05, False),
    ("40k, 5 %", 40_000, 0.05, False),
    ("20k, 2 %", 20_000, 0.02, False),
    ("20k, 2 % + re-score", 20_000, 0.02, True),
    ("10k, 1 %", 10_000, 0.01, False),
    ("10k, 1 % + re-score", 10_000, 0.01, True),
    ("5k, 0.5 % + re-score", 5_000, 0.005, True),
    ("80k, 5 % + re-score", 80_000, 0.05, True),
    ("40k, 5 % + re-score", 40_000, 0.05, True),
    ("160k, 5 % + re-score", 160_000, 0.05, True),
]


def apply(variant: Variant, passages: int, forced: bool) -> None:
    """Set the local keyword side's pruning constants to ``variant``."""
    from askcorpus.store.local import lexical

    _name, budget, share, rescore = variant
    lexical.RESCORE_LEFT_OUT = rescore
    if budget is None:
        lexical.PRUNE_MIN_PASSAGES = 10**12
        return
    lexical.PRUNE_MIN_PASSAGES = 0 if forced else 50_000
    lexical.SCAN_BUDGET = int(budget * passages / 1_000_000) if forced else budget
    lexical.FREQUENT_SHARE = share


def generated(folder: Path, count: int, variants: list[Variant]) -> list[dict[str, Any]]:
    """Keyword time, nDCG@10 (the target passage) and recall@10 against every term ranked."""
    from bench.million_data import PASSAGES_PER_DOC, Corpus
    from bench.million_query import ndcg10, open_index

    corpus = Corpus()
    documents = int(folder.name.split("-")[-1]) // PASSAGES_PER_DOC

    class Unused:
        def __getitem__(self, i: int) -> np.ndarray:
            return np.zeros(384, np.float32)

    questions = corpus.questions(documents, count, Unused())  # type: ignore[arg-type]
    index = open_index(folder, [])
    targets = [
        index.store.document_passages(f"gen/doc{q.doc:07d}.txt")[q.ordinal][0] for q in questions
    ]
    passages = index.store.stats().passages
    rows: list[dict[str, Any]] = []
    truth: list[list[int]] = []
    for n, variant in enumerate(variants):
        apply(variant, passages, forced=False)
        passes: list[list[float]] = []
        got: list[list[int]] = []
        for _ in range(2 if n == 1 else 1):  # "today" twice: cold, then warm
            lat, got = [], []
            for q in questions:
                t0 = time.perf_counter()
                hits = index._lexical(q.text, 50)
                lat.append((time.perf_counter() - t0) * 1000)
                got.append([pid for pid, _s in hits[:10]])
            passes.append(lat)
        if n == 0:
            truth = got
        row: dict[str, Any] = {
            "variant": variant[0],
            "p50_ms": median(passes[-1]),
            "p95_ms": percentile(passes[-1], 95),
            "ndcg10": float(np.mean([ndcg10(g, t) for g, t in zip(got, targets, strict=True)])),
            "recall10_vs_exhaustive": float(
                np.mean(
                    [len(set(g) & set(t)) / max(1, len(t)) for g, t in zip(got, truth, strict=True)]
                )
            ),
        }
        if len(passes) == 2:
            row.update(cold_p50_ms=median(passes[0]), cold_p95_ms=percentile(passes[0], 95))
        rows.append(row)
        print(f"million_keyword: {row}", flush=True)
    index.close()
    return rows


def scifact(folder: Path, variants: list[Variant]) -> list[dict[str, Any]]:
    """Hybrid and keyword nDCG@10 on SciFact's test claims, each variant forced."""
    from askcorpus.eval.beir import load_set
    from askcorpus.eval.run import evaluate_beir
    from askcorpus.search.index import Index
    from askcorpus.settings import Settings

    data = load_set(SCIFACT)
    index = Index.open(folder, Settings())
    passages = index.store.stats().passages
    from askcorpus.text.query import clean_question

    texts = [clean_question(data.queries[q])[0] for q in data.queries]
    vectors = index.embedder.encode_passages(texts)
    rows = []
    for variant in variants:
        apply(variant, passages, forced=True)
        hybrid = evaluate_beir(index, data, "hybrid", vectors=vectors)
        keyword = evaluate_beir(index, data, "keyword")
        rows.append(
            {
                "variant": variant[0],
                "hybrid_ndcg10": hybrid.metrics["ndcg@10"],
                "keyword_ndcg10": keyword.metrics["ndcg@10"],
            }
        )
        print(f"million_keyword: scifact {rows[-1]}", flush=True)
    index.close()
    return rows


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    """Both parts (each skipped when its index is missing)."""
    out: dict[str, Any] = {}
    # "kw_variants": indexes into VARIANTS (the first must be the exhaustive one).
    variants = [VARIANTS[i] for i in cfg.get("kw_variants", range(len(VARIANTS)))]
    folder = Path(cfg.get("kw_index", "/work/scratch5/scale/local-1000000"))
    if folder.is_dir():
        out["generated"] = {
            "index": str(folder),
            "rows": generated(folder, cfg.get("kw_queries", 200), variants),
        }
    sci = Path(cfg.get("kw_scifact", "/work/scratch5/scale/scifact"))
    if sci.is_dir():
        out["scifact"] = {"index": str(sci), "rows": scifact(sci, variants)}
    return out


if __name__ == "__main__":
    main("million-keyword", run)
