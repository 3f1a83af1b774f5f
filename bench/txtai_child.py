"""Runs inside bench/.venv-txtai (txtai has its own dependency pins): index the given passages
with txtai's defaults (FAISS backend) and the same local model, then time warm searches.

Standalone on purpose: it imports nothing from askcorpus. Input and output are JSON files.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time


def main() -> None:
    """``python txtai_child.py input.json output.json``."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, encoding="utf-8") as fh:
        job = json.load(fh)
    from txtai import Embeddings

    t0 = time.perf_counter()
    embeddings = Embeddings(path=job["model"], content=True)
    embeddings.index([(0, "warm up the model", None), (1, "load the weights", None)])
    load_s = time.perf_counter() - t0
    rows = [(i, text, None) for i, text in job["passages"]]
    t0 = time.perf_counter()
    c0 = time.process_time()
    embeddings.index(rows)
    index_s = time.perf_counter() - t0
    index_cpu_s = time.process_time() - c0
    questions = job["questions"]
    for q in questions[: job.get("warmup", 5)]:
        embeddings.search(q, 10)
    wall, cpu = [], []
    for q in questions[job.get("warmup", 5) :]:
        c0 = time.process_time()
        t0 = time.perf_counter()
        embeddings.search(q, 10)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    wall.sort()
    from importlib.metadata import version

    out = {
        "txtai_version": version("txtai"),
        "passages": len(rows),
        "model_load_s": load_s,
        "index_s": index_s,
        "index_cpu_s": index_cpu_s,
        "p50_ms": statistics.median(wall),
        "p95_ms": wall[min(len(wall) - 1, int(0.95 * len(wall)))],
        "cpu_p50_ms": statistics.median(cpu),
        "queries": len(wall),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
        "backend": embeddings.config.get("backend", "faiss"),
    }
    with open(dst, "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
