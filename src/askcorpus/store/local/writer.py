"""Writing a :class:`~askcorpus.store.local.store.LocalStore`: one writer, atomic publishes.

A :class:`LocalWriter` holds the folder's writer lock and one SQLite write transaction. Rows go
into the transaction and vectors into a private copy of the FAISS index (the store lends its
loaded copy when no reader uses it, and takes it back as the new generation's after the commit,
so an update reads no vector file); nothing is visible to readers until it is *published*:

1. the change is saved as ``vectors-<gen+1>.faiss.delta`` or, when a delta does not pay (small
   index, many changes, see :mod:`askcorpus.store.local.generations`), the whole index as
   ``vectors-<gen+1>.faiss`` (temporary file, fsync, rename, fsync folder),
2. one SQLite transaction commits the rows, the manifest's ``updated`` stamp, the generation
   number ``gen+1``, its base and the ``complete`` flag, together,
3. vector files no longer needed are removed.

A crash (even SIGKILL) before step 2 leaves generation ``gen`` in force and an orphan file that
the next publish removes; after it, the new state. :meth:`LocalWriter.checkpoint` publishes with
``complete = 0`` and carries on in a new transaction, so a long build keeps its progress while
each published state stays consistent: every document in it is entirely old or entirely new.
A failed write (disk full, read-only folder) raises :class:`IndexWriteError` and leaves the last
published state untouched.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from collections.abc import Sequence

import numpy as np

from askcorpus.records import Document, Passage, SkippedFile
from askcorpus.store.base import Manifest, now_iso
from askcorpus.store.base import WriterLock as HeldLock
from askcorpus.store.durable import tmp_path
from askcorpus.store.local import generations as store_vectors
from askcorpus.store.local.files import DB_NAME, connect, vector_path
from askcorpus.store.local.generations import (
    delta_path,
    load_generation,
    read_layout,
    remove_unused,
    write_delta,
)
from askcorpus.store.local.lock import WriterLock, write_error
from askcorpus.store.local.rows import insert_document
from askcorpus.store.local.store import LocalStore
from askcorpus.store.local.vectors import VectorIndex

log = logging.getLogger(__name__)


class LocalWriter:
    """An update of a :class:`LocalStore`, invisible to readers until published."""

    def __init__(self, store: LocalStore, lock: HeldLock | None = None):
        self.store = store
        # A caller that holds the lock for a whole run passes it; otherwise take our own.
        self._own_lock = WriterLock(store.folder) if lock is None else None
        if self._own_lock is not None:
            self._own_lock.acquire()
        self._conn: sqlite3.Connection | None = None
        self._done = False
        try:
            self._conn = connect(store.folder / DB_NAME)
            self._conn.execute("BEGIN IMMEDIATE")
            self._generation, self._base = read_layout(self._conn, store.db_path)
            row = self._conn.execute("SELECT value FROM meta WHERE key='delta_vectors'").fetchone()
            self._in_deltas = int(row[0]) if row else 0  # changes held by deltas since the base
            # The store's vectors of this generation were checked against the rows when they
            # were loaded; the files are read again only when the store cannot lend them.
            lent = store.lend_vectors(self._generation)
            self._vectors: VectorIndex = lent or load_generation(
                store.folder,
                self._generation,
                self._base,
                store.manifest.dimension,
                store.exact_limit,
            )
        except BaseException as exc:
            self._abandon()
            if isinstance(exc, sqlite3.Error):
                raise write_error(store.folder, exc, "start an update") from exc
            raise
        self.checkpoints = 0
        # What changed since the last publish, for a delta file: ids are never reused, so an id
        # added and removed again within one publish simply disappears.
        self._added: dict[int, np.ndarray] = {}
        self._removed: list[int] = []
        self._kind = self._vectors.kind
        self._too_many = False  # changes past what a delta may hold: no longer tracked

    @property
    def conn(self) -> sqlite3.Connection:
        """The write transaction's connection."""
        if self._conn is None or self._done:
            raise RuntimeError("this index update has ended")
        return self._conn

    def _doc_id(self, source: str) -> int | None:
        row = self.conn.execute("SELECT id FROM documents WHERE source = ?", (source,)).fetchone()
        return row[0] if row else None

    def remove_document(self, source: str) -> int:
        """Drop a document with its passages, vectors and keyword entries."""
        doc_id = self._doc_id(source)
        if doc_id is None:
            return 0
        ids = [r[0] for r in self.conn.execute("SELECT id FROM passages WHERE doc_id=?", (doc_id,))]
        if ids:
            self._vectors.remove(ids)
            if not self._too_many:
                for i in ids:
                    if self._added.pop(i, None) is None:
                        self._removed.append(i)
                self._check_delta_size()
            self.conn.executemany("DELETE FROM passages_fts WHERE rowid = ?", [(i,) for i in ids])
        self.conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        return len(ids)

    def add_document(
        self, document: Document, passages: Sequence[Passage], vectors: np.ndarray
    ) -> None:
        """Insert (or replace) a document with its passages and their vectors."""
        self.remove_document(document.source)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = insert_document(self.conn, document, passages, vectors)
        if ids:
            self._vectors.add(np.asarray(ids, dtype=np.int64), vectors)
            if not self._too_many:
                self._added.update(zip(ids, vectors, strict=True))
                self._check_delta_size()

    def touch_document(self, source: str, mtime: float) -> None:
        """Record a new mtime for an unchanged document."""
        self.conn.execute("UPDATE documents SET mtime = ? WHERE source = ?", (mtime, source))

    def set_manifest(self, manifest: Manifest) -> None:
        """Replace the manifest (a rebuild with other settings)."""
        self.conn.execute("UPDATE meta SET value = ? WHERE key = 'manifest'", (manifest.to_json(),))
        self.store.manifest = manifest

    def set_label(self, key: str, value: str | None) -> None:
        """Record (None: remove) a tool's note, published with the update."""
        self.conn.execute("DELETE FROM meta WHERE key = ?", (f"label:{key}",))
        if value is not None:
            self.conn.execute("INSERT INTO meta VALUES (?, ?)", (f"label:{key}", value))

    def set_skipped(self, skipped: Sequence[SkippedFile]) -> None:
        """Replace the skipped-files report."""
        self.conn.execute("DELETE FROM skipped")
        self.conn.executemany(
            "INSERT OR REPLACE INTO skipped VALUES (?, ?)", [(s.source, s.reason) for s in skipped]
        )

    def _check_delta_size(self) -> None:
        """Stop tracking changes once they outgrow a delta (1/20 of the index): a large build
        must not keep every vector it added alive until it publishes. Adding or removing more
        never brings the share back under 1/20, so the publish is a full file either way."""
        changes = self._in_deltas + len(self._added) + len(self._removed)
        if changes > self._vectors.ntotal // 20:
            self._too_many = True
            self._added, self._removed = {}, []

    def _delta_fits(self, generation: int) -> bool:
        """True when publishing ``generation`` as a delta file beats rewriting the full file
        (see :mod:`askcorpus.store.local.generations`)."""
        total = self._vectors.ntotal
        changes = self._in_deltas + len(self._added) + len(self._removed)
        return (
            not self._too_many
            and total >= store_vectors.DELTA_MIN_VECTORS
            and changes <= total // 20
            and generation - self._base <= store_vectors.MAX_DELTAS
            and self._vectors.kind == self._kind  # same FAISS structure as the base
        )

    def _publish(self, complete: bool) -> None:
        """Save the vectors as the next generation (a delta file, or the full index), then
        commit rows + generation at once."""
        folder = self.store.folder
        new_gen = self._generation + 1
        if self._delta_fits(new_gen):
            base, path = self._base, delta_path(folder, new_gen)
            in_deltas = self._in_deltas + len(self._added) + len(self._removed)
        else:
            base, path, in_deltas = new_gen, vector_path(folder, new_gen), 0
        conn = self.conn
        try:
            if base == new_gen:
                self._vectors.save(path)
            else:
                dimension = self._vectors.dimension
                ids = np.fromiter(self._added, np.int64, len(self._added))
                vectors = list(self._added.values())
                write_delta(
                    path,
                    dimension,
                    np.asarray(self._removed, np.int64),
                    ids,
                    np.stack(vectors) if vectors else np.empty((0, dimension), np.float32),
                )
            manifest = json.loads(
                conn.execute("SELECT value FROM meta WHERE key='manifest'").fetchone()[0]
            )
            manifest["updated"] = now_iso()
            conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'manifest'",
                (json.dumps(manifest, sort_keys=True),),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [
                    ("generation", str(new_gen)),
                    ("base", str(base)),
                    ("delta_vectors", str(in_deltas)),
                    ("complete", "1" if complete else "0"),
                ],
            )
            conn.execute("COMMIT")
        except (OSError, sqlite3.Error, RuntimeError) as exc:  # faiss reports I/O as RuntimeError
            self.rollback()
            path.unlink(missing_ok=True)
            tmp_path(path).unlink(missing_ok=True)  # a writer that died half-way may leave it
            raise write_error(folder, exc) from exc
        self._generation, self._base, self._in_deltas = new_gen, base, in_deltas
        self._added, self._removed, self._kind = {}, [], self._vectors.kind
        self._too_many = False
        self._cleanup(new_gen)

    def checkpoint(self) -> None:
        """Publish what is done so far as an incomplete state and go on in a new transaction."""
        self._publish(complete=False)
        self.checkpoints += 1
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            self.rollback()
            raise write_error(self.store.folder, exc, "continue the update") from exc
        log.info("checkpoint %d published (generation %d)", self.checkpoints, self._generation)

    def commit(self) -> None:
        """Publish the update as complete and end it. The store takes this writer's vectors as
        the new generation's instead of reading back the file just written."""
        self._publish(complete=True)
        self._abandon()
        self.store.adopt_vectors(self._vectors, self._generation, self._base)

    def _cleanup(self, generation: int) -> None:
        """Remove the vector files older generations needed (and orphans of a crash)."""
        remove_unused(self.store.folder, generation, self._base)

    def _abandon(self) -> None:
        """Close the connection and release the lock (if this writer took it)."""
        self._done = True
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
        if self._own_lock is not None:
            self._own_lock.release()

    def rollback(self) -> None:
        """Abandon what was not yet published."""
        if self._done:
            return
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")
        self._abandon()

    def __enter__(self) -> LocalWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if not self._done:
            self.rollback()
