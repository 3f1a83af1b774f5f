"""One question's vector search cut into slices (store/local/scan.py) finds what the whole
search finds: the same ids, the same scores, for the exact and the approximate index, after
removals, with ties, and through VectorIndex.search."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from askcorpus.store.local import scan
from askcorpus.store.local.vectors import VectorIndex
from tests.store.test_vector_index import DIM, topical


def whole(index: faiss.Index, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The whole search on one OpenMP thread, as the store ran it before slicing (with a team,
    FAISS switches to another kernel above ~20k rows, whose scores differ in the 7th digit)."""
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        scores, ids = index.search(query.reshape(1, -1), k)
    finally:
        faiss.omp_set_num_threads(threads)
    return scores[0], ids[0]


def exact_index(n: int, seed: int) -> tuple[VectorIndex, np.ndarray]:
    vectors = topical(n, seed=seed)
    ids = np.arange(n, dtype=np.int64) * 7 + 3  # passage ids, not row numbers
    index = VectorIndex.empty(DIM)
    index.add(ids, vectors)
    return index, vectors


@pytest.mark.parametrize("parts", [2, 3, 4])
def test_flat_slices_give_the_whole_scans_hits_and_scores(parts: int) -> None:
    index, _vectors = exact_index(5000, seed=11)
    index.remove(list(range(3, 7 * 5000, 7 * 9)))  # rows removed: the storage is compacted
    id_map = index._exact_map()
    for query in topical(25, seed=12):
        q = query.reshape(1, -1)
        got = scan.flat_search(id_map, q, 20, parts=parts)
        assert got is not None
        scores, ids = whole(id_map, query, 20)
        assert ids.tolist() == got[1].tolist()
        assert scores.tolist() == got[0].tolist()  # the same kernel: bit for bit


def test_flat_ties_keep_the_order_of_the_rows() -> None:
    vectors = topical(400, seed=13)
    vectors[350] = vectors[10]  # the same passage text twice, in different slices
    vectors[200] = vectors[10]
    ids = np.arange(400, dtype=np.int64) + 1000
    index = VectorIndex.empty(DIM)
    index.add(ids, vectors)
    got = scan.flat_search(index._exact_map(), vectors[10].reshape(1, -1), 3, parts=4)
    assert got is not None
    assert got[1].tolist() == [1010, 1200, 1350]


def test_flat_asks_for_more_than_a_slice_holds() -> None:
    index, vectors = exact_index(30, seed=14)
    got = scan.flat_search(index._exact_map(), vectors[0].reshape(1, -1), 25, parts=4)
    assert got is not None
    scores, ids = whole(index._exact_map(), vectors[0], 25)
    assert got[1].tolist() == ids.tolist()
    assert len(set(got[1].tolist())) == 25


@pytest.mark.parametrize("parts", [2, 4])
def test_ivf_slices_of_the_probed_cells_give_the_whole_search(parts: int) -> None:
    n = 12_000
    vectors = topical(n, seed=15)
    ids = np.arange(n, dtype=np.int64) * 3 + 1
    index = VectorIndex.empty(DIM, exact_limit=5_000)
    index.add(ids, vectors)
    ivf = index.ivf()
    assert ivf is not None
    for query in topical(25, seed=16):
        got = scan.ivf_search(ivf, query.reshape(1, -1), 15, parts=parts)
        assert got is not None
        scores, found = whole(ivf, query, 15)
        assert found.tolist() == got[1].tolist()
        assert scores.tolist() == got[0].tolist()


def test_small_indexes_are_not_split() -> None:
    assert scan.parts_for(scan.SPLIT_MIN - 1) == 1
    index, vectors = exact_index(100, seed=17)
    assert scan.flat_search(index._exact_map(), vectors[0].reshape(1, -1), 5) is None


def test_vector_index_search_splits_a_large_exact_index_and_finds_the_same() -> None:
    n = scan.SPLIT_MIN * 2
    index, vectors = exact_index(n, seed=18)
    id_map = index._exact_map()
    for query in topical(10, seed=19):
        got = index.search(query, 10)
        scores, ids = whole(id_map, query, 10)
        assert [i for i, _s in got] == ids.tolist()
        assert [s for _i, s in got] == scores.tolist()
