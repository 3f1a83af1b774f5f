"""The embedding tie-break of a hit's answering sentence: the question's cosine with the
sentences that term overlap leaves tied (:func:`askcorpus.search.present.tied_sentences`).

A search starts the top hit's tie-break early (:meth:`TieBreak.early`), shared by two threads,
so it runs beside the absence estimate and the other hits' highlighting; hits highlighted
later (:meth:`askcorpus.search.index.Index.highlight`) get theirs on demand
(:meth:`TieBreak.for_question`). Sentence vectors are kept by sentence: every text is encoded
alone, so a kept vector is exactly the one encoding it again would give, and another question
whose top hit holds the same sentences reuses them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from askcorpus.embed.embedder import Embedder
from askcorpus.embed.vector_cache import VectorCache
from askcorpus.records import Highlighting, Hit
from askcorpus.search.highlight import Question, read_hit, sentence_texts
from askcorpus.search.meanwhile import hand_over
from askcorpus.search.present import (
    DENSE_HIGHLIGHT_HITS,
    EarlyTieBreaks,
    Similarities,
    tied_sentences,
)

# Sentence vectors kept for the dense tie-break (384 floats each: ~3 MB).
SENTENCE_CACHE = 2048


class TieBreak:
    """One index's sentence tie-breaks: its question encoder ``embedder``, the search's worker
    thread (``background()``, started by the index on first use), the sentence vectors kept
    and the last question searched with its vector (highlighting its hits later needs no
    second encoding)."""

    def __init__(self, embedder: Embedder, background: Callable[[], ThreadPoolExecutor]):
        self.embedder = embedder
        self._background = background
        self.sentences = VectorCache(SENTENCE_CACHE)
        self._last_query: tuple[str, np.ndarray] | None = None

    def remember(self, text: str, query_vec: np.ndarray) -> None:
        """``query_vec`` is the vector of the question ``text`` just searched."""
        self._last_query = (text, query_vec)

    def early(
        self, text: str, hits: Sequence[Hit], shown: int, query_vec: np.ndarray | None
    ) -> EarlyTieBreaks:
        """The reads of the hits that get an embedding tie-break and are shown now, with
        their tie-breaks started in the background: they run beside the absence estimate."""
        asked = Question.of(text)
        reads = {}
        pending: dict[int, Similarities] = {}
        if query_vec is not None:
            # The hits at positions below DENSE_HIGHLIGHT_HITS are ranks 1 to it: dense_ranks.
            for i, hit in enumerate(hits[: min(shown, DENSE_HIGHLIGHT_HITS)]):
                read = reads[i] = read_hit(asked, hit.text)
                chosen = tied_sentences(read)
                if chosen:
                    pending[i] = self.shared(read.sentences(hit.text), chosen, query_vec)
        return EarlyTieBreaks(asked, reads, pending)

    def shared(
        self, sentences: list[str], chosen: list[int], query_vec: np.ndarray
    ) -> Similarities:
        """The tie-break of one hit's sentences ``chosen``, started now and shared by two
        threads: the worker encodes its tied sentences one by one while this thread runs the
        absence estimate and the other hits' highlighting; when this thread asks for the
        result it encodes the sentences the worker has not started, then waits for the one the
        worker is on. One text per call, so a vector is the same whoever encodes it; nothing
        here reads the store (this thread holds the snapshot)."""
        wanted = [sentences[i] for i in chosen]
        vectors = self.sentences.get_many(wanted)
        # Longest first, so the last text taken is short and neither thread idles long.
        todo = sorted({t for t in wanted if t not in vectors}, key=len, reverse=True)
        taken = threading.Lock()
        fresh: dict[str, np.ndarray] = {}

        def drain() -> None:
            while True:
                with taken:
                    if not todo:
                        return
                    text = todo.pop(0)
                fresh[text] = self.embedder.encode_passages([text])[0]

        job = self._background().submit(drain) if todo else None
        if job is not None:
            hand_over(job)  # the worker starts encoding at once (meanwhile.py)

        def similarities(_hit: Hit, _sentences: list[str], asked_for: list[int]) -> list[float]:
            if asked_for != chosen:  # pragma: no cover - the same read gives the same sentences
                raise RuntimeError("tie-break asked for other sentences than it was started for")
            if job is not None:
                try:
                    drain()
                finally:
                    job.result()  # the worker's last text (and no encoding left running)
                self.sentences.put_many(fresh)
                vectors.update(fresh)
            return cosines(len(sentences), chosen, [vectors[t] for t in wanted], query_vec)

        return similarities

    def for_question(self, how: Highlighting) -> Similarities:
        """The embedding tie-break of this index's hits for the question of ``how`` (the
        question is encoded again only if it is not the last one searched)."""

        def tie_break(hit: Hit, sentences: list[str], chosen: list[int]) -> list[float]:
            last = self._last_query
            if last is not None and last[0] == how.question:
                query_vec = last[1]
            else:
                query_vec = self.embedder.encode_query(how.question)
                self._last_query = (how.question, query_vec)
            return self.sentence_similarities(hit.text, chosen, query_vec, sentences)

        return tie_break

    def sentence_similarities(
        self,
        text: str,
        chosen: list[int],
        query_vec: np.ndarray,
        sentences: list[str] | None = None,
    ) -> list[float]:
        """Cosine of the question with the sentences ``chosen`` of a hit's ``text``
        (``sentences``: its sentences, when the caller has split it already); the others get
        -1 so term overlap alone ranks them."""
        if sentences is None:
            sentences = sentence_texts(text)
        wanted = [sentences[i] for i in chosen]
        vectors = self.sentences.get_many(wanted)
        missing = list(dict.fromkeys(t for t in wanted if t not in vectors))
        if missing:
            fresh = dict(zip(missing, self.embedder.encode_passages(missing), strict=True))
            self.sentences.put_many(fresh)
            vectors.update(fresh)
        return cosines(len(sentences), chosen, [vectors[t] for t in wanted], query_vec)


def cosines(
    count: int, chosen: list[int], vectors: list[np.ndarray], query_vec: np.ndarray
) -> list[float]:
    """Per sentence of a hit (``count`` of them): the question's cosine for those ``chosen``
    (their ``vectors`` in that order), -1 for the others."""
    similarities = [-1.0] * count
    for i, score in zip(chosen, (np.vstack(vectors) @ query_vec.ravel()).tolist(), strict=True):
        similarities[i] = score
    return similarities
