"""What a search does on its asking thread while the worker encodes the question.

The keyword side runs beside the encoding (:meth:`askcorpus.search.index.Index.sides`) and is
usually done first; the time left is used for work that needs no vector: the absence estimate's
term counts, with the embedding of the question without its absent terms queued on the worker
right behind the question's own (the ablation then costs no wait later), and reading the best
keyword candidates' words ahead (most are hits to highlight and passages the absence estimate
reads; :func:`askcorpus.search.highlight.text_words` keeps them).

The asking thread lets go of the GIL between pieces of this work (``time.sleep(0)``): the
worker needs it to finish an encoding and would otherwise wait for the interpreter's switch
interval (5 ms). Measured in docs/benchmarks.md, Session 7. Right after queueing an encoding
it waits for the worker instead, briefly (:func:`hand_over`): ``sleep(0)`` lets go of the GIL
but takes it back before the sleeping worker wakes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, wait
from typing import Any

import numpy as np

from askcorpus.search import absence
from askcorpus.store.base import Store

#: Keyword candidates read ahead while the question is being encoded.
READ_AHEAD = 10
#: Seconds the asking thread waits, at most, right after queueing an encoding: time for the
#: worker to take the GIL, tokenise and enter the model, which lets go of the GIL (the model
#: then starts ~0.2 ms sooner; docs/benchmarks.md, Session 9).
HAND_OVER = 0.0002

#: ``while_encoding(lexical, pending)``: the keyword side's candidates and the encoding's future
#: (:meth:`askcorpus.search.index.Index.sides`).
WhileEncoding = Callable[[list[tuple[int, float]], "Future[np.ndarray]"], None]
#: Queue ``encode(text)`` on the search's worker thread.
Submit = Callable[[Callable[[str], np.ndarray], str], "Future[np.ndarray]"]


def hand_over(job: Future[Any]) -> None:
    """Let the worker start ``job``, just queued: wait for it at most :data:`HAND_OVER`."""
    wait([job], timeout=HAND_OVER)


class Meanwhile:
    """A search's work while its question is encoded (see the module docstring), as the
    ``while_encoding`` of :meth:`~askcorpus.search.index.Index.sides`. Use it as a context
    manager around the search: leaving waits for the queued embedding, so no work of this
    search runs on behind it."""

    def __init__(
        self, text: str, store: Store, encode: Callable[[str], np.ndarray], submit: Submit
    ) -> None:
        self._text, self._store, self._encode, self._submit = text, store, encode, submit
        self.counts: absence.TermCounts | None = None
        self._ablation: Future[np.ndarray] | None = None

    def __call__(self, lexical: list[tuple[int, float]], pending: Future[np.ndarray]) -> None:
        self.counts = absence.count_terms(self._store, self._text)
        if self.counts.ablated:
            self._ablation = self._submit(self._encode, self.counts.ablated)
            time.sleep(0)  # the GIL to the worker, should it be done with the question
        read_ahead(self._store, lexical, pending)

    def encode(self, text: str) -> np.ndarray:
        """The question encoder, answering the ablation's text from the queued embedding."""
        if self._ablation is not None and self.counts is not None and text == self.counts.ablated:
            return self._ablation.result()
        return self._encode(text)

    def __enter__(self) -> Meanwhile:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._ablation is not None:
            wait([self._ablation])


def read_ahead(store: Store, lexical: list[tuple[int, float]], pending: Future[np.ndarray]) -> None:
    """Read the words of the best :data:`READ_AHEAD` keyword candidates ``lexical`` until the
    encoding ``pending`` is done (inside the search's snapshot)."""
    if pending.done() or not lexical:
        return
    for row in store.passages([pid for pid, _s in lexical[:READ_AHEAD]]).values():
        time.sleep(0)  # the GIL to the worker between passages (module docstring)
        if pending.done():
            return
        absence.passage_keys(row.title, row.text)
