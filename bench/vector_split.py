"""One question's vector search over the cores (``store/local/scan.py``) against the whole
search on one thread, side by side: the same ``VectorIndex``, the same questions, the two ways
alternating question by question (issue #18, session 9).

    python -m bench.vector_split [--sizes 100000 1000000] [--queries 200] [--k 10]

Vectors are the topic mixture of ``bench/scale.py`` (not uniform noise). Up to the index's
exact limit the index is flat, above it an IVF (``nlist ≈ 4·√n``, 1/8 probed), as askcorpus
builds them. The split is switched off by raising ``scan.SPLIT_MIN`` for the "whole" run;
every question's hits are checked to be the same both ways.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np

from askcorpus.store.local import scan
from askcorpus.store.local.vectors import VectorIndex
from bench.common import median
from bench.scale import Topics


@dataclass(frozen=True)
class Row:
    """One index size's figures (ms)."""

    size: int
    kind: str
    parts: int
    whole_p50: float
    whole_p95: float
    split_p50: float
    split_p95: float


def _time(index: VectorIndex, query: np.ndarray, k: int) -> tuple[float, list[tuple[int, float]]]:
    start = time.perf_counter()
    hits = index.search(query, k)
    return (time.perf_counter() - start) * 1000, hits


def _slices(index: VectorIndex) -> int:
    ivf = index.ivf()
    if ivf is None:
        return scan.parts_for(index.ntotal)
    return min(scan.parts_for(int(ivf.ntotal) * int(ivf.nprobe) // int(ivf.nlist)), ivf.nprobe)


def measure(size: int, queries: int, k: int) -> Row:
    """Median and p95 ms of the whole and the split search over ``queries`` fresh questions."""
    topics = Topics()
    index = VectorIndex.empty(384)
    index.add(np.arange(size, dtype=np.int64), topics.draw(size, seed=1))
    asked = topics.draw(queries, seed=2)
    whole: list[float] = []
    split: list[float] = []
    saved = scan.SPLIT_MIN
    for q in asked[:5]:  # warm both ways
        index.search(q, k)
    for i, q in enumerate(asked):
        order = ("whole", "split") if i % 2 else ("split", "whole")
        got: dict[str, list[tuple[int, float]]] = {}
        for way in order:
            scan.SPLIT_MIN = 10**12 if way == "whole" else saved
            ms, got[way] = _time(index, q, k)
            (whole if way == "whole" else split).append(ms)
        scan.SPLIT_MIN = saved
        if [h for h, _s in got["whole"]] != [h for h, _s in got["split"]]:
            raise SystemExit(f"question {i}: the split search found other hits")
    return Row(
        size,
        index.kind,
        _slices(index),
        median(whole),
        float(np.percentile(whole, 95)),
        median(split),
        float(np.percentile(split, 95)),
    )


def main() -> None:
    """Print one row per index size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    print("| vectors | index | slices | whole p50 / p95 ms | split p50 / p95 ms | p50 ratio |")
    print("|---|---|---|---|---|---|")
    for size in args.sizes:
        r = measure(size, args.queries, args.k)
        print(
            f"| {size:,} | {r.kind} | {r.parts} | {r.whole_p50:.2f} / {r.whole_p95:.2f} | "
            f"{r.split_p50:.2f} / {r.split_p95:.2f} | {r.split_p50 / r.whole_p50:.2f}× |",
            flush=True,
        )


if __name__ == "__main__":
    main()
