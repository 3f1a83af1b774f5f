"""Warm question latency of two checkouts side by side, on one index: did a refactoring move it?

    python -m bench.ab_trees --index DIR --tree OLD_CHECKOUT --tree NEW_CHECKOUT [--rounds 3] [--k 10]

Each round runs every tree in turn in its own process (its ``src/`` first on the path), asking
SciFact's test claims through the public API only (``askcorpus.search.Index``), so checkouts
with different module layouts compare. The trees alternate, so a burst of load on the machine
falls on both; the report gives each tree's median p50/p95 over the rounds and their ratio.
The index must be readable by both trees (same schema version).
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
import json, sys, time
from pathlib import Path
try:
    from askcorpus.embed.embedder import Embedder
except ImportError:  # the flat layout before the packages
    from askcorpus.embedding import Embedder
from askcorpus.search import Index
from askcorpus.settings import Settings

folder, questions = Path(sys.argv[1]), json.loads(sys.stdin.read())
k = int(sys.argv[2]) if len(sys.argv) > 2 else None
settings = Settings(index_dir=folder)
embedder = Embedder(settings)
embedder.load()
index = Index.open(folder, settings, embedder)
for q in questions[:5]:
    index.search(q, k)
times = []
for q in questions[5:]:
    t0 = time.perf_counter()
    index.search(q, k)
    times.append((time.perf_counter() - t0) * 1000)
index.close()
times.sort()
print(json.dumps({"p50": times[len(times) // 2], "p95": times[int(len(times) * 0.95)]}))
"""


def run_tree(
    tree: Path, index: Path, questions: list[str], k: int | None = None
) -> dict[str, float]:
    """One process of ``tree`` asking ``questions`` of ``index`` (``k`` hits, None: the
    default): its p50 and p95 in ms."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "HF_HUB_OFFLINE": "1"}
    env["ASKCORPUS_CACHE_DIR"] = str(tree_cache(tree))  # each tree its own ONNX export
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(index), *([str(k)] if k else [])],
        input=json.dumps(questions),
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    """Run the rounds and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--tree", type=Path, action="append", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--k", type=int, default=None, help="hits per question (default: 5)")
    args = parser.parse_args()
    queries, _ = scifact_queries()
    questions = list(queries.values())
    results: dict[Path, list[dict[str, float]]] = {t: [] for t in args.tree}
    for _ in range(args.rounds):
        for tree in args.tree:
            results[tree].append(run_tree(tree.resolve(), args.index, questions, args.k))
    first = args.tree[0]
    base50 = statistics.median(r["p50"] for r in results[first])
    print(
        f"warm question, k={args.k or 'default'}, {len(questions) - 5} SciFact claims, "
        f"{args.rounds} alternating rounds"
    )
    print("| tree | p50 ms | p95 ms | p50 ratio |")
    print("|---|---|---|---|")
    for tree, rows in results.items():
        p50 = statistics.median(r["p50"] for r in rows)
        p95 = statistics.median(r["p95"] for r in rows)
        print(f"| {tree} | {p50:.1f} | {p95:.1f} | {p50 / base50:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
