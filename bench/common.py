"""Shared helpers for the benchmarks: data sets, timing, memory sampling, results on disk.

Every benchmark is a module with ``run(cfg) -> dict`` that run_all executes in a fresh
interpreter (``python -m bench.<name>``), so peak memory and cold start are per benchmark.
Results are JSON files in bench/out/, which bench.report turns into docs/benchmarks.md.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SCIFACT = Path(os.environ.get("BENCH_SCIFACT", "/work/shared/benchmarks/scifact"))
SHIPPED = ROOT / "corpus"


def setup_env() -> None:
    """Offline model loading and quiet libraries, as the app's entry points do."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def tree_cache(tree: Path, root: Path | None = None) -> Path:
    """The model cache folder of one checkout's benchmark processes (``ASKCORPUS_CACHE_DIR``).

    Checkouts whose ONNX export recipes differ must not share one: a new export prunes the
    others' graphs, so two trees alternating in one cache would export again on every launch.
    """
    name = str(tree.resolve()).strip("/").replace("/", "_") or "root"
    return (root or OUT / "tree-caches") / name


def median(xs: list[float]) -> float:
    """Median (0 for no data)."""
    return float(statistics.median(xs)) if xs else 0.0


def percentile(xs: list[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank) of ``xs``."""
    if not xs:
        return 0.0
    s = sorted(xs)
    return float(s[min(len(s) - 1, max(0, round(q / 100 * len(s) + 0.5) - 1))])


def rss_mb() -> float:
    """Current resident memory of this process in MB."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


@contextmanager
def rss_sampler(period: float = 0.05) -> Iterator[dict[str, float]]:
    """Sample this process's RSS while the block runs; yields a dict filled with ``peak_mb``."""
    result = {"peak_mb": rss_mb(), "start_mb": rss_mb()}
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(period):
            result["peak_mb"] = max(result["peak_mb"], rss_mb())

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join()
        result["peak_mb"] = max(result["peak_mb"], rss_mb())


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall seconds of ``fn()`` and its result."""
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def scifact_docs(limit: int | None = None) -> list[dict[str, str]]:
    """SciFact's abstracts (``_id``, ``title``, ``text``), in file order."""
    with gzip.open(SCIFACT / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        docs = [json.loads(line) for line in fh]
    return docs[:limit] if limit else docs


def scifact_queries() -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """SciFact test queries (id -> text) and qrels (query id -> {doc id: relevance})."""
    qrels: dict[str, dict[str, int]] = {}
    with open(SCIFACT / "qrels" / "test.tsv", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            q, d, s = line.strip().split("\t")
            qrels.setdefault(q, {})[d] = int(s)
    queries = {}
    with open(SCIFACT / "queries.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["_id"] in qrels:
                queries[row["_id"]] = row["text"]
    return queries, qrels


def write_scifact_corpus(folder: Path, limit: int | None = None) -> Path:
    """SciFact abstracts as ``<id>.txt`` files (title, blank line, abstract); reused if present."""
    docs = scifact_docs(limit)
    stamp = folder / ".complete"
    if stamp.is_file() and stamp.read_text() == str(len(docs)):
        return folder
    shutil.rmtree(folder, ignore_errors=True)  # a corpus of another size must not linger
    folder.mkdir(parents=True, exist_ok=True)
    for d in docs:
        (folder / f"{d['_id']}.txt").write_text(f"{d['title']}\n\n{d['text']}\n", encoding="utf-8")
    stamp.write_text(str(len(docs)))
    return folder


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = "unknown"
    mem = 0.0
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    with contextlib.suppress(OSError), open("/proc/meminfo") as fh:
        mem = next((int(ln.split()[1]) / 1e6 for ln in fh if ln.startswith("MemTotal")), mem)
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for dist in (
        "torch",
        "sentence-transformers",
        "transformers",
        "onnxruntime",
        "faiss-cpu",
        "numpy",
    ):
        with contextlib.suppress(PackageNotFoundError):  # a missing library is not reported
            versions[dist] = version(dist)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem, 1),
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
        "versions": versions,
    }


def git_commit() -> str:
    """The commit the benchmark ran on (plus '+dirty' for uncommitted changes)."""
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except OSError:
        return "unknown"


def save_result(name: str, data: dict[str, Any]) -> Path:
    """Write one benchmark's result (with when/where it ran) to bench/out/<name>.json."""
    OUT.mkdir(parents=True, exist_ok=True)
    data = {
        "benchmark": name,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "commit": git_commit(),
        "load_average_end": os.getloadavg(),
        "peak_rss_mb_process": peak_rss_mb(),
        "config": config(),
        **data,
    }
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=float))
    return path


def load_result(name: str) -> dict[str, Any] | None:
    """A saved result, or None."""
    path = OUT / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def config() -> dict[str, Any]:
    """Benchmark sizes, overridable by environment (run_all passes them on)."""
    return json.loads(os.environ.get("BENCH_CONFIG", "{}"))


def main(name: str, run: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Entry point of one benchmark module: run it with the config and save its result."""
    setup_env()
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    result = run(config())
    path = save_result(name, result)
    print(f"{name}: wrote {path}", file=sys.stderr)
