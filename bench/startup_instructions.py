"""Cold start counted in instructions, not seconds: each launch of ``bench.startup_child`` (up to
the first answer painted, ``BENCH_EXIT_AT_ANSWER=1``) runs under Valgrind's cachegrind without
its cache simulation, which counts the instructions every thread executed. The count does not
depend on what else the machine runs, so two trees compare on a machine too loaded for their
CPU seconds to mean much (issue #18's host: 2 cores shared by several sessions). It is a proxy:
cache misses, page faults and the kernel's work are not in it, and under Valgrind ONNX Runtime
takes its AVX2 kernels whatever the CPU has.

    python -m bench.startup_instructions --tree /work/wt8base --tree . --reps 3

Uses the work folder ``bench.startup_ab`` prepared (run that first, or pass ``--prepare``);
about 2 minutes per launch. Counts vary by well under 1 % between launches of one tree (the
threads' interleaving); the medians are printed with every launch's count.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import OUT, ROOT, median
from bench.startup import _env
from bench.startup_ab import own_cache, prepare

COUNT = re.compile(r"I\s+refs:\s+([\d,]+)")


def count(work: Path, tree: Path) -> int:
    """Instructions of one launch of ``tree``'s code up to its first answer."""
    env = {
        **_env(work),
        "PYTHONPATH": str(tree / "src"),
        "ASKCORPUS_CACHE_DIR": str(own_cache(work, tree)),
        "BENCH_EXIT_AT_ANSWER": "1",
        "BENCH_T0": repr(time.time()),
    }
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(
            [
                "valgrind",
                "--tool=cachegrind",
                "--cache-sim=no",
                f"--cachegrind-out-file={scratch}/out",
                sys.executable,
                "-m",
                "bench.startup_child",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    found = COUNT.search(done.stderr)
    if "answer" not in done.stdout or found is None:
        raise RuntimeError(f"{tree}: no answer under valgrind: {done.stderr[-1500:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    """Untimed launches first (bytecode and optimised-graph caches), then alternating counts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, action="append", required=True)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--work", type=Path, default=OUT / "work" / "startup_ab")
    parser.add_argument("--prepare", action="store_true", help="prepare the work folder anew")
    parser.add_argument("--seed", type=Path, default=os.environ.get("BENCH_SEED_CACHE"))
    args = parser.parse_args()
    trees = [t.resolve() for t in args.tree]
    if args.prepare or not (args.work / "index").is_dir():
        prepare(args.work, args.seed)
    from bench.startup import window_run

    for tree in trees:  # fills the caches a launch of an app used before finds
        window_run(args.work, {"PYTHONPATH": str(tree / "src"), **_cache(args.work, tree)})
    counts: dict[str, list[int]] = {str(t): [] for t in trees}
    for rep in range(args.reps):
        for tree in trees[rep % len(trees) :] + trees[: rep % len(trees)]:
            counts[str(tree)].append(count(args.work, tree))
    result = {
        "counts": counts,
        "median": {t: median([float(c) for c in cs]) for t, cs in counts.items()},
        "bytecode": os.environ.get("BENCH_BYTECODE", "cached"),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "startup_instructions.json").write_text(json.dumps(result, indent=1))
    for tree, cs in counts.items():
        print(f"{tree} | median {result['median'][tree] / 1e9:.3f} G | {cs}")


def _cache(work: Path, tree: Path) -> dict[str, str]:
    return {"ASKCORPUS_CACHE_DIR": str(own_cache(work, tree))}


if __name__ == "__main__":
    main()
