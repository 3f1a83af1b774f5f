"""The ONNX encoder against torch, as the app runs them (askcorpus.embed.onnx_encoder / encoder_torch):
speed on the same passages (interleaved repetitions, medians), question latency, and SciFact
nDCG@10 of plain dense retrieval over whole abstracts (all 5,183 unless ``encoder_docs`` limits
them; MTEB's published figure for this model and set-up is 0.645, a check on the torch side).
Also the one-off cost of exporting and quantising the model into a fresh cache.
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import main, median, percentile, scifact_docs, scifact_queries, timed


def ndcg10(scores: np.ndarray, doc_ids: list[str], query_ids: list[str], qrels: dict) -> float:
    """Mean nDCG@10 of the score matrix (queries × docs) against the qrels."""
    total = 0.0
    for qi, q in enumerate(query_ids):
        rel = qrels[q]
        top = np.argsort(-scores[qi])[:10]
        dcg = sum(1 / math.log2(r + 2) for r, d in enumerate(top) if doc_ids[d] in rel)
        ideal = sum(1 / math.log2(r + 2) for r in range(min(10, len(rel))))
        total += dcg / ideal
    return total / len(query_ids)


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    """Both encoders on the same texts, same process."""
    from askcorpus.embed.embedder import Embedder, bundled_model_path
    from askcorpus.embed.onnx_export import exported_model
    from askcorpus.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        export_s, _ = timed(lambda: exported_model(bundled_model_path(), Path(tmp)))
    encoders = {}
    load_s = {}
    for name in ("torch", "onnx-int8"):
        embedder = Embedder(Settings(encoder=name))
        load_s[name], _ = timed(embedder.load)
        encoders[name] = embedder
    docs = scifact_docs(cfg.get("encoder_docs"))
    texts = [f"{d['title']} {d['text']}" for d in docs]
    speed_texts = texts[: cfg.get("encoder_speed_texts", 256)]
    reps = cfg.get("encoder_reps", 3)
    times: dict[str, list[float]] = {name: [] for name in encoders}
    cpu: dict[str, list[float]] = {name: [] for name in encoders}
    for e in encoders.values():
        e.encode_passages(speed_texts[:8])  # first calls allocate; not timed
    for rep in range(reps):
        order = list(encoders) if rep % 2 == 0 else list(reversed(encoders))
        for name in order:
            c0 = time.process_time()
            seconds, _ = timed(lambda e=encoders[name]: e.encode_passages(speed_texts))
            times[name].append(seconds)
            cpu[name].append(time.process_time() - c0)
    queries, qrels = scifact_queries()
    query_ids = [q for q in queries if q in qrels]
    q_texts = [queries[q] for q in query_ids]
    query_ms: dict[str, list[float]] = {name: [] for name in encoders}
    for text in q_texts[:100]:
        for name, e in encoders.items():
            t0 = time.perf_counter()
            e.encode_query(text)
            query_ms[name].append((time.perf_counter() - t0) * 1000)
    if cfg.get("encoder_speed_only"):
        return _speed(export_s, load_s, speed_texts, reps, times, cpu, query_ms)
    doc_ids = [d["_id"] for d in docs]
    ndcg: dict[str, float] = {}
    corpus_s: dict[str, float] = {}
    vectors: dict[str, np.ndarray] = {}
    for name, e in encoders.items():
        corpus_s[name], vectors[name] = timed(lambda e=e: e.encode_passages(texts))
        q = np.vstack([e.encode_query(t) for t in q_texts])
        ndcg[name] = ndcg10(q @ vectors[name].T, doc_ids, query_ids, qrels)
    cos = np.sum(vectors["torch"] * vectors["onnx-int8"], axis=1)
    return {
        **_speed(export_s, load_s, speed_texts, reps, times, cpu, query_ms),
        "ndcg_docs": len(docs),
        "ndcg_queries": len(query_ids),
        "ndcg10": ndcg,
        "ndcg_delta": ndcg["onnx-int8"] - ndcg["torch"],
        "encode_corpus_s": corpus_s,
        "cosine_mean": float(cos.mean()),
        "cosine_min": float(cos.min()),
    }


def _speed(
    export_s: float,
    load_s: dict[str, float],
    speed_texts: list[str],
    reps: int,
    times: dict[str, list[float]],
    cpu: dict[str, list[float]],
    query_ms: dict[str, list[float]],
) -> dict[str, Any]:
    med = {name: median(ts) for name, ts in times.items()}
    cpu_med = {name: median(ts) for name, ts in cpu.items()}
    return {
        "export_s": export_s,
        "load_s": load_s,
        "speed_texts": len(speed_texts),
        "reps": reps,
        "encode_s": times,
        "encode_cpu_s": cpu,
        "median_s": med,
        "cpu_median_s": cpu_med,
        "speedup": med["torch"] / med["onnx-int8"],
        "speedup_cpu": cpu_med["torch"] / cpu_med["onnx-int8"],
        "query_p50_ms": {n: median(v) for n, v in query_ms.items()},
        "query_p95_ms": {n: percentile(v, 95) for n, v in query_ms.items()},
    }


if __name__ == "__main__":
    main("encoder", run)
