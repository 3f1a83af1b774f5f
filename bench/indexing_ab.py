"""Indexing, before and after (issue #18): ``askcorpus index`` of the same SciFact subset by a
baseline checkout's code and by this one, side by side in one run.

Each side is the real CLI in a fresh process (``python -m askcorpus index --rebuild``, model
load included, as a user runs it) with its own model cache, so each encodes with its own ONNX
export. Runs alternate (A B B A ...) after one untimed warm-up per side (the one-off export,
the page cache); wall time, CPU time and peak RSS come from the child's own rusage. Pin the
whole benchmark to the cores you mean to measure (``taskset -c 1 python -m bench.indexing_ab``).
Config: ``ab_docs`` (1000), ``ab_reps`` (2), ``BENCH_BASELINE_SRC`` (default /work/main/src),
``BENCH_EXTRA_SRC`` (optional: a third tree, e.g. a candidate change on top of this one, in the
same alternation; its ratios against the baseline and this tree are reported too).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import OUT, ROOT, main, median, write_scifact_corpus


def index_once(src: Path, corpus: Path, index: Path, cache: Path) -> dict[str, float]:
    """One ``askcorpus index --rebuild`` by the code in ``src``: wall, CPU, peak RSS, report."""
    shutil.rmtree(index, ignore_errors=True)
    index.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(src), ASKCORPUS_CACHE_DIR=str(cache))
    command = [sys.executable, "-m", "askcorpus", "index", "--corpus", str(corpus)]
    command += ["--index", str(index), "--rebuild", "--json"]
    log = index.with_name(index.name + ".log")
    started = time.perf_counter()
    with open(log, "w+b") as sink:
        child = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
        # wait4 reaps the child itself and returns its own rusage (RUSAGE_CHILDREN would sum
        # every child so far); Popen must not reap it first.
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        sink.seek(0)
        lines = sink.read().decode(errors="replace").splitlines()
    if child.returncode != 0:
        raise RuntimeError(f"index failed: {lines[-5:]}")
    out = next(line for line in reversed(lines) if line.startswith("{"))
    report = json.loads(out)
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1e3,
        "passages": float(report["passages_embedded"]),
    }


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    """Baseline and this checkout, alternating, medians."""
    docs = cfg.get("ab_docs", 1000)
    corpus = write_scifact_corpus(OUT / f"scifact-{docs}" / "corpus", docs)
    work = OUT / "work" / "indexing-ab"
    sides = {
        "baseline": Path(os.environ.get("BENCH_BASELINE_SRC", "/work/main/src")),
        "this": ROOT / "src",
    }
    if os.environ.get("BENCH_EXTRA_SRC"):
        sides["extra"] = Path(os.environ["BENCH_EXTRA_SRC"])
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
    for name, src in sides.items():  # warm-up: export the side's model once, untimed
        index_once(src, corpus, work / f"index-{name}", work / f"cache-{name}")
    names = list(sides)
    for rep in range(cfg.get("ab_reps", 2)):
        for name in names if rep % 2 == 0 else names[::-1]:
            got = index_once(sides[name], corpus, work / f"index-{name}", work / f"cache-{name}")
            print(f"  {name}: {got}", file=sys.stderr, flush=True)
            runs[name].append(got)
    summary = {
        name: {key: median([r[key] for r in rows]) for key in rows[0]}
        for name, rows in runs.items()
    }
    base, this = summary["baseline"], summary["this"]
    extra = {}
    if "extra" in summary:
        other = summary["extra"]
        extra = {
            "extra_src": str(sides["extra"]),
            "extra_speedup_wall": base["wall_s"] / other["wall_s"],
            "extra_speedup_cpu": base["cpu_s"] / other["cpu_s"],
            "extra_over_this_cpu": this["cpu_s"] / other["cpu_s"],
            "extra_peak_rss_ratio": other["peak_rss_mb"] / base["peak_rss_mb"],
        }
    return {
        "documents": docs,
        "cores": len(os.sched_getaffinity(0)),
        "baseline_src": str(sides["baseline"]),
        "runs": runs,
        "summary": summary,
        "speedup_wall": base["wall_s"] / this["wall_s"],
        "speedup_cpu": base["cpu_s"] / this["cpu_s"],
        "peak_rss_ratio": this["peak_rss_mb"] / base["peak_rss_mb"],
        **extra,
        "load_average": os.getloadavg(),
    }


if __name__ == "__main__":
    main("indexing_ab", run)
