"""bench/cpu_vectors.py: how far two runs' vectors are apart."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.cpu_vectors import compare


def test_compare_counts_identical_rows_and_the_cosine_of_the_others(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 8)).astype(np.float32)
    b = a.copy()
    b[1] = -a[1]  # opposite: cosine -1
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    assert compare(tmp_path / "a.npy", tmp_path / "a.npy").startswith("4 of 4 vectors identical")
    text = compare(tmp_path / "a.npy", tmp_path / "b.npy")
    assert text.startswith("3 of 4 vectors identical; cosine median 1.00000, minimum -1.00000")
