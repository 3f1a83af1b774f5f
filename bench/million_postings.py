"""Keyword ranking from FTS5's postings (store/local/postings.py) against bm25() per passage:
hybrid latency, keyword latency, recall@10 against exhaustive search and nDCG@10 on
bench/million.py's generated index, the variants interleaved question by question (each
question asked in every variant, the variants' order rotated), so machine load falls on all
alike; and the SciFact-sized keyword side (words + adjacent pairs) with both paths, checking the
hits are the same.

``BENCH_CONFIG='{"pp_index": "/work/scratch6/scale/local-1000000", "pp_queries": 100,
"pp_scifact": "/work/scratch6/scale/scifact"}' python -m bench.million_postings`` writes
bench/out/million-postings.json.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import SCIFACT, main, median, percentile

# (name, ranked from postings, SCAN_BUDGET, FREQUENT_SHARE, parsed postings kept); budget None:
# every term ranked. The harness asks every question before timing it (to count the pruning's
# terms once), so the parsed postings kept (session 7) are warm for the timed questions unless
# evicted; "nothing kept" is the same ranking parsing every question's words again.
Variant = tuple[str, bool, int | None, float, bool]
VARIANTS: list[Variant] = [
    ("bm25(), 40k, 5 % + re-score (session 5)", False, 40_000, 0.05, True),
    ("postings, 40k, 5 % + re-score", True, 40_000, 0.05, True),
    ("postings, 40k, 5 % + re-score, nothing kept (session 6)", True, 40_000, 0.05, False),
    ("postings, 160k, 5 % + re-score", True, 160_000, 0.05, True),
    ("postings, every term", True, None, 0.05, True),
]
#: The shipped bound of parsed postings kept (store/local/postings.py), read before any change.
_KEPT: list[int] = []


def apply(variant: Variant) -> None:
    """Set the local keyword side to ``variant``."""
    from askcorpus.store.local import lexical, postings

    _name, from_postings, budget, share, keep = variant
    _KEPT[:] = _KEPT or [postings.CACHE_OCCURRENCES]
    postings.CACHE_OCCURRENCES = _KEPT[0] if keep else 0
    lexical.FROM_POSTINGS = from_postings
    lexical.RESCORE_LEFT_OUT = True
    lexical.PRUNE_MIN_PASSAGES = 10**12 if budget is None else 50_000
    lexical.SCAN_BUDGET = budget or 0
    lexical.FREQUENT_SHARE = share


def generated(folder: Path, count: int, variants: list[Variant]) -> dict[str, Any]:
    """Hybrid and keyword latency, recall@10 against exhaustive, nDCG@10 per variant."""
    from bench.million_data import PASSAGES_PER_DOC, Corpus
    from bench.million_query import exhaustive_keywords, ndcg10, open_index

    documents = int(folder.name.split("-")[-1]) // PASSAGES_PER_DOC
    corpus = Corpus()
    vectors = np.vstack([v for _d, v in corpus.blocks(documents)])
    questions = corpus.questions(documents, count, vectors)
    del vectors
    index = open_index(folder, [(q.text, q.vector) for q in questions])
    targets = [q.doc * PASSAGES_PER_DOC + q.ordinal + 1 for q in questions]
    apply(variants[1])
    t0 = time.perf_counter()
    index._lexical(questions[0].text, 50)  # the first question reads the passage lengths
    first_ms = (time.perf_counter() - t0) * 1000
    for q in questions[:5]:
        index.retrieve(q.text, 50, "hybrid", q.vector)
    with exhaustive_keywords():
        truth = [
            [f.id for f in index.retrieve(q.text, 50, "hybrid", q.vector)[0][:10]]
            for q in questions
        ]
    # Warm each variant's postings counts (pruned variants count terms once per connection).
    for variant in variants:
        apply(variant)
        for q in questions:
            index._lexical(q.text, 50)
    hybrid: dict[str, list[float]] = {v[0]: [] for v in variants}
    keyword: dict[str, list[float]] = {v[0]: [] for v in variants}
    got: dict[str, list[list[int]]] = {v[0]: [] for v in variants}
    for n, q in enumerate(questions):
        for variant in variants[n % len(variants) :] + variants[: n % len(variants)]:
            apply(variant)
            t0 = time.perf_counter()
            top = [f.id for f in index.retrieve(q.text, 50, "hybrid", q.vector)[0][:10]]
            t1 = time.perf_counter()
            index._lexical(q.text, 50)
            t2 = time.perf_counter()
            hybrid[variant[0]].append((t1 - t0) * 1000)
            keyword[variant[0]].append((t2 - t1) * 1000)
            got[variant[0]].append(top)
    rows = []
    for variant in variants:
        name = variant[0]
        rows.append(
            {
                "variant": name,
                "hybrid_p50_ms": median(hybrid[name]),
                "hybrid_p95_ms": percentile(hybrid[name], 95),
                "keyword_p50_ms": median(keyword[name]),
                "keyword_p95_ms": percentile(keyword[name], 95),
                "recall10_vs_exhaustive": float(
                    np.mean(
                        [len(set(g) & set(t)) / 10 for g, t in zip(got[name], truth, strict=True)]
                    )
                ),
                "ndcg10": float(
                    np.mean([ndcg10(g, t) for g, t in zip(got[name], targets, strict=True)])
                ),
            }
        )
        print(f"million_postings: {rows[-1]}", flush=True)
    index.close()
    return {"index": str(folder), "first_question_ms": first_ms, "rows": rows}


def scifact(folder: Path, rounds: int = 3) -> dict[str, Any]:
    """SciFact's keyword side (words + adjacent pairs, n = 50) with bm25() and with postings,
    interleaved; whether every question's hits are identical."""
    from askcorpus.search.index import Index
    from askcorpus.settings import Settings
    from askcorpus.store.local import lexical
    from askcorpus.text.query import clean_question
    from bench.common import scifact_queries

    queries, _qrels = scifact_queries()
    texts = [clean_question(t)[0] for t in queries.values()]
    index = Index.open(folder, Settings())
    same = 0
    times: dict[bool, list[float]] = {False: [], True: []}
    for text in texts:
        hits = {}
        for from_postings in (False, True):
            lexical.FROM_POSTINGS = from_postings
            hits[from_postings] = index._lexical(text, 50)
        same += hits[False] == hits[True]
    for r in range(rounds):
        for n, text in enumerate(texts):
            for from_postings in (False, True) if (n + r) % 2 else (True, False):
                lexical.FROM_POSTINGS = from_postings
                t0 = time.perf_counter()
                index._lexical(text, 50)
                times[from_postings].append((time.perf_counter() - t0) * 1000)
    index.close()
    lexical.FROM_POSTINGS = True
    return {
        "index": str(folder),
        "questions": len(texts),
        "identical_hits": same,
        "bm25_p50_ms": median(times[False]),
        "bm25_p95_ms": percentile(times[False], 95),
        "postings_p50_ms": median(times[True]),
        "postings_p95_ms": percentile(times[True], 95),
    }


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    """Both parts (each skipped when its index is missing)."""
    out: dict[str, Any] = {"scifact_set": str(SCIFACT)}
    variants = [VARIANTS[i] for i in cfg.get("pp_variants", range(len(VARIANTS)))]
    folder = Path(cfg.get("pp_index", "/work/scratch6/scale/local-1000000"))
    if folder.is_dir():
        out["generated"] = generated(folder, cfg.get("pp_queries", 100), variants)
    sci = Path(cfg.get("pp_scifact", "/work/scratch6/scale/scifact"))
    if sci.is_dir():
        out["scifact"] = scifact(sci)
        print(f"million_postings: scifact {out['scifact']}", flush=True)
    return out


if __name__ == "__main__":
    main("million-postings", run)
