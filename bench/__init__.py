"""Benchmarks of askcorpus (``python -m bench.NAME``; results in docs/benchmarks.md).

Each benchmark is an entry point, so it sets what the app's entry points set before numpy
loads (:data:`askcorpus.embed.native_env.NATIVE_ENV_DEFAULTS`), in its own process and so in
the processes it starts: a library measured without them is not the library users run. Without
``OPENBLAS_THREAD_TIMEOUT``, numpy's OpenBLAS threads spin for ~0.1 s after a BLAS call, and in
``bench.ab_batches`` two processes are alive at once (docs/benchmarks.md, Session 10: one pair
of runs gave 21.7 against 11.4 ms p50; three later pairs were within the host's noise).
:data:`SET_HERE` names what was set here rather than by the user, for the benchmarks that must
start a program with the environment of a user's shell (``bench.startup``).
"""

from __future__ import annotations

import os

from askcorpus.embed.native_env import NATIVE_ENV_DEFAULTS

#: The variables this package set (the user's shell had none of them).
SET_HERE: frozenset[str] = frozenset(n for n, _v in NATIVE_ENV_DEFAULTS if n not in os.environ)
for _name, _value in NATIVE_ENV_DEFAULTS:
    os.environ.setdefault(_name, _value)
