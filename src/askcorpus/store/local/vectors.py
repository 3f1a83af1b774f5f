"""The vector half of the store: a FAISS inner-product index keyed by passage id.

Vectors are normalised, so inner product is cosine similarity. Up to :data:`EXACT_LIMIT` vectors
the index is exact (``IndexFlatIP`` under an id map: one query scans every vector, a few
milliseconds at 100k). Above it, :meth:`VectorIndex.add` switches by itself to an approximate
inverted-file index (``IndexIVFFlat``, ``nlist ≈ 4·√n`` k-means cells, ``nprobe = nlist/8``
cells scanned per query), which keeps adding and removing by id, stores each vector once
(≈1.01× raw float32) and holds recall@10 ≥ 0.95 against exact search (see docs/benchmarks.md).
IVF was chosen over HNSW because HNSW cannot remove vectors, which every re-indexed document
needs. The cells are re-trained when the index has grown so far that they are too coarse, and the
index turns exact again when it shrinks below half the limit. ``storage="fp16"`` or ``"sq8"``
halves or quarters the approximate index's memory for a small loss of recall.

Files are written atomically (:func:`askcorpus.store.durable.write_atomically`) and checked on load: a truncated or
garbled file, or one of the wrong dimension, is an :class:`IndexCorruptError` /
:class:`IndexMismatchError` naming the file.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterator, Sequence
from pathlib import Path

import faiss
import numpy as np

from askcorpus.errors import IndexCorruptError, IndexMismatchError
from askcorpus.store.base import REBUILD
from askcorpus.store.durable import write_atomically
from askcorpus.store.local import scan

log = logging.getLogger(__name__)


#: Above this many vectors the index becomes approximate (IVF). Exact search of 200k
#: 384-dimensional vectors takes ~10 ms on one core; past that it grows linearly (≈60 ms at 1M).
EXACT_LIMIT = 200_000
#: Ways to store vectors in the approximate index: bytes per dimension 4, 2 or 1.
STORAGES = ("float32", "fp16", "sq8")
_TRAIN_PER_CELL = 32
_KMEANS_ITERATIONS = 12
_SEED = 1234
# faiss's type stubs (1.15) leave out the DirectMap enum; set_direct_map_type takes its ints.
_HASHTABLE: int = faiss.DirectMap.Hashtable  # type: ignore[attr-defined]
_NO_MAP: int = faiss.DirectMap.NoMap  # type: ignore[attr-defined]


def cells_for(n: int) -> int:
    """How many IVF cells (k-means centroids) an index of ``n`` vectors gets."""
    return max(64, int(4 * math.sqrt(max(n, 1))))


def probes_for(nlist: int) -> int:
    """How many cells one query scans: 1/8 of them. On real MiniLM vectors (SciFact) that gave
    recall@10 0.966 where 1/16 gave 0.88; finer cells scanned in that proportion do better."""
    return max(8, nlist // 8)


class VectorIndex:
    """Inner-product search over passage vectors with add and remove by id; exact while small,
    approximate (IVF) above ``exact_limit`` vectors."""

    def __init__(
        self, index: faiss.Index, exact_limit: int = EXACT_LIMIT, storage: str = "float32"
    ):
        if storage not in STORAGES:
            raise ValueError(f"vector storage must be one of {STORAGES}, not {storage!r}")
        self._index = index
        self.exact_limit = exact_limit
        self.storage = storage
        ivf = self._ivf()
        if ivf is not None:
            ivf.nprobe = probes_for(ivf.nlist)

    @classmethod
    def empty(
        cls, dimension: int, exact_limit: int = EXACT_LIMIT, storage: str = "float32"
    ) -> VectorIndex:
        """A new, empty exact index."""
        return cls(_exact(dimension), exact_limit, storage)

    @classmethod
    def load(
        cls, path: Path, dimension: int, exact_limit: int = EXACT_LIMIT, storage: str = "float32"
    ) -> VectorIndex:
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
        return cls(index, exact_limit, storage)

    @property
    def dimension(self) -> int:
        """Length of the vectors held."""
        return int(self._index.d)

    @property
    def ntotal(self) -> int:
        """Number of vectors held."""
        return int(self._index.ntotal)

    @property
    def approximate(self) -> bool:
        """True when searches go through the approximate (IVF) index."""
        return self._ivf() is not None

    @property
    def kind(self) -> str:
        """Short description of the FAISS structure, for status output."""
        ivf = self._ivf()
        if ivf is not None:
            return f"{type(ivf).__name__}(nlist={ivf.nlist}, nprobe={ivf.nprobe})"
        id_map = self._id_map()
        inner = faiss.downcast_index(id_map.index) if id_map is not None else self._index
        return type(inner).__name__

    def ivf(self) -> faiss.IndexIVF | None:
        """The approximate (IVF) index, None while the index is exact."""
        return self._ivf()

    def _ivf(self) -> faiss.IndexIVF | None:
        index = faiss.downcast_index(self._index)
        return index if isinstance(index, faiss.IndexIVF) else None

    def _id_map(self) -> faiss.IndexIDMap | None:
        """The exact index's id map (``IndexIDMap2`` over ``IndexFlatIP``), None when IVF."""
        index = faiss.downcast_index(self._index)
        return index if isinstance(index, faiss.IndexIDMap) else None

    def _exact_map(self) -> faiss.IndexIDMap:
        """The id map of an index known to be exact."""
        id_map = self._id_map()
        if id_map is None:
            raise TypeError(f"expected an exact vector index, found {self.kind}")
        return id_map

    def ids(self) -> np.ndarray:
        """The passage ids held (for consistency checks against the database)."""
        ivf = self._ivf()
        if ivf is None:
            return faiss.vector_to_array(self._exact_map().id_map).astype(np.int64)
        lists = ivf.invlists
        if lists is None:  # an IVF index without inverted lists holds no vectors
            return np.empty(0, np.int64)
        parts = [
            faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
            for i in range(ivf.nlist)
            if lists.list_size(i)
        ]
        return np.concatenate(parts).astype(np.int64) if parts else np.empty(0, np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add ``vectors`` under passage ``ids``; switches to (or re-trains) the approximate
        index when the new size calls for it."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dimension)
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return
        ivf = self._ivf()
        after = self.ntotal + len(ids)
        if ivf is None and after > self.exact_limit:
            log.info("%d vectors exceed the exact limit %d: building IVF", after, self.exact_limit)
            old_ids, old_vecs = self.all_vectors()
            self._index = self._build_ivf(
                np.concatenate([old_ids, ids]), np.concatenate([old_vecs, vectors])
            )
        elif ivf is not None and cells_for(after) > 2 * ivf.nlist:
            log.info("re-training IVF for %d vectors (%d cells)", after, cells_for(after))
            old_ids, old_vecs = self.all_vectors()
            self._index = self._build_ivf(
                np.concatenate([old_ids, ids]), np.concatenate([old_vecs, vectors])
            )
        else:
            with _threads_for(len(ids)):
                self._index.add_with_ids(vectors, ids)

    def remove(self, ids: Sequence[int]) -> None:
        """Remove the vectors of passage ``ids``; turns exact again below half the limit."""
        self._index.remove_ids(_selector(np.asarray(list(ids), dtype=np.int64)))
        if self._ivf() is not None and self.ntotal < self.exact_limit // 2:
            old_ids, old_vecs = self.all_vectors()
            self._index = _exact(self.dimension)
            if len(old_ids):
                self._index.add_with_ids(old_vecs, old_ids)

    def apply(self, removed: np.ndarray, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Replay a published change (see :mod:`askcorpus.store.local.generations`): remove ``removed``,
        add ``vectors`` under ``ids``, keeping the structure as it is (the writer that made the
        change kept it too, or it would have written a full file)."""
        if len(removed):
            self._index.remove_ids(_selector(removed))
        if len(ids):
            with _threads_for(len(ids)):
                self._index.add_with_ids(
                    np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dimension),
                    np.ascontiguousarray(ids, dtype=np.int64),
                )

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """Every ``(ids, vectors)`` held, decoded (exact for float32 storage)."""
        ivf = self._ivf()
        ids = self.ids()
        if ivf is None:
            flat = faiss.downcast_index(self._exact_map().index)
            vecs = flat.reconstruct_n(0, flat.ntotal) if flat.ntotal else np.empty((0, flat.d))
            return ids, np.ascontiguousarray(vecs, dtype=np.float32)
        if not len(ids):
            return ids, np.empty((0, ivf.d), np.float32)
        ivf.set_direct_map_type(_HASHTABLE)
        try:
            vecs = ivf.reconstruct_batch(ids)
        finally:
            ivf.set_direct_map_type(_NO_MAP)
        return ids, np.ascontiguousarray(vecs, dtype=np.float32)

    def _build_ivf(self, ids: np.ndarray, vectors: np.ndarray) -> faiss.Index:
        """A trained IVF index over ``vectors`` (k-means on a fixed-seed sample)."""
        d = vectors.shape[1]
        nlist = cells_for(len(vectors))
        quantizer = faiss.IndexFlatIP(d)
        index: faiss.IndexIVF
        if self.storage == "float32":
            index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
        else:
            qtype = (
                faiss.ScalarQuantizer.QT_fp16
                if self.storage == "fp16"
                else faiss.ScalarQuantizer.QT_8bit
            )
            index = faiss.IndexIVFScalarQuantizer(
                quantizer, d, nlist, qtype, faiss.METRIC_INNER_PRODUCT, False
            )
        index.cp.niter = _KMEANS_ITERATIONS
        index.cp.spherical = True
        index.cp.seed = _SEED
        index.cp.max_points_per_centroid = _TRAIN_PER_CELL
        sample = min(len(vectors), nlist * _TRAIN_PER_CELL)
        pick = np.random.default_rng(_SEED).choice(len(vectors), sample, replace=False)
        index.train(vectors[np.sort(pick)])
        index.add_with_ids(vectors, ids)
        index.nprobe = probes_for(nlist)
        return index

    def search(
        self, query: np.ndarray, k: int, params: faiss.SearchParameters | None = None
    ) -> list[tuple[int, float]]:
        """``(id, score)`` of the ``k`` best matches of one query vector, best first; ``params``
        may restrict the search to an id selector (:mod:`askcorpus.store.local.filtering`)."""
        k = min(k, self.ntotal)
        if k <= 0:
            return []
        # One query is not worth a team of OpenMP threads: on a busy machine their spin-waiting
        # made a 10k search take 70 ms instead of 0.8 ms (docs/benchmarks.md). The setting is
        # per calling thread and restored, so training and adding keep their threads.
        one = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        with _threads_for(1):
            split = None if params is not None else self._split_search(one, k)
            scores, ids = split if split is not None else self._index.search(one, k, params=params)
            if split is not None:
                scores, ids = scores.reshape(1, -1), ids.reshape(1, -1)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def _split_search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The unfiltered search spread over the cores (:mod:`askcorpus.store.local.scan`),
        None when the index is too small for that to pay."""
        ivf = self._ivf()
        if ivf is not None:
            return scan.ivf_search(ivf, query, k)
        id_map = self._id_map()
        return None if id_map is None else scan.flat_search(id_map, query, k)

    def save(self, path: Path) -> None:
        """Write atomically: a reader sees the old file or the complete new one, never a part."""
        write_atomically(path, lambda tmp: faiss.write_index(self._index, str(tmp)))


#: Fewer vectors than this are added on the calling thread alone: a document's few passages are
#: not worth a team of OpenMP threads, whose spin-waiting on a busy machine slowed a 1M build
#: from ~2,800 to ~330 documents a minute (docs/benchmarks.md, Session 5).
SMALL_BATCH = 1024


@contextlib.contextmanager
def _threads_for(vectors: int) -> Iterator[None]:
    """FAISS on one OpenMP thread for a small batch of ``vectors`` (the setting is per calling
    thread and restored afterwards, so training and bulk adds keep their threads)."""
    if vectors >= SMALL_BATCH:
        yield
        return
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(threads)


def _selector(ids: np.ndarray) -> faiss.IDSelector:
    """The ids to remove as the selector FAISS takes."""
    return faiss.IDSelectorBatch(np.ascontiguousarray(ids, dtype=np.int64).reshape(-1))


def _exact(dimension: int) -> faiss.Index:
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
