"""A small thread-safe cache of vectors by text, least recently used out first.

The embedder keeps its recent questions' vectors in one, a search index its sentences' (the
tie-break of the answering sentence). Every text is encoded alone, so a vector cached by its
text is exactly the one encoding it again would give.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping

import numpy as np


class VectorCache:
    """At most ``capacity`` vectors by text; safe to use from several threads."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> np.ndarray | None:
        """The vector of ``text`` (marked as used), or None."""
        return self.get_many((text,)).get(text)

    def get_many(self, texts: Iterable[str]) -> dict[str, np.ndarray]:
        """The vectors of those ``texts`` that are cached (each marked as used)."""
        with self._lock:
            found = {t: v for t in texts if (v := self._vectors.get(t)) is not None}
            for t in found:
                self._vectors.move_to_end(t)
        return found

    def put_many(self, vectors: Mapping[str, np.ndarray]) -> None:
        """Cache ``vectors``, dropping the least recently used beyond the capacity."""
        with self._lock:
            self._vectors.update(vectors)
            while len(self._vectors) > self.capacity:
                self._vectors.popitem(last=False)

    def clear(self) -> None:
        """Forget every vector."""
        with self._lock:
            self._vectors.clear()

    def __len__(self) -> int:
        return len(self._vectors)
