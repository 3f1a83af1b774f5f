"""Warm question latency of checkouts side by side, asked in small alternating batches.

    python -m bench.ab_batches --index DIR --tree OLD[@SWITCH] --tree NEW [--batch 20] [--reps 1]

Like :mod:`bench.ab_trees`, but each tree runs in one process kept alive for the whole run
(warmed with 5 claims), and SciFact's test claims go to the trees in batches of ``--batch``,
the order of the trees flipping every batch: a burst of load on this shared 2-core machine falls
on both trees alike, where ab_trees' ten-second rounds can catch it on one. ``@SWITCH`` after a
tree sets that process's ``sys.setswitchinterval`` (seconds), to measure the GIL's hand-over.
Prints each tree's p50, p95 and mean over every claim and the p50 ratio to the first tree.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench.common import scifact_queries, tree_cache

_CHILD = r"""
import json, os, sys, time
sys.setswitchinterval(float(os.environ.get("BENCH_SWITCH", "0.005")))
from pathlib import Path
from askcorpus.embed.embedder import Embedder
from askcorpus.search import Index
from askcorpus.settings import Settings

folder, k = Path(sys.argv[1]), int(sys.argv[2])
settings = Settings(index_dir=folder)
embedder = Embedder(settings)
embedder.load()
index = Index.open(folder, settings, embedder)
print("ready", flush=True)
for line in sys.stdin:
    times = []
    for q in json.loads(line):
        t0 = time.perf_counter()
        index.search(q, k)
        times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps(times), flush=True)
index.close()
"""


def _start(tree: str, index: Path, k: int) -> subprocess.Popen[str]:
    """A warm search process of checkout ``tree`` (``PATH@SWITCH``) on ``index``."""
    path, _sep, switch = tree.partition("@")
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(path) / "src"),
        "HF_HUB_OFFLINE": "1",
        "BENCH_SWITCH": switch or "0.005",
        "ASKCORPUS_CACHE_DIR": str(tree_cache(Path(path))),  # each tree its own ONNX export
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(index), str(k)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    if proc.stdout is None or proc.stdout.readline().strip() != "ready":
        raise RuntimeError(f"the search process of {tree} did not start")
    return proc


def _ask(proc: subprocess.Popen[str], questions: list[str]) -> list[float]:
    """Send one batch to a search process; its per-question times in ms."""
    if proc.stdin is None or proc.stdout is None:
        raise RuntimeError("a search process without its pipes")
    proc.stdin.write(json.dumps(questions) + "\n")
    proc.stdin.flush()
    return [float(t) for t in json.loads(proc.stdout.readline())]


def main() -> None:
    """Run the comparison and print one line per tree."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--tree", action="append", required=True)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--reps", type=int, default=1)
    args = parser.parse_args()
    questions = list(scifact_queries()[0].values())
    procs = [_start(t, args.index, args.k) for t in args.tree]
    for proc in procs:
        _ask(proc, questions[:5])  # warm-up
    times: dict[str, list[float]] = {t: [] for t in args.tree}
    for rep in range(args.reps):
        for i in range(5, len(questions), args.batch):
            order = list(zip(args.tree, procs, strict=True))
            if (i // args.batch + rep) % 2:
                order.reverse()
            for tree, proc in order:
                times[tree].extend(_ask(proc, questions[i : i + args.batch]))
    for proc in procs:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait()
    first = None
    for tree in args.tree:
        ordered = sorted(times[tree])
        p50, p95 = ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.95)]
        first = first or p50
        print(
            f"{tree}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, mean {statistics.mean(ordered):.1f} ms, "
            f"p50 ratio {p50 / first:.2f} ({len(ordered)} questions)"
        )


if __name__ == "__main__":
    main()
