"""The vector half of the store: a FAISS inner-product index keyed by passage id.

Vectors are normalised, so inner product is cosine similarity. Files are written atomically
(temporary file, fsync, rename) and checked on load: a truncated or garbled file, or one of the
wrong dimension, is an :class:`IndexCorruptError` / :class:`IndexMismatchError` naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np

from askcorpus.errors import IndexCorruptError, IndexMismatchError

REBUILD = "run `askcorpus index --rebuild`"


class VectorIndex:
    """Exact inner-product search over passage vectors, with add and remove by id."""

    def __init__(self, index: faiss.Index):
        self._index = index

    @classmethod
    def empty(cls, dimension: int) -> VectorIndex:
        """A new, empty exact index."""
        return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)))

    @classmethod
    def load(cls, path: Path, dimension: int) -> VectorIndex:
        """Read ``path``; raise a typed error if it is missing, damaged or of another dimension."""
        if not path.is_file():
            raise IndexCorruptError(f"vector file {path} is missing", path, REBUILD)
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise IndexCorruptError(f"vector file {path} is damaged", path, REBUILD) from exc
        if index.d != dimension:
            raise IndexMismatchError(
                f"vector file {path} holds {index.d}-dimensional vectors, the manifest says "
                f"{dimension}",
                path,
                REBUILD,
            )
        return cls(index)

    @property
    def ntotal(self) -> int:
        """Number of vectors held."""
        return int(self._index.ntotal)

    @property
    def kind(self) -> str:
        """Short description of the FAISS structure, for status output."""
        inner = (
            faiss.downcast_index(self._index.index)
            if hasattr(self._index, "index")
            else self._index
        )
        return type(inner).__name__

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add ``vectors`` under passage ``ids``."""
        self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)

    def remove(self, ids: Sequence[int]) -> None:
        """Remove the vectors of passage ``ids``."""
        self._index.remove_ids(np.asarray(list(ids), dtype=np.int64))

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """``(id, score)`` of the ``k`` best matches of one query vector, best first."""
        k = min(k, self.ntotal)
        if k <= 0:
            return []
        scores, ids = self._index.search(
            np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1), k
        )
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def save(self, path: Path) -> None:
        """Write atomically: a reader sees the old file or the complete new one, never a part."""
        tmp = path.with_name(path.name + ".tmp")
        faiss.write_index(self._index, str(tmp))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
