"""The ONNX Runtime session of the int8 export, from a graph ONNX Runtime optimised once.

Creating a session optimises the graph every time (constant folding, the fusions of level
``ORT_ENABLE_ALL``): a third of the session's ~60 ms on every start before the first answer
(issue #18). The first session on a machine also writes the graph it optimised beside the
export (``optimized_model_filepath``, its token table in a sidecar as the export's is); later
ones load that graph with optimisation off and compute bit for bit what an optimising session
of the export computes (tests/embed/test_onnx_session.py), so the vectors and the manifest's
encoder string do not change.

ONNX Runtime warns that a graph optimised at this level may hold operators chosen for this CPU,
so the file is named by a *machine key*: the ONNX Runtime version, the architecture and the
CPU's feature flags. Another machine sharing the cache folder (a synced home) or an upgraded
ONNX Runtime writes its own; the others of the same export are then deleted. Writing happens
under the export's lock, taken without waiting: while another process holds it, this one just
optimises in memory as before. A graph that fails to load is deleted and the export is used.
"""

from __future__ import annotations

import hashlib
import logging
import os
import platform
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from askcorpus.embed.onnx_export import EXTERNAL_BYTES, LOCK_NAME, OPTIMISED_TAG, data_file

log = logging.getLogger(__name__)

#: ``<export stem>.opt-<machine key>.onnx``: the optimised graphs of one export.
OPTIMISED = re.compile(rf"{OPTIMISED_TAG}\.onnx(\.data)?")


def machine_key(runtime_version: str) -> str:
    """12 hex digits naming what an optimised graph may depend on: the ONNX Runtime version,
    the platform, the architecture and the CPU's feature flags."""
    flags = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith(("flags", "Features")):
                    flags = line.split(":", 1)[-1].strip()
                    break
    except OSError:  # not Linux: the processor's name is the best there is
        flags = platform.processor()
    text = "\0".join((runtime_version, sys.platform, platform.machine(), flags))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def optimised_path(model: Path, runtime_version: str) -> Path:
    """Where the optimised graph of the export ``model`` for this machine lives."""
    return model.with_name(f"{model.stem}.opt-{machine_key(runtime_version)}.onnx")


def open_session(ort: Any, model: Path, options: Callable[[], Any]) -> Any:
    """A session over the export ``model``: from its optimised graph when there is one (written
    now, once, when there is none). ``options`` makes fresh ``SessionOptions`` (threads,
    spinning); ``ort`` is the imported ``onnxruntime``. Raises what ONNX Runtime raises for a
    damaged export."""
    providers = ["CPUExecutionProvider"]
    optimised = optimised_path(model, ort.__version__)
    if optimised.is_file():
        chosen = options()
        chosen.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        try:
            return ort.InferenceSession(str(optimised), chosen, providers=providers)
        except Exception as exc:  # a damaged file: the export is still there
            log.info("ignoring the optimised graph %s: %s", optimised, exc)
            _remove(optimised, data_file(optimised))
    chosen = options()
    chosen.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Imported here, not with the module: a launch that finds the optimised graph (every
    # launch but the first) takes no lock, and filelock's import costs ~15 ms.
    from filelock import FileLock, Timeout

    lock = FileLock(model.parent / LOCK_NAME, timeout=0)
    try:
        lock.acquire()
    except (Timeout, OSError):  # another process exports or optimises: not this time
        return ort.InferenceSession(str(model), chosen, providers=providers)
    try:
        return _session_writing(ort, model, optimised, chosen, providers)
    finally:
        lock.release()


def _session_writing(
    ort: Any, model: Path, optimised: Path, chosen: Any, providers: list[str]
) -> Any:
    """The optimising session of ``model``, which also writes its graph to ``optimised``
    (called under the export lock). The graph lands atomically after its sidecar; failing to
    write is logged, never fatal."""
    scratch = optimised.with_name(f"{optimised.name}.{os.getpid()}.tmp")
    chosen.optimized_model_filepath = str(scratch)
    # ONNX Runtime warns on the terminal that such a graph is for this machine only: the
    # machine key in its name says so already, and a user should not see a warning once.
    chosen.log_severity_level = 3  # errors only
    # The sidecar is written under its final name (the name recorded in the graph); nothing
    # reads it before the graph is renamed into place, and the lock keeps writers apart.
    chosen.add_session_config_entry(
        "session.optimized_model_external_initializers_file_name", data_file(optimised).name
    )
    chosen.add_session_config_entry(
        "session.optimized_model_external_initializers_min_size_in_bytes", str(EXTERNAL_BYTES)
    )
    try:
        session = ort.InferenceSession(str(model), chosen, providers=providers)
    except Exception:
        _remove(scratch, data_file(optimised))
        raise
    try:
        if not scratch.is_file():  # ONNX Runtime could not write it (it only logs that)
            raise OSError("not written")
        os.replace(scratch, optimised)
        log.info("saved the optimised graph %s", optimised)
        _prune(model, optimised)
    except OSError as exc:  # a read-only cache still works, it only optimises every time
        log.info("could not save the optimised graph %s: %s", optimised, exc)
        _remove(scratch, data_file(optimised))
    return session


def _prune(model: Path, keep: Path) -> None:
    """Delete the other optimised graphs of ``model`` (another ONNX Runtime or CPU)."""
    kept = (keep.name, data_file(keep).name)
    for path in model.parent.iterdir():
        name = path.name
        ours = name.startswith(model.stem) and OPTIMISED.fullmatch(name[len(model.stem) :])
        if ours and name not in kept:
            try:
                path.unlink()
            except OSError as exc:
                log.info("could not remove the stale graph %s: %s", path, exc)


def _remove(*paths: Path) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.info("could not remove %s: %s", path, exc)
