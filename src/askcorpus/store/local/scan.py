"""One question's vector search spread over the cores: the vectors it must read, in slices.

Searching for one question is bound by memory, not arithmetic: the exact index reads every
stored vector (154 MB at 100k passages, ~11 ms on one core here), the approximate one every
vector of the cells it probes. FAISS parallelises a search over its *questions*, so one
question runs on one core while the other idles (its encoding is done by then). Here the rows
of the flat index, or the probed cells of the IVF index, are cut into one contiguous slice per
core; each slice is scanned on its own thread by the same FAISS kernel (FAISS lets go of the
GIL), and the slices' best ``k`` are merged. Each score is computed exactly as the whole scan
computes it, so the hits and their scores are the same (tests/store/test_vector_scan.py); ties
keep the order of the rows (or cells) they come from.

Each thread runs FAISS with one OpenMP thread: an OpenMP team left to spin on a busy machine
made a search 90× slower (docs/benchmarks.md, Session 5). Below :data:`SPLIT_MIN` vectors to
read, handing a slice to another thread costs more than it saves.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import faiss
import numpy as np

#: Fewer vectors to read than this are scanned on the calling thread alone.
SPLIT_MIN = 16_384
#: At most this many slices: past it the memory bus, not the cores, sets the pace.
MAX_PARTS = 4

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def cores() -> int:
    """Cores this process may run on (its affinity mask)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def parts_for(vectors: int) -> int:
    """How many slices a search that reads ``vectors`` vectors is cut into."""
    if vectors < SPLIT_MIN:
        return 1
    return max(1, min(cores(), MAX_PARTS, vectors // (SPLIT_MIN // 2)))


def _one_openmp_thread() -> None:
    faiss.omp_set_num_threads(1)


def _helpers() -> ThreadPoolExecutor:
    """The scan's helper threads, started once (each with one OpenMP thread)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                MAX_PARTS - 1,
                thread_name_prefix="askcorpus-scan",
                initializer=_one_openmp_thread,
            )
        return _pool


def _merged(parts: list[tuple[np.ndarray, np.ndarray]], k: int) -> tuple[np.ndarray, np.ndarray]:
    """The best ``k`` of the slices' results ``(scores, labels)``, given in slice order: by
    score, then by slice and rank within it (the order the whole scan would meet them in)."""
    scores = np.concatenate([s for s, _l in parts])
    labels = np.concatenate([lab for _s, lab in parts])
    keep = labels >= 0
    scores, labels = scores[keep], labels[keep]
    # lexsort is stable: among equal scores the earlier slice (and rank) comes first.
    order = np.lexsort((np.arange(len(scores)), -scores))[:k]
    return scores[order], labels[order]


#: ``scan(start, stop)``: the best ``(scores, ids)`` of one slice, shape (k,) each.
Slice = Callable[[int, int], tuple[np.ndarray, np.ndarray]]


def _in_slices(scan: Slice, count: int, k: int, parts: int) -> tuple[np.ndarray, np.ndarray]:
    """Run ``scan(start, stop)`` over ``parts`` contiguous slices of ``range(count)``: the
    first on this thread, the others on the helpers; merged best ``k``."""
    bounds = np.linspace(0, count, parts + 1).astype(int)
    pending: list[Future[tuple[np.ndarray, np.ndarray]]] = [
        _helpers().submit(scan, int(a), int(b))
        for a, b in zip(bounds[1:-1], bounds[2:], strict=True)
    ]
    first = scan(int(bounds[0]), int(bounds[1]))
    return _merged([first, *(p.result() for p in pending)], k)


def flat_search(
    id_map: faiss.IndexIDMap, query: np.ndarray, k: int, parts: int | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """Scores and passage ids of the ``k`` best rows of the exact index ``id_map`` (an id map
    over ``IndexFlatIP``) for one ``query`` of shape (1, d), best first; None when the index
    is too small to split (the caller searches it whole). ``parts``: how many slices
    (default :func:`parts_for`)."""
    flat = faiss.downcast_index(id_map.index)
    n, d = int(flat.ntotal), int(flat.d)
    parts = min(parts_for(n) if parts is None else parts, n)
    if parts < 2 or not isinstance(flat, faiss.IndexFlatIP):
        return None
    rows = faiss.rev_swig_ptr(flat.get_xb(), n * d).reshape(n, d)
    ids = faiss.rev_swig_ptr(id_map.id_map.data(), n)

    def scan(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        scores, found = faiss.knn(
            query, rows[start:stop], min(k, stop - start), faiss.METRIC_INNER_PRODUCT
        )
        found = found[0]
        return scores[0], np.where(found >= 0, ids[start:stop][np.maximum(found, 0)], -1)

    return _in_slices(scan, n, k, parts)


def ivf_search(
    ivf: faiss.IndexIVF, query: np.ndarray, k: int, parts: int | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """Scores and passage ids of the ``k`` best vectors of the cells an unfiltered search of
    ``ivf`` probes, for one ``query`` of shape (1, d), best first; None when the probed cells
    hold too few vectors to split. ``parts``: how many slices (default :func:`parts_for`)."""
    probes = int(ivf.nprobe)
    expected = int(ivf.ntotal) * probes // max(1, int(ivf.nlist))
    parts = min(parts_for(expected) if parts is None else parts, probes)
    if parts < 2:
        return None
    cell_scores, cells = ivf.quantizer.search(query, probes)
    # The Python wrapper FAISS installs (x, k, cells, cell scores → scores, ids), not the C
    # signature its type stubs describe.
    preassigned: Any = ivf.search_preassigned

    def scan(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        # FAISS skips a cell numbered -1 (fewer cells than probes), so the cells outside this
        # slice are hidden that way; the probes keep their width, as the wrapper requires.
        mine = np.full_like(cells, -1)
        mine[:, start:stop] = cells[:, start:stop]
        scores, found = preassigned(query, k, mine, cell_scores)
        return scores[0], found[0]

    return _in_slices(scan, probes, k, parts)
