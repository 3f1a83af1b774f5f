"""bench/__init__.py: benchmarks run the library with the environment the app's entry points
set, and hand a started program the user's own environment (bench/startup.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import os, sys, bench\n"
    "numpy_first = 'numpy' in sys.modules\n"
    "from pathlib import Path\n"
    "from bench.startup import _env\n"
    "print(os.environ.get('OPENBLAS_THREAD_TIMEOUT'), numpy_first,"
    " _env(Path('w')).get('OPENBLAS_THREAD_TIMEOUT'))\n"
)


def probe(**extra: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    env.update(extra, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'src'}")
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        # Set before numpy loads; a program started as a user would gets none of it.
        ({}, ["4", "False", "None"]),
        # A user's own value wins, here and in what a started program gets.
        ({"OPENBLAS_THREAD_TIMEOUT": "9"}, ["9", "False", "9"]),
    ],
)
def test_benchmarks_set_what_the_entry_points_set(
    extra: dict[str, str], expected: list[str]
) -> None:
    assert probe(**extra) == expected
