"""Embedder: passages come back in input order however they are batched, normalised."""

from __future__ import annotations

import numpy as np

from askcorpus.embedding import Embedder

TEXTS = [
    "Short one.",
    "A much longer passage about the migration of birds across the Mediterranean in spring, "
    "with stops in Sicily and Malta before the crossing to Africa.",
    "Tea is grown on the slopes of Darjeeling.",
    "Medium length text on the history of the printing press in Mainz.",
    "Rust and Python both have package registries.",
]


def test_blocks_and_length_sorting_keep_input_order(embedder: Embedder) -> None:
    whole = embedder.encode_passages(TEXTS)
    blocked = embedder.encode_passages(TEXTS, block=2)
    one_by_one = np.vstack([embedder.encode_passages([t]) for t in TEXTS])
    np.testing.assert_allclose(blocked, whole, atol=1e-5)
    np.testing.assert_allclose(one_by_one, whole, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(whole, axis=1), 1.0, atol=1e-5)
    # Each passage is closest to itself, so no rows were swapped.
    assert list(np.argmax(whole @ one_by_one.T, axis=1)) == list(range(len(TEXTS)))


def test_progress_reports_every_block(embedder: Embedder) -> None:
    seen: list[tuple[int, int]] = []
    embedder.encode_passages(
        TEXTS, progress=lambda done, total: seen.append((done, total)), block=2
    )
    assert seen == [(2, 5), (4, 5), (5, 5)]


def test_query_vector_matches_passage_encoding(embedder: Embedder) -> None:
    query = embedder.encode_query(TEXTS[2])
    assert query.shape == (1, embedder.dimension)
    np.testing.assert_allclose(query[0], embedder.encode_passages([TEXTS[2]])[0], atol=1e-5)
