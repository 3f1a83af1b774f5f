"""Which vector files make up a generation, and the small *delta* files that spare an update
from rewriting the whole FAISS file.

A generation ``g`` is a full FAISS file ``vectors-<b>.faiss`` (its *base*, ``b <= g``) plus one
delta file ``vectors-<k>.faiss.delta`` for each ``k`` in ``b+1..g``, applied in order. The
database's ``meta`` table records ``generation`` and ``base`` in the same transaction as the
rows (no ``base`` record: ``base = generation``, as written before deltas existed).

A delta holds the passage ids removed and the ids + vectors added by one publish. It is written
like a full file (temporary name, fsync, rename, fsync folder) before the SQLite commit that
refers to it, and carries a CRC-32 of its contents, so a damaged or truncated delta is an
:class:`IndexCorruptError` naming it. A publish writes a full file instead when the index is
small (:data:`DELTA_MIN_VECTORS`: rewriting it is cheap), when the deltas since the base would
hold more than 1/20 of the index's vectors or :data:`MAX_DELTAS` files, or when the FAISS
structure changed (exact to IVF, re-trained cells). Loading applies every delta's removals and
additions in one pass, so a chain costs about one extra copy of the vectors in memory.
"""

from __future__ import annotations

import contextlib
import sqlite3
import struct
import zlib
from pathlib import Path

import numpy as np

from askcorpus.errors import IndexCorruptError, IndexMismatchError
from askcorpus.store.base import REBUILD
from askcorpus.store.durable import write_bytes_atomically
from askcorpus.store.local.check import vector_file_problem
from askcorpus.store.local.files import own_vector_files, vector_path
from askcorpus.store.local.vectors import EXACT_LIMIT, VectorIndex

#: Below this many vectors a publish always rewrites the full file (~15 ms at 10k).
DELTA_MIN_VECTORS = 20_000
#: At most this many delta files after a base (each load opens them all).
MAX_DELTAS = 64
_MAGIC = b"ASKDLT01"
_HEADER = struct.Struct("<8sIQQI")  # magic, dimension, removed, added, CRC-32 of the payload


def delta_path(folder: Path, generation: int) -> Path:
    """The delta file that turns generation ``generation - 1`` into ``generation``."""
    return folder / f"vectors-{generation}.faiss.delta"


def read_layout(conn: sqlite3.Connection, db: Path) -> tuple[int, int]:
    """Inside a transaction: ``(generation, base)`` of the committed state."""
    rows = dict(
        conn.execute("SELECT key, value FROM meta WHERE key IN ('generation', 'base')").fetchall()
    )
    if "generation" not in rows:
        raise IndexCorruptError(f"index database {db} has no generation record", db, REBUILD)
    try:
        generation = int(rows["generation"])
        base = int(rows.get("base", generation))
    except ValueError as exc:
        raise IndexCorruptError(
            f"index database {db} has a malformed generation", db, REBUILD
        ) from exc
    if not 0 <= base <= generation:
        raise IndexCorruptError(f"index database {db} has a malformed generation", db, REBUILD)
    return generation, base


def files_of(folder: Path, generation: int, base: int) -> list[Path]:
    """The files generation ``generation`` is made of, base first."""
    return [vector_path(folder, base)] + [
        delta_path(folder, g) for g in range(base + 1, generation + 1)
    ]


def load_generation(
    folder: Path, generation: int, base: int, dimension: int, exact_limit: int = EXACT_LIMIT
) -> VectorIndex:
    """The vectors of ``generation``: its base file with its deltas applied, approximate above
    ``exact_limit`` vectors (see :class:`VectorIndex`). Raises :class:`IndexCorruptError`
    naming the file that is missing or damaged."""
    vectors = VectorIndex.load(vector_path(folder, base), dimension, exact_limit)
    if generation == base:
        return vectors
    added: dict[int, np.ndarray] = {}
    removed: list[int] = []
    for g in range(base + 1, generation + 1):
        gone, ids, vecs = read_delta(delta_path(folder, g), dimension)
        for i in gone.tolist():
            if added.pop(i, None) is None:  # ids are never reused: else it was in the base
                removed.append(i)
        added.update(zip(ids.tolist(), vecs, strict=True))
    new_ids = np.fromiter(added, np.int64, len(added))
    new_vecs = np.stack(list(added.values())) if added else np.empty((0, dimension), np.float32)
    vectors.apply(np.asarray(removed, np.int64), new_ids, new_vecs)
    return vectors


