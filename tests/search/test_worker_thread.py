"""The search's worker thread (issue #18): the question is encoded beside the keyword side and
the top hit's tie-break runs beside the absence estimate, on one thread per ``Index``, started
once and stopped by ``close``; the answers are those of the serial search (the reference tests
in test_search_reference.py compare hits, order and sentences)."""

from __future__ import annotations

import threading

from askcorpus.embed.embedder import Embedder
from askcorpus.search.index import Index
from askcorpus.settings import Settings

QUESTIONS = ["When was the pipeline agreement signed?", "hired soldiers", "tulips in autumn"]


def _workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("askcorpus-search")]


def test_one_worker_thread_per_index_started_once_and_stopped_by_close(
    shipped_index: Settings, embedder: Embedder
) -> None:
    before = set(_workers())
    index = Index.open(shipped_index.index_dir, shipped_index, embedder)
    try:
        for question in QUESTIONS * 2:
            index.search(question, 10)
        started = [t for t in _workers() if t not in before]
        assert len(started) == 1 and started[0].is_alive()
    finally:
        index.close()
    assert not started[0].is_alive()


def test_a_search_with_a_vector_given_equals_one_encoding_beside_the_keyword_side(
    shipped_index: Settings, embedder: Embedder
) -> None:
    index = Index.open(shipped_index.index_dir, shipped_index, embedder)
    try:
        for question in QUESTIONS:
            vector = embedder.encode_query(question)
            given = index.sides(question, 50, "hybrid", vector)
            beside = index.sides(question, 50, "hybrid")
            assert given[0] == beside[0]
            assert (given[1] == beside[1]).all()
    finally:
        index.close()
