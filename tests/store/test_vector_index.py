"""VectorIndex: exact search matches brute force; the approximate (IVF) switch keeps recall,
add/remove by id and atomic save/load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from askcorpus.errors import IndexCorruptError, IndexMismatchError
from askcorpus.store.local.vectors import VectorIndex, cells_for, probes_for

DIM = 64


def topical(n: int, seed: int, dim: int = DIM, topics: int = 40) -> np.ndarray:
    """Normalised vectors around ``topics`` shared centres (like passages on a few subjects)."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(7).standard_normal((topics, dim))
    x = centres[rng.integers(0, topics, n)] + 0.7 * rng.standard_normal((n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def brute_force(query: np.ndarray, ids: np.ndarray, vectors: np.ndarray, k: int) -> list[int]:
    scores = vectors @ query
    return [int(ids[i]) for i in np.argsort(-scores, kind="stable")[:k]]


def test_exact_search_matches_numpy_brute_force() -> None:
    vectors = topical(3000, seed=1)
    ids = np.arange(3000, dtype=np.int64) * 5 + 11  # ids are passage ids, not positions
    index = VectorIndex.empty(DIM)
    index.add(ids, vectors)
    assert not index.approximate
    for query in topical(20, seed=2):
        got = index.search(query, 10)
        assert [i for i, _ in got] == brute_force(query, ids, vectors, 10)
        expected = np.sort(vectors @ query)[::-1][:10]
        np.testing.assert_allclose([s for _, s in got], expected, rtol=1e-5, atol=1e-5)


def test_remove_drops_exactly_those_ids() -> None:
    vectors = topical(500, seed=3)
    ids = np.arange(500, dtype=np.int64)
    index = VectorIndex.empty(DIM)
    index.add(ids, vectors)
    gone = ids[::3]
    index.remove(gone.tolist())
    kept = np.setdiff1d(ids, gone)
    assert index.ntotal == len(kept)
    assert sorted(index.ids().tolist()) == kept.tolist()
    query = vectors[0]  # its own vector was removed (id 0): it must not come back
    got = [i for i, _ in index.search(query, 5)]
    assert 0 not in got
    assert got == brute_force(query, kept, vectors[kept], 5)


def test_switches_to_ivf_above_the_limit_with_high_recall() -> None:
    n, k = 20_000, 10
    vectors = topical(n, seed=4)
    ids = np.arange(n, dtype=np.int64) + 100
    index = VectorIndex.empty(DIM, exact_limit=5_000)
    for lo in range(0, n, 4_000):  # added in batches, as indexing runs do
        index.add(ids[lo : lo + 4_000], vectors[lo : lo + 4_000])
    assert index.approximate
    assert index.ntotal == n
    assert "IVF" in index.kind
    queries = topical(100, seed=5)
    recall = np.mean(
        [
            len(set(brute_force(q, ids, vectors, k)) & {i for i, _ in index.search(q, k)}) / k
            for q in queries
        ]
    )
    assert recall >= 0.95


def test_ivf_keeps_every_vector_and_goes_back_to_exact_when_small(tmp_path: Path) -> None:
    vectors = topical(3_000, seed=6)
    ids = np.arange(3_000, dtype=np.int64) * 2
    index = VectorIndex.empty(DIM, exact_limit=1_000)
    index.add(ids, vectors)
    assert index.approximate
    got_ids, got_vectors = index.all_vectors()
    order = np.argsort(got_ids)
    assert np.array_equal(got_ids[order], ids)
    np.testing.assert_array_equal(got_vectors[order], vectors)  # float32 storage is lossless
    path = tmp_path / "v.faiss"
    index.save(path)
    loaded = VectorIndex.load(path, DIM, exact_limit=1_000)
    assert loaded.approximate and loaded.ntotal == 3_000
    assert loaded.search(vectors[7], 1)[0][0] == ids[7]
    loaded.remove(ids[:2_600].tolist())  # 400 left < half the limit
    assert not loaded.approximate
    assert sorted(loaded.ids().tolist()) == ids[2_600:].tolist()
    assert loaded.search(vectors[2_700], 1)[0][0] == ids[2_700]


@pytest.mark.parametrize("storage", ["fp16", "sq8"])
def test_compact_storage_still_finds_neighbours(storage: str) -> None:
    vectors = topical(4_000, seed=8)
    ids = np.arange(4_000, dtype=np.int64)
    index = VectorIndex.empty(DIM, exact_limit=1_000, storage=storage)
    index.add(ids, vectors)
    assert "ScalarQuantizer" in index.kind
    hits = [index.search(vectors[i], 1)[0][0] for i in range(0, 4_000, 200)]
    assert hits == list(range(0, 4_000, 200))


def test_unknown_storage_is_refused() -> None:
    with pytest.raises(ValueError, match="storage"):
        VectorIndex.empty(DIM, storage="int4")


def test_cells_grow_like_the_square_root_and_a_query_scans_a_small_share() -> None:
    """Quadrupling the vectors about doubles the cells (sublinear, so cells stay well filled),
    and a query scans at least a few cells but never most of them."""
    for n in (10_000, 100_000, 1_000_000):
        assert 1.9 <= cells_for(4 * n) / cells_for(n) <= 2.01  # int rounding
        nlist = cells_for(n)
        assert 8 <= probes_for(nlist) <= nlist // 4
    assert cells_for(1) >= 64 and probes_for(cells_for(1)) >= 8  # tiny indexes still get cells


def test_load_reports_missing_damaged_and_mismatched_files(tmp_path: Path) -> None:
    with pytest.raises(IndexCorruptError):
        VectorIndex.load(tmp_path / "none.faiss", DIM)
    bad = tmp_path / "bad.faiss"
    bad.write_bytes(b"not a faiss file")
    with pytest.raises(IndexCorruptError):
        VectorIndex.load(bad, DIM)
    good = tmp_path / "good.faiss"
    VectorIndex.empty(DIM).save(good)
    with pytest.raises(IndexMismatchError):
        VectorIndex.load(good, DIM * 2)