def write_delta(
    path: Path, dimension: int, removed: np.ndarray, ids: np.ndarray, vectors: np.ndarray
) -> None:
    """Write a delta atomically (temporary file, fsync, rename, fsync folder). ``dimension`` is
    the index's, not read off ``vectors``: a delta that only removes (or changes nothing) has no
    vectors to read it from."""
    removed = np.ascontiguousarray(removed, dtype="<i8").reshape(-1)
    ids = np.ascontiguousarray(ids, dtype="<i8").reshape(-1)
    vectors = np.ascontiguousarray(vectors, dtype="<f4").reshape(len(ids), dimension)
    payload = removed.tobytes() + ids.tobytes() + vectors.tobytes()
    header = _HEADER.pack(_MAGIC, dimension, len(removed), len(ids), zlib.crc32(payload))
    write_bytes_atomically(path, header + payload)


def read_delta(path: Path, dimension: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(removed ids, added ids, added vectors)`` of a delta file; typed errors when it is
    missing, damaged or of another dimension."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise IndexCorruptError(f"vector file {path} is missing", path, REBUILD) from exc
    except OSError as exc:
        raise IndexCorruptError(
            f"vector file {path} cannot be read ({exc.strerror})", path, REBUILD
        ) from exc
    damaged = IndexCorruptError(f"vector file {path} is damaged", path, REBUILD)
    if len(data) < _HEADER.size:
        raise damaged
    magic, dim, n_removed, n_added, crc = _HEADER.unpack_from(data)
    payload = memoryview(data)[_HEADER.size :]
    if magic != _MAGIC or len(payload) != 8 * n_removed + (8 + 4 * dim) * n_added:
        raise damaged
    if zlib.crc32(payload) != crc:
        raise damaged
    if dim != dimension:
        raise IndexMismatchError(
            f"vector file {path} holds {dim}-dimensional vectors, the manifest says {dimension}",
            path,
            REBUILD,
        )
    removed = np.frombuffer(payload, "<i8", n_removed).astype(np.int64)
    ids = np.frombuffer(payload, "<i8", n_added, 8 * n_removed).astype(np.int64)
    vectors = np.frombuffer(payload, "<f4", n_added * dim, 8 * (n_removed + n_added))
    return removed, ids, vectors.reshape(n_added, dim).astype(np.float32)


def remove_unused(folder: Path, generation: int, base: int) -> None:
    """Remove the vector files (and leftover temporary files) not part of ``generation``: only
    names askcorpus writes (:func:`~askcorpus.store.local.files.is_vector_file`), never a user's
    ``vectors-notes.faiss.txt``."""
    keep = {p.name for p in files_of(folder, generation, base)}
    for old in own_vector_files(folder):
        if old.name not in keep:
            with contextlib.suppress(OSError):
                old.unlink()


class LoadedVectors:
    """The vectors of one committed generation as a store holds them in memory, with the
    generation and base they belong to. Not locked by itself: the store calls it under its lock
    (searches run outside it, counted in ``searching``, so a writer never takes them mid-search).
    """

    def __init__(self, folder: Path, exact_limit: int = EXACT_LIMIT):
        self.folder = folder
        self.exact_limit = exact_limit
        self.index: VectorIndex | None = None
        self.generation = -1
        self.base = -1
        self.searching = 0

    @property
    def base_path(self) -> Path:
        """The full vector file under the loaded generation (named in consistency errors)."""
        return vector_path(self.folder, self.base)

    def sync(self, conn: sqlite3.Connection, db: Path, dimension: int, final: bool) -> bool:
        """Inside a read transaction: load the vector files of its generation (unless already
        loaded) and check them against the rows. False when a file is gone and ``final`` is not
        set: a writer published a newer base and removed it after our transaction began, so
        the caller tries again in a new transaction."""
        generation, base = read_layout(conn, db)
        if generation == self.generation and self.index is not None:
            return True
        try:
            index = load_generation(self.folder, generation, base, dimension, self.exact_limit)
        except IndexCorruptError:
            gone = any(not p.is_file() for p in files_of(self.folder, generation, base))
            if not final and gone:
                return False
            raise
        problem = vector_file_problem(conn, vector_path(self.folder, base), index)
        if problem is not None:
            raise problem
        self.index, self.generation, self.base = index, generation, base
        return True

    def lend(self, generation: int) -> VectorIndex | None:
        """Give the loaded index away to a writer starting from ``generation`` (and forget it),
        or None when it is of another generation or a search is using it."""
        if self.index is None or self.generation != generation or self.searching:
            return None
        index, self.index, self.generation, self.base = self.index, None, -1, -1
        return index

    def adopt(self, index: VectorIndex, generation: int, base: int) -> None:
        """Take a writer's index as that of ``generation`` (on ``base``), which it committed."""
        if generation > self.generation:
            self.index, self.generation, self.base = index, generation, base
