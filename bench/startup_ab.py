"""Cold start of two (or more) checkouts side by side: launches of ``bench.startup_child`` (this
tree's harness) against each tree's ``src/`` in turn, alternating which goes first, on one index
of the shipped corpus; medians of wall and CPU seconds to the window shown and to the first
answer, and the whole process's CPU. Optionally the CLI's cold ``askcorpus ask`` too.

    python -m bench.startup_ab --tree /work/wt6base --tree . --reps 5 [--cli] [--seed CACHE]
        [--bytecode cached|none]

``--bytecode`` (default ``cached``): launches read the bytecode an untimed launch cached, as a
machine that has used the app before does; ``none`` compiles every askcorpus module at every
launch, as sessions 6-7 measured (see bench.startup).

On a shared machine the CPU seconds are the figure that means most; the load average is
printed at the start and the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path
from typing import Any

from bench.common import OUT, SHIPPED, median, tree_cache
from bench.startup import cli_run, window_run


def prepare(work: Path, seed: Path | None) -> None:
    """A corpus copy, the model export seeded from ``seed`` and an index made by this tree."""
    from askcorpus.indexer.update import update_index
    from askcorpus.settings import Settings

    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(SHIPPED, work / "corpus")
    cache = work / "cache" / "askcorpus"
    if seed is not None and (seed / "onnx").is_dir():
        shutil.copytree(seed / "onnx", cache / "onnx")
    update_index(Settings(corpus_dir=work / "corpus", index_dir=work / "index", cache_dir=cache))


def own_cache(work: Path, tree: Path) -> Path:
    """``tree``'s own model cache, seeded from the prepared one: trees whose export recipes
    differ would otherwise prune each other's export and export again at every launch."""
    cache = tree_cache(tree, work / "caches")
    if not cache.is_dir():
        shutil.copytree(work / "cache" / "askcorpus", cache)
    return cache


def launch(work: Path, tree: Path, mode: str) -> dict[str, float]:
    """One window launch of ``tree``'s code; the child's reported times and the process CPU."""
    extra = {"PYTHONPATH": str(tree / "src"), "BENCH_CHILD_MODE": mode}
    times = window_run(work, {**extra, "ASKCORPUS_CACHE_DIR": str(own_cache(work, tree))})
    if "answer" not in times:
        raise RuntimeError(f"{tree}: no answer")
    return times


def cli(work: Path, tree: Path) -> tuple[float, float]:
    """Wall and CPU seconds of a cold ``askcorpus ask`` with ``tree``'s code."""
    return cli_run(
        work, {"PYTHONPATH": str(tree / "src"), "ASKCORPUS_CACHE_DIR": str(own_cache(work, tree))}
    )


def run(trees: list[Path], reps: int, mode: str, with_cli: bool, work: Path) -> dict[str, Any]:
    """``reps`` rounds; each launches every tree once, the order rotating per round."""
    load_start = os.getloadavg()
    rows: dict[str, list[dict[str, float]]] = {str(t): [] for t in trees}
    for tree in trees:  # untimed: a tree whose export recipe differs exports it here, once
        launch(work, tree, mode)  # (and the bytecode cache is filled)
        if with_cli:
            cli(work, tree)
    for rep in range(reps):
        order = trees[rep % len(trees) :] + trees[: rep % len(trees)]
        for tree in order:
            times = launch(work, tree, mode)
            if with_cli:
                times["cli"], times["cli_cpu"] = cli(work, tree)
            rows[str(tree)].append(times)
    keys = ("window", "window_cpu", "answer", "answer_cpu", "process_cpu", "cli", "cli_cpu")
    summary = {
        tree: {key: median([r[key] for r in runs if key in r]) for key in keys}
        for tree, runs in rows.items()
    }
    return {
        "mode": mode,
        "bytecode": os.environ.get("BENCH_BYTECODE", "cached"),
        "reps": reps,
        "runs": rows,
        "median": summary,
        "load_average_start": load_start,
        "load_average_end": os.getloadavg(),
    }


def main() -> None:
    """Parse the options, prepare the index once, run and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, action="append", required=True)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--mode", choices=("window", "thread"), default="window")
    parser.add_argument("--cli", action="store_true", help="also time a cold askcorpus ask")
    parser.add_argument("--seed", type=Path, default=os.environ.get("BENCH_SEED_CACHE"))
    parser.add_argument("--work", type=Path, default=OUT / "work" / "startup_ab")
    parser.add_argument("--keep", action="store_true", help="reuse the prepared work folder")
    parser.add_argument("--bytecode", choices=("cached", "none"), default="cached")
    args = parser.parse_args()
    os.environ["BENCH_BYTECODE"] = args.bytecode  # read by bench.startup's launches
    trees = [t.resolve() for t in args.tree]
    if not (args.keep and (args.work / "index").is_dir()):
        prepare(args.work, args.seed)
    result = run(trees, args.reps, args.mode, args.cli, args.work)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "startup_ab.json").write_text(json.dumps(result, indent=1))
    print(f"load average start {result['load_average_start']}, end {result['load_average_end']}")
    print(f"bytecode: {args.bytecode}")
    print("tree | window s | window CPU | answer s | answer CPU | process CPU | cli s | cli CPU")
    for tree, m in result["median"].items():
        cells = " | ".join(f"{m[k]:.3f}" for k in m)
        print(f"{tree} | {cells}")


if __name__ == "__main__":
    main()
