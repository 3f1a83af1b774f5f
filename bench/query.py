"""Warm query latency of ``Index.search`` end to end (embed, search, fuse, highlight), with a
breakdown of where the time goes, on SciFact's index and on the shipped corpus.

The breakdown wraps the embedder's and the store's methods and the highlighter with timers, so
it follows search.py as it changes: whatever is not inside a wrapped call is "fuse and rest".
``bench/k_cost.py`` gives the finer, exclusive breakdown at k=10 and k=100.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import (
    OUT,
    SHIPPED,
    main,
    median,
    percentile,
    scifact_queries,
    timed,
    write_scifact_corpus,
)

PARTS = {
    "embed question": [("embedder", "encode_query")],
    "embed sentences (highlight)": [("embedder", "encode_passages")],
    "vector search": [("store", "search_vectors")],
    "keyword search (FTS5)": [("store", "search_lexical")],
    "fetch passages/vectors/docs": [
        ("store", "passages"),
        ("store", "passage_vectors"),
        ("store", "document"),
    ],
    # Before issue #18 the hits were highlighted by the first two, after by the last two.
    "highlight + terms": [
        ("module", "best_sentence"),
        ("module", "matched_terms"),
        ("module", "read_hit"),
        ("module", "pick_sentence"),
    ],
}


def _wrap(owner: Any, attr: str, bucket: str, spent: dict[str, float]) -> Callable[[], None]:
    original = getattr(owner, attr)

    def timed_call(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[bucket] += time.perf_counter() - t0

    setattr(owner, attr, timed_call)
    return lambda: setattr(owner, attr, original)


def latency(folder: Path, questions: list[str], warmup: int = 5) -> dict[str, Any]:
    """p50/p95 of warm ``Index.search`` over ``questions`` plus the median breakdown.

    Warm means the model is loaded and a few other questions were asked; each measured question
    is new to the index (its caches are per instance, so the timed pass and the instrumented
    pass each get a fresh ``Index``).
    """
    import askcorpus.search.index as search_module
    from askcorpus.embed.embedder import Embedder
    from askcorpus.search.index import Index
    from askcorpus.settings import Settings

    settings = Settings(index_dir=folder)
    embedder = Embedder(settings)
    embedder.load()
    warm, measured = questions[:warmup], questions[warmup:]

    def fresh() -> Index:
        index = Index.open(folder, settings, embedder)
        for q in warm:
            index.search(q)
        return index

    index = fresh()
    clean: list[float] = []
    cpu: list[float] = []
    for q in measured:
        c0 = time.process_time()
        clean.append(timed(lambda q=q: index.search(q))[0] * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    stats = index.stats()
    index.close()

    index = fresh()
    spent: dict[str, float] = defaultdict(float)
    undo = []
    for bucket, targets in PARTS.items():
        for owner_name, attr in targets:
            owner = {"embedder": embedder, "store": index.store, "module": search_module}[
                owner_name
            ]
            if hasattr(owner, attr):
                undo.append(_wrap(owner, attr, bucket, spent))
    totals: list[float] = []
    parts: dict[str, list[float]] = defaultdict(list)
    for q in measured:
        spent.clear()
        seconds, _ = timed(lambda q=q: index.search(q))
        totals.append(seconds * 1000)
        inner = 0.0
        for bucket in PARTS:
            parts[bucket].append(spent.get(bucket, 0.0) * 1000)
            inner += spent.get(bucket, 0.0) * 1000
        parts["fuse, collapse and rest"].append(seconds * 1000 - inner)
    for u in undo:
        u()
    # A question asked again hits the per-index caches (what re-running a search costs).
    repeat = [timed(lambda q=q: index.search(q))[0] * 1000 for q in measured]
    index.close()
    return {
        "passages": stats.passages,
        "vector_index": stats.vector_index,
        "index_bytes": stats.size_bytes,
        "queries": len(clean),
        "p50_ms": median(clean),
        "p95_ms": percentile(clean, 95),
        "cpu_p50_ms": median(cpu),
        "cpu_p95_ms": percentile(cpu, 95),
        "repeat_p50_ms": median(repeat),
        "load_average": os.getloadavg(),
        "p50_ms_instrumented": median(totals),
        "breakdown_median_ms": {k: median(v) for k, v in parts.items()},
        "breakdown_mean_ms": {k: sum(v) / len(v) for k, v in parts.items() if v},
    }


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    """SciFact's 300 test claims against its index (built by the indexing benchmark, or here)."""
    from askcorpus.embed.embedder import Embedder
    from askcorpus.indexer.update import update_index
    from askcorpus.settings import Settings

    queries, _ = scifact_queries()
    questions = list(queries.values())[: cfg.get("queries", 300)]
    # Any askcorpus index of SciFact will do (e.g. the evaluation's full one); default: ours.
    folder = Path(cfg.get("query_index", OUT / "scifact" / "index"))
    if not folder.is_dir():
        corpus = write_scifact_corpus(OUT / "scifact" / "corpus", cfg.get("scifact_docs"))
        update_index(Settings(corpus_dir=corpus, index_dir=folder))
    shipped = OUT / "work" / "shipped-query-index"
    settings = Settings(corpus_dir=SHIPPED, index_dir=shipped)
    update_index(settings, Embedder(settings))
    result = {
        "scifact_index": str(folder),
        "scifact": latency(folder, questions),
        "shipped": latency(shipped, questions[:100]),
    }
    # The generated indexes of the e2e benchmark, when present: latency against corpus size.
    for gen in sorted(OUT.glob("gen-*/index"), key=lambda p: int(p.parent.name[4:])):
        result[f"generated-{gen.parent.name[4:]}"] = latency(gen, questions[:100])
    return result


if __name__ == "__main__":
    main("query", run)
