"""Scaling checks: doubling a hostile input must at most about double the work.

Measured in-process on small inputs, best of a few runs (the machine is shared), with a generous
bound: a linear step gives a ratio near 2, a quadratic one near 4.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


def best_time(run: Callable[[], object], repeats: int = 3) -> float:
    """The fastest of ``repeats`` runs of ``run``, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        gc.disable()  # as timeit does: a full collection landing in one run is noise
        try:
            start = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best


def doubling_ratio(work: Callable[[int], Callable[[], object]], n: int) -> float:
    """time(2n) / time(n), where ``work(n)`` builds the input of size ``n`` and returns the run."""
    small, large = work(n), work(2 * n)
    return best_time(large) / best_time(small)
