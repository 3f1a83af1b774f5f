"""Scaling checks: growing a hostile input four times must about quadruple the work, not
multiply it by sixteen.

Measured in-process on small inputs. The small and the large run alternate and the best of
each counts, so a burst of load on the shared machine hits both sides; the bound (8) sits
halfway between linear (4) and quadratic (16) on a log scale.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

#: ``growth_ratio`` below this is linear enough; quadratic work gives about 16.
LINEAR_BOUND = 8.0


def _timed(run: Callable[[], object]) -> float:
    gc.collect()
    gc.disable()  # as timeit does: a full collection landing in one run is noise
    try:
        start = time.perf_counter()
        run()
        return time.perf_counter() - start
    finally:
        gc.enable()


def growth_ratio(work: Callable[[int], Callable[[], object]], n: int, repeats: int = 5) -> float:
    """best time(4n) / best time(n), where ``work(n)`` builds the input of size ``n`` and returns
    the run; the two sizes are timed in turn."""
    small, large = work(n), work(4 * n)
    best_small = best_large = float("inf")
    for _ in range(repeats):
        best_small = min(best_small, _timed(small))
        best_large = min(best_large, _timed(large))
    return best_large / best_small
