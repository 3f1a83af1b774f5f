"""Defaults for environment variables the native numeric libraries read once, when they load:
the entry points apply them (``os.environ.setdefault``, so a user's own setting wins) before
anything imports numpy. Only entry points set the environment; this module only names what to set.

``OPENBLAS_THREAD_TIMEOUT=4``. numpy's OpenBLAS starts a worker thread per extra core as it
loads, and each one spins (yielding) for about 2**28 cycles (~0.1 s) waiting for work before it
sleeps. A launch gives them none, so every launch paid ~0.1 CPU-s per thread, taken from the
window's own threads on a busy machine (docs/benchmarks.md, "Cold start, session 9": 0.73 →
0.62 CPU-s to the first answer on 2 cores). 4 (2**4 cycles, OpenBLAS's minimum) lets them sleep
at once; a BLAS call still wakes every thread, so nothing computes with fewer threads. FAISS's
OpenBLAS is an OpenMP build, which does not read the variable.
"""

from __future__ import annotations

from typing import Final

NATIVE_ENV_DEFAULTS: Final[tuple[tuple[str, str], ...]] = (("OPENBLAS_THREAD_TIMEOUT", "4"),)
