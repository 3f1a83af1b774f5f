"""The search's worker thread (issue #18): the question is encoded beside the keyword side and
the top hit's tie-break runs beside the absence estimate, on one thread per ``Index``, started
once and stopped by ``close``; the answers are those of the serial search (the reference tests
in test_search_reference.py compare hits, order and sentences)."""

from __future__ import annotations

import threading
import time

from askcorpus.embed.embedder import Embedder
from askcorpus.search.index import Index
from askcorpus.settings import Settings
from tests.conftest import TEST_CACHE

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


class _SlowWorkerEmbedder(Embedder):
    """The real embedder, recording which thread encodes each sentence of a tie-break; off the
    asking thread it first waits a while, as a worker on a busy core would, so the asking
    thread is done with its own work before the worker has encoded every tied sentence."""

    def __init__(self, settings: Settings, backend: str) -> None:
        super().__init__(settings, backend)
        self.encoded_by: list[str] = []
        self.asking = threading.main_thread()

    def encode_passages(self, texts, *args, **kwargs):  # type: ignore[no-untyped-def]
        if threading.current_thread() is not self.asking:
            time.sleep(0.3)
        self.encoded_by.extend(threading.current_thread().name for _ in texts)
        return super().encode_passages(texts, *args, **kwargs)


def test_tied_sentences_are_encoded_by_both_threads_with_the_same_result(
    shipped_index: Settings, embedder: Embedder
) -> None:
    plain = Index.open(shipped_index.index_dir, shipped_index, embedder)
    # The backend the index was built with, so the index keeps this embedder (match_index).
    slow = _SlowWorkerEmbedder(Settings(cache_dir=TEST_CACHE), plain.store.manifest.backend)
    index = Index.open(shipped_index.index_dir, shipped_index, slow)
    assert index.embedder is slow
    both = 0
    try:
        # Vague questions leave several sentences of the top hit tied on shared terms.
        for question in ["what will happen next?", "why does it matter so much?", *QUESTIONS]:
            slow.encoded_by.clear()
            result = index.search(question, 10)
            assert result == plain.search(question, 10), question
            threads = set(slow.encoded_by)
            if len(slow.encoded_by) > 1:  # a tie of several sentences not cached yet
                assert "MainThread" in threads and len(threads) == 2, (question, threads)
                both += 1
    finally:
        index.close()
        plain.close()
    assert both > 0  # some top hit's tie-break was shared
