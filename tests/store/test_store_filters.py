"""The local store's two ways of filtering the vector side give the same answer: a FAISS id
selector (the exact index always; broad filters on the approximate one) and exact scoring of
the allowed passages' stored vectors (narrow filters on the approximate index), where the probed cells are widened until
``k`` allowed passages are found (exact scoring stays exact there too)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from askcorpus.records import Document, Passage, PassageFilter
from askcorpus.settings import SCHEMA_VERSION
from askcorpus.store.base import Manifest
from askcorpus.store.local import filtering
from askcorpus.store.local.store import LocalStore

DIM = 16


def build(folder: Path, exact_limit: int) -> LocalStore:
    """300 one-passage documents: ``kept/`` holds every 50th (6 passages, 2 %)."""
    store = LocalStore.create(
        folder, Manifest(SCHEMA_VERSION, "m", DIM, {}, "t", "t"), exact_limit=exact_limit
    )
    rng = np.random.default_rng(0)
    with store.writer() as w:
        for n in range(300):
            source = f"kept/d{n}" if n % 50 == 0 else f"other/d{n}"
            text = f"passage {n}"
            doc = Document(source, Path(source), source, text, f"h{n}", len(text), 1.0)
            vec = rng.normal(size=(1, DIM)).astype(np.float32)
            vec /= np.linalg.norm(vec)
            w.add_document(doc, [Passage(source, 0, 0, len(text), text, 1)], vec)
        w.commit()
    return store


@pytest.fixture(params=[100_000, 100], ids=["exact", "ivf"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LocalStore]:
    s = build(tmp_path, request.param)
    assert s.stats().vector_index.startswith("IndexIVF") == (request.param == 100)
    yield s
    s.close()


def brute_force(store: LocalStore, query: np.ndarray, k: int) -> list[int]:
    kept = [
        i
        for s in store.document_states()
        if s.startswith("kept/")
        for i, *_ in store.document_passages(s)
    ]
    scores = store.passage_vectors(kept) @ query.ravel()
    return [kept[j] for j in np.argsort(-scores)[:k]]


@pytest.mark.parametrize("way", ["numpy", "selector"])
def test_a_narrow_filter_returns_its_k_nearest(
    store: LocalStore, way: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if way == "selector":
        monkeypatch.setattr(filtering, "EXACT_SUBSET", 0)
        monkeypatch.setattr(filtering, "EXACT_SHARE", 0.0)

    where = PassageFilter(folder="kept")
    for seed in range(10):
        query = np.random.default_rng(100 + seed).normal(size=(1, DIM)).astype(np.float32)
        got = [i for i, _s in store.search_vectors(query, 4, where)]
        if way == "selector" and store.stats().vector_index.startswith("IndexIVF"):
            # Approximate, as unfiltered IVF search is, but never short of k allowed passages.
            assert len(got) == 4 and set(got) <= set(brute_force(store, query, 6))
        else:
            assert got == brute_force(store, query, 4)


def test_a_broad_filter_whose_passages_are_far_widens_until_k(tmp_path: Path) -> None:
    """A third of the passages are allowed, but they point away from the question: the first
    over-fetch finds none of them, so the search must widen (exact and IVF alike)."""
    for exact_limit in (100_000, 100):
        store = LocalStore.create(
            tmp_path / str(exact_limit),
            Manifest(SCHEMA_VERSION, "m", DIM, {}, "t", "t"),
            exact_limit=exact_limit,
        )
        rng = np.random.default_rng(1)
        axis = np.eye(DIM, dtype=np.float32)[0]
        with store.writer() as w:
            for n in range(300):
                kept = n % 3 == 0
                source = f"kept/d{n}" if kept else f"other/d{n}"
                vec = (-axis if kept else axis) * 4 + rng.normal(size=DIM).astype(np.float32)
                vec /= np.linalg.norm(vec)
                doc = Document(source, Path(source), source, "x", f"h{n}", 1, 1.0)
                w.add_document(doc, [Passage(source, 0, 0, 1, "x", 1)], vec[None, :])
            w.commit()
        got = [i for i, _s in store.search_vectors(axis[None, :], 5, PassageFilter(folder="kept"))]
        assert len(got) == 5
        if exact_limit > 300:
            assert got == brute_force(store, axis, 5)
        store.close()
