"""Vector search at scale on synthetic vectors: exact against the automatic approximate (IVF)
index at 10k, 100k and 1M passages — latency, recall@10 against exact search, memory, build
time and the cost of writing the vector file (what every index update pays today).

The vectors are not uniform noise (on which no index, and no embedding model, finds anything
meaningful): they are normalised 384-dimensional points around 2,048 sub-topics of 64 topics
with a decaying spectrum, like sentence embeddings of a corpus on a few subjects. Questions
are fresh draws from the same mixture, not stored vectors.
"""

from __future__ import annotations

import gc
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import main, median, percentile, rss_mb, timed

DIM = 384


class Topics:
    """A fixed mixture of topics to draw passage-like vectors from."""

    def __init__(self, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.spectrum = (1.0 / np.sqrt(1 + np.arange(DIM) / 8.0)).astype(np.float32)
        topics = rng.standard_normal((64, DIM)).astype(np.float32) * self.spectrum
        noise = rng.standard_normal((64 * 32, DIM)).astype(np.float32) * self.spectrum * 0.6
        self.subtopics = np.repeat(topics, 32, axis=0) + noise

    def draw(self, n: int, seed: int) -> np.ndarray:
        """``n`` normalised vectors."""
        rng = np.random.default_rng(seed)
        out = np.empty((n, DIM), np.float32)
        for lo in range(0, n, 100_000):
            hi = min(n, lo + 100_000)
            x = self.subtopics[rng.integers(0, len(self.subtopics), hi - lo)]
            x = x + rng.standard_normal((hi - lo, DIM)).astype(np.float32) * self.spectrum * 0.5
            out[lo:hi] = x / np.linalg.norm(x, axis=1, keepdims=True)
        return out


def _latency(index: Any, queries: np.ndarray, k: int = 10) -> tuple[dict[str, float], list]:
    wall, cpu, results = [], [], []
    for q in queries:
        c0 = time.process_time()
        seconds, hits = timed(lambda q=q: index.search(q, k))
        wall.append(seconds * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        results.append([i for i, _ in hits])
    return {
        "p50_ms": median(wall),
        "p95_ms": percentile(wall, 95),
        "cpu_p50_ms": median(cpu),
    }, results


def _recall(got: list[list[int]], truth: list[list[int]]) -> float:
    return float(np.mean([len(set(g) & set(t)) / len(t) for g, t in zip(got, truth, strict=True)]))


def _save_cost(index: Any) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vectors.faiss"
        seconds, _ = timed(lambda: index.save(path))
        size = path.stat().st_size
        load_s, _ = timed(lambda: type(index).load(path, DIM))
    return {"save_s": seconds, "load_s": load_s, "file_bytes": size}


def one_size(
    n: int, topics: Topics, queries: np.ndarray, storages: list[str], batch: int
) -> dict[str, Any]:
    """Exact and automatic index over ``n`` vectors."""
    from askcorpus.store.local.vectors import EXACT_LIMIT, VectorIndex

    vectors = topics.draw(n, seed=n)
    ids = np.arange(n, dtype=np.int64)
    raw = vectors.nbytes
    out: dict[str, Any] = {"n": n, "raw_bytes": raw}

    exact = VectorIndex.empty(DIM, exact_limit=10**12)
    exact.add(ids, vectors)
    out["exact"], truth = _latency(exact, queries)
    out["exact"].update(_save_cost(exact))
    del exact
    gc.collect()

    for storage in storages:
        before = rss_mb()
        auto = VectorIndex.empty(DIM, storage=storage)  # default EXACT_LIMIT
        t0 = time.perf_counter()
        for lo in range(0, n, batch):  # added block by block, as indexing runs add them
            auto.add(ids[lo : lo + batch], vectors[lo : lo + batch])
        build = time.perf_counter() - t0
        stats, got = _latency(auto, queries)
        stats.update(
            kind=auto.kind,
            approximate=auto.approximate,
            build_s=build,
            recall_at_10=_recall(got, truth),
            rss_growth_mb=rss_mb() - before,
            exact_limit=EXACT_LIMIT,
        )
        stats.update(_save_cost(auto))
        stats["memory_ratio"] = stats["file_bytes"] / raw
        out[f"auto_{storage}"] = stats
        del auto
        gc.collect()
    return out


def real_recall(folder: Path, questions: list[str]) -> dict[str, Any]:
    """Recall@10 of the approximate index on real MiniLM vectors (an askcorpus index of
    SciFact, forced approximate with a low limit) for SciFact's test claims."""
    from askcorpus.embed.embedder import Embedder
    from askcorpus.settings import Settings
    from askcorpus.store.local.vectors import VectorIndex

    path = sorted(folder.glob("vectors-*.faiss"))[-1]
    ids, vectors = VectorIndex.load(path, DIM).all_vectors()
    embedder = Embedder(Settings())
    queries = np.vstack([embedder.encode_query(q) for q in questions])
    exact = VectorIndex.empty(DIM, exact_limit=10**12)
    exact.add(ids, vectors)
    approx = VectorIndex.empty(DIM, exact_limit=1_000)
    approx.add(ids, vectors)
    stats_exact, truth = _latency(exact, queries)
    stats, got = _latency(approx, queries)
    return {
        "index": str(folder),
        "vectors": len(ids),
        "queries": len(questions),
        "kind": approx.kind,
        "recall_at_10": _recall(got, truth),
        "p50_ms": stats["p50_ms"],
        "exact_p50_ms": stats_exact["p50_ms"],
    }


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    """All sizes (default 10k, 100k, 1M)."""
    topics = Topics()
    queries = topics.draw(cfg.get("scale_queries", 200), seed=999_999)
    sizes = cfg.get("scale_sizes", [10_000, 100_000, 1_000_000])
    results = []
    for n in sizes:
        storages = ["float32"] + (cfg.get("scale_storages", ["fp16", "sq8"]) if n >= 10**6 else [])
        results.append(
            one_size(n, topics, queries, storages, batch=cfg.get("scale_batch", 125_000))
        )
        print(f"scale: {n} done", flush=True)
    out: dict[str, Any] = {"sizes": results}
    from bench.common import OUT, scifact_queries

    for folder in (
        Path(cfg.get("query_index", OUT / "scifact-full" / "index")),
        OUT / "scifact" / "index",
    ):
        if folder.is_dir():
            queries, _ = scifact_queries()
            out["real"] = real_recall(folder, list(queries.values()))
            break
    return out


if __name__ == "__main__":
    main("scale", run)
