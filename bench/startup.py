"""Start-up: seconds from launch to the window shown, and to the first answer, on a cold start
(fresh interpreter; the model's files may be in the OS page cache, as on a second launch). Also
the CLI's cold ``askcorpus ask``. Runs offscreen (QT_QPA_PLATFORM=offscreen) with the config,
data and cache folders in a scratch directory, over an index of the shipped corpus.

A launch reads the bytecode Python cached at an earlier one, as on a machine that has used the
app before (pip compiles an installed package; a checkout's ``__pycache__`` is written at its
first run): ``PYTHONDONTWRITEBYTECODE``, which a sandbox's shell may set, is dropped for the
launches, and the cache goes to ``PYTHONPYCACHEPREFIX`` in the scratch folder so a read-only
checkout is never written. An untimed launch fills it first. ``BENCH_BYTECODE=none`` keeps
the former measure instead (every askcorpus module compiled from source at every launch: this
session's shell set that variable; whether the earlier sessions' did is not recorded).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import SET_HERE
from bench.common import OUT, ROOT, SHIPPED, main, median

QUESTION = "Why would Russia and China form an alliance?"


def _env(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM=os.environ.get("BENCH_QPA", "offscreen"),
        ASKCORPUS_CORPUS=str(work / "corpus"),
        ASKCORPUS_INDEX=str(work / "index"),
        XDG_CONFIG_HOME=str(work / "config"),
        XDG_DATA_HOME=str(work / "data"),
        XDG_CACHE_HOME=str(work / "cache"),
        BENCH_QUESTION=QUESTION,
    )
    env.pop("OMP_WAIT_POLICY", None)  # what a user's shell has
    for name in SET_HERE:  # the app's entry point sets these itself (bench/__init__.py)
        env.pop(name, None)
    if os.environ.get("BENCH_BYTECODE", "cached") == "none":
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def window_run(work: Path, extra: dict[str, str] | None = None) -> dict[str, float]:
    """One launch of the window; returns the reported times (``extra``: as for
    :func:`cli_run`)."""
    env = {**_env(work), **(extra or {})}
    env["BENCH_T0"] = repr(time.time())
    c0 = _children_cpu()
    proc = subprocess.run(
        [sys.executable, "-m", "bench.startup_child"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    times = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] in ("python", "window", "answer"):
            times[parts[0]] = float(parts[1])
            times[parts[0] + "_cpu"] = float(parts[2])
    if "window" not in times:
        raise RuntimeError(f"the window did not report: {proc.stderr[-2000:]}")
    times["process_cpu"] = _children_cpu() - c0
    return times


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli_run(work: Path, extra: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds for a cold ``askcorpus ask`` (fresh process) to print its answer;
    ``extra`` adds to its environment (another tree's ``PYTHONPATH``, its model cache)."""
    env = {**_env(work), **(extra or {})}
    c0 = _children_cpu()
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "askcorpus", "ask", QUESTION],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=True,
        timeout=300,
    )
    return time.perf_counter() - t0, _children_cpu() - c0


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    """Alternating window and CLI launches (``startup_reps`` each)."""
    from askcorpus.indexer.update import update_index
    from askcorpus.settings import Settings

    work = OUT / "work" / "startup"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(SHIPPED, work / "corpus")
    # Indexing first also exports the ONNX model into the launches' cache folder: a cold start
    # is a fresh process of an app used before, not its one-off first run (the export's cost
    # is in the encoder benchmark).
    cache = work / "cache" / "askcorpus"
    seed = os.environ.get("BENCH_SEED_CACHE")  # an existing cache: skip the one-off export
    if seed and (Path(seed) / "onnx").is_dir():
        shutil.copytree(Path(seed) / "onnx", cache / "onnx")
    update_index(Settings(corpus_dir=work / "corpus", index_dir=work / "index", cache_dir=cache))
    windows: list[dict[str, float]] = []
    cli: list[float] = []
    cli_cpu: list[float] = []
    gui_error = None
    window_run(work)  # untimed: fills the bytecode cache (see the module notes)
    cli_run(work)
    for _ in range(cfg.get("startup_reps", 3)):
        try:
            windows.append(window_run(work))
        except (RuntimeError, subprocess.SubprocessError) as exc:
            gui_error = str(exc)[-500:]
        wall, cpu = cli_run(work)
        cli.append(wall)
        cli_cpu.append(cpu)
    return {
        "window_shown_s": [w["window"] for w in windows],
        "first_answer_s": [w.get("answer", float("nan")) for w in windows],
        "interpreter_s": [w.get("python", float("nan")) for w in windows],
        "window_shown_median_s": median([w["window"] for w in windows]),
        "first_answer_median_s": median([w["answer"] for w in windows if "answer" in w]),
        "cli_ask_s": cli,
        "cli_ask_median_s": median(cli),
        "cli_ask_cpu_s": cli_cpu,
        "window_process_cpu_s": [w["process_cpu"] for w in windows],
        "window_shown_cpu_s": [w.get("window_cpu", float("nan")) for w in windows],
        "first_answer_cpu_s": [w.get("answer_cpu", float("nan")) for w in windows],
        "load_average": os.getloadavg(),
        "gui_error": gui_error,
        "platform": os.environ.get("BENCH_QPA", "offscreen"),
        "bytecode": os.environ.get("BENCH_BYTECODE", "cached"),
    }


if __name__ == "__main__":
    main("startup", run)
