"""The embedded store: SQLite (documents, passages, keyword index, manifest) plus a FAISS file.

Layout of an index folder::

    askcorpus.sqlite3        documents with their extracted text, passages (offsets and vectors),
                             an FTS5 keyword index, the manifest, the current generation and
                             whether the last build ran to the end ("complete")
    vectors-<gen>.faiss      the vector index of generation <gen> (ids are passage ids)
    writer.lock              flock'ed by the one writer (holds its pid)

Updates are atomic (see :mod:`askcorpus.store_writer`): the new FAISS file is written under a new
generation number first, then one SQLite transaction (WAL) commits the rows together with that
number. Readers read the generation and the rows in one snapshot, so they see the old state or
the new one, never a mix; any damage met later (a garbled page) is an :class:`IndexCorruptError`
naming the file and the fix, never a raw ``sqlite3`` traceback.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from askcorpus.errors import (
    AskcorpusError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    IndexMissingError,
)
from askcorpus.records import Document, Section, SkippedFile
from askcorpus.settings import SCHEMA_VERSION
from askcorpus.store import DocState, Manifest, StoredPassage, StoreStats
from askcorpus.store_files import (
    DB_NAME,
    REBUILD,
    VERIFY_LIMIT,
    connect,
    consistency_problems,
    create_database,
    database_error,
    read_meta,
    vector_path,
)
from askcorpus.store_lock import WriterLock
from askcorpus.vector_index import VectorIndex

#: Attempts to load the vectors of the generation just read while writers keep publishing.
_LOAD_RETRIES = 5

if TYPE_CHECKING:
    from askcorpus.store_writer import LocalWriter

log = logging.getLogger(__name__)


class LocalStore:
    """FAISS + SQLite index in one folder (see module docstring)."""

    def __init__(self, folder: Path, conn: sqlite3.Connection, manifest: Manifest):
        self.folder = folder
        self.db_path = folder / DB_NAME
        self.manifest = manifest
        self._conn = conn
        self._lock = threading.RLock()
        self._depth = 0
        self._vectors: VectorIndex | None = None
        self._generation = -1

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def exists(cls, folder: Path) -> bool:
        """True when ``folder`` holds an index database."""
        return (folder / DB_NAME).is_file()

    @classmethod
    def open(cls, folder: Path, verify: bool | None = None) -> LocalStore:
        """Open an existing index; raises a typed error when missing, damaged or of another
        schema version, naming the file at fault and the fix.

        ``verify`` runs SQLite's page-level check first (about 1 GB/s); by default it runs for
        databases up to :data:`VERIFY_LIMIT` bytes. Larger ones are checked by ``askcorpus
        status``, and damage met while reading is still a typed error."""
        db = folder / DB_NAME
        if not db.is_file():
            raise IndexMissingError(f"no index at {folder}", folder, "run `askcorpus index`")
        if verify is None:
            verify = db.stat().st_size <= VERIFY_LIMIT
        conn = None
        try:
            try:
                conn = connect(db)
                rows = read_meta(conn, verify)
            except sqlite3.OperationalError:
                if os.access(folder, os.W_OK):
                    raise
                if conn is not None:
                    conn.close()
                conn = connect(db, immutable=True)  # read-only media
                rows = read_meta(conn, verify)
            manifest = Manifest.from_json(rows["manifest"])
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
            raise database_error(db, exc) from exc
        except (KeyError, ValueError, TypeError) as exc:
            conn.close()
            raise IndexCorruptError(
                f"index database {db} has no readable manifest ({exc!r})", db, REBUILD
            ) from exc
        if manifest.schema_version != SCHEMA_VERSION:
            conn.close()
            raise IndexMismatchError(
                f"index database {db} has schema version {manifest.schema_version}, this "
                f"askcorpus reads version {SCHEMA_VERSION}",
                db,
                REBUILD,
            )
        store = cls(folder, conn, manifest)
        try:
            store._load_vectors()
            problems = store.check(deep=False) if verify else []
        except BaseException:
            conn.close()
            raise
        if problems:
            conn.close()
            raise problems[0]
        return store

    @classmethod
    def create(cls, folder: Path, manifest: Manifest) -> LocalStore:
        """Create an empty index in ``folder`` (which must not hold one), atomically: the
        database appears under its real name only once it is complete."""
        create_database(folder, manifest)
        return cls.open(folder)

    # -- consistency ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the store's lock, with SQLite failures turned into typed errors."""
        with self._lock:
            try:
                yield self._conn
            except sqlite3.ProgrammingError:
                raise
            except sqlite3.Error as exc:
                raise database_error(self.db_path, exc) from exc

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """All reads inside see one committed state of the index (re-entrant).

        The vector index is brought up to that state first, so a search never mixes the vectors
        of one generation with the rows of another while a writer commits.
        """
        with self._reading() as conn:
            if self._depth == 0:
                self._begin_synced(conn)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("COMMIT")

    def _begin_synced(self, conn: sqlite3.Connection) -> None:
        """Open a read transaction whose generation's vectors are loaded."""
        for attempt in range(_LOAD_RETRIES):
            conn.execute("BEGIN")
            try:
                if self._sync_vectors(conn, final=attempt + 1 == _LOAD_RETRIES):
                    return
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("COMMIT")
                raise
            conn.execute("COMMIT")

    def _sync_vectors(self, conn: sqlite3.Connection, final: bool) -> bool:
        """Inside a read transaction: load the FAISS file of its generation and check it against
        the rows. False when the file is gone and ``final`` is not set: a writer committed a
        newer generation and removed this one after our transaction began, so try again."""
        row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        if row is None:
            raise IndexCorruptError(
                f"index database {self.db_path} has no generation record", self.db_path, REBUILD
            )
        generation = int(row[0])
        if generation == self._generation and self._vectors is not None:
            return True
        path = vector_path(self.folder, generation)
        count = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
        try:
            vectors = VectorIndex.load(path, self.manifest.dimension)
        except IndexCorruptError:
            if not final and not path.is_file():  # removed under us, not damaged
                return False
            raise
        if vectors.ntotal != count:
            raise IndexCorruptError(
                f"vector file {path} holds {vectors.ntotal} vectors but the database "
                f"{self.db_path} has {count} passages",
                path,
                REBUILD,
            )
        self._vectors = vectors
        self._generation = generation
        return True

    def _load_vectors(self) -> None:
        """Bring the loaded vectors up to the latest committed generation (cheap if unchanged)."""
        with self._reading() as conn:
            if self._depth > 0:  # inside a snapshot: its generation is already loaded
                return
            self._begin_synced(conn)
            conn.execute("COMMIT")

    def refresh(self) -> bool:
        """Pick up a newer generation written by another process; True if it changed."""
        before = self._generation
        self._load_vectors()
        return self._generation != before

    @property
    def generation(self) -> int:
        """The generation whose vectors are loaded."""
        return self._generation

    @property
    def complete(self) -> bool:
        """False while a build was interrupted after a checkpoint (some documents still missing
        or old); the next ``askcorpus index`` finishes it."""
        with self._reading() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'complete'").fetchone()
        return row is None or row[0] == "1"

    def check(self, deep: bool = True) -> list[AskcorpusError]:
        """Problems found in the index, as typed errors naming the file and the fix (empty when
        healthy). FAISS must hold exactly the passages SQLite holds, with the same vectors (the
        database keeps a copy of each) of the manifest's dimension; with ``deep``, SQLite's own
        page check must pass too. Reads the whole index; never raises for a damaged one."""
        try:
            with self.snapshot(), self._reading() as conn:
                path = vector_path(self.folder, self._generation)
                return consistency_problems(conn, self.manifest, path, self._vectors, deep)
        except (IndexCorruptError, IndexMismatchError, IndexLockedError) as exc:
            return [exc]

    # -- reading -------------------------------------------------------------------------------
    def document_states(self) -> dict[str, DocState]:
        """Every indexed document's state, keyed by source."""
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT d.source, d.content_hash, d.size, d.mtime, count(p.id) FROM documents d "
                "LEFT JOIN passages p ON p.doc_id = d.id GROUP BY d.id"
            ).fetchall()
        return {r[0]: DocState(r[0], r[1], r[2], r[3], r[4]) for r in rows}

    def search_vectors(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest passages by inner product, best first."""
        if query.shape[-1] != self.manifest.dimension:
            raise IndexMismatchError(
                f"index database {self.db_path} holds {self.manifest.dimension}-dimensional "
                f"vectors but the question was encoded with {query.shape[-1]}",
                self.db_path,
                REBUILD,
            )
        with self._lock:
            if self._depth == 0:
                self._load_vectors()  # cheap when the generation did not change
            vectors = self._vectors
        if vectors is None or vectors.ntotal == 0:
            return []
        return vectors.search(query, k)

    def search_lexical(self, match: str, k: int) -> list[tuple[int, float]]:
        """FTS5 BM25 matches for an FTS5 ``match`` expression, best first (score = -bm25)."""
        if not match:
            return []
        with self._reading() as conn:
            try:
                rows = conn.execute(
                    "SELECT rowid, -bm25(passages_fts) AS s FROM passages_fts "
                    "WHERE passages_fts MATCH ? ORDER BY s DESC LIMIT ?",
                    (match, k),
                ).fetchall()
            except sqlite3.OperationalError as exc:
                if getattr(exc, "sqlite_errorname", "SQLITE_ERROR") != "SQLITE_ERROR":
                    raise
                log.debug("FTS query failed: %r", match, exc_info=True)
                return []
        return [(int(r[0]), float(r[1])) for r in rows]

    def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        """Passages by id, with their exact text sliced from the stored document text."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._reading() as conn:
            rows = conn.execute(
                f'SELECT p.id, d.source, d.title, p.start, p."end", '
                f'substr(d.text, p.start + 1, p."end" - p.start), p.paragraph, p.page, p.section '
                f"FROM passages p JOIN documents d ON d.id = p.doc_id WHERE p.id IN ({marks})",
                list(ids),
            ).fetchall()
        return {r[0]: StoredPassage(*r) for r in rows}

    def passage_vectors(self, ids: Sequence[int]) -> np.ndarray:
        """The stored vectors of passages ``ids`` (in that order)."""
        marks = ",".join("?" * len(ids))
        with self._reading() as conn:
            rows = dict(
                conn.execute(
                    f"SELECT id, vector FROM passages WHERE id IN ({marks})", list(ids)
                ).fetchall()
            )
        size = 4 * self.manifest.dimension
        if any(i not in rows or len(rows[i]) != size for i in ids):
            raise IndexCorruptError(
                f"index database {self.db_path} holds missing or malformed passage vectors",
                self.db_path,
                REBUILD,
            )
        return np.stack([np.frombuffer(rows[i], dtype=np.float32) for i in ids])

    def document(self, source: str) -> Document | None:
        """A stored document, with the exact text that was indexed."""
        with self._reading() as conn:
            row = conn.execute(
                "SELECT source, title, text, content_hash, size, mtime, kind, page_starts, "
                "sections FROM documents WHERE source = ?",
                (source,),
            ).fetchone()
        if row is None:
            return None
        try:
            page_starts = tuple(int(p) for p in json.loads(row[7]))
            sections = tuple(Section(int(s), str(t)) for s, t in json.loads(row[8]))
        except (ValueError, TypeError) as exc:
            raise IndexCorruptError(
                f"index database {self.db_path} holds a malformed record for {source}",
                self.db_path,
                REBUILD,
            ) from exc
        return Document(
            source=row[0],
            path=Path(row[0]),
            title=row[1],
            text=row[2],
            content_hash=row[3],
            size=row[4],
            mtime=row[5],
            kind=row[6],
            page_starts=page_starts,
            sections=sections,
        )

    def document_passages(self, source: str) -> list[tuple[int, int, int]]:
        """``(id, start, end)`` of every passage of a document, in order."""
        with self._reading() as conn:
            return conn.execute(
                'SELECT p.id, p.start, p."end" FROM passages p JOIN documents d ON '
                "d.id = p.doc_id WHERE d.source = ? ORDER BY p.ordinal",
                (source,),
            ).fetchall()

    def neighbours(self, passage_id: int) -> tuple[int | None, int | None]:
        """Ids of the previous and next passages of the same document."""
        with self._reading() as conn:
            row = conn.execute(
                "SELECT doc_id, ordinal FROM passages WHERE id = ?", (passage_id,)
            ).fetchone()
            if row is None:
                return None, None
            prev = conn.execute(
                "SELECT id FROM passages WHERE doc_id = ? AND ordinal < ? ORDER BY ordinal DESC "
                "LIMIT 1",
                row,
            ).fetchone()
            nxt = conn.execute(
                "SELECT id FROM passages WHERE doc_id = ? AND ordinal > ? ORDER BY ordinal LIMIT 1",
                row,
            ).fetchone()
        return (prev[0] if prev else None, nxt[0] if nxt else None)

    def skipped(self) -> list[SkippedFile]:
        """Files the last indexing run could not use."""
        with self._reading() as conn:
            rows = conn.execute("SELECT source, reason FROM skipped ORDER BY source").fetchall()
        return [SkippedFile(*r) for r in rows]

    def stats(self) -> StoreStats:
        """Counts, size on disk and consistency (of one committed state)."""
        with self.snapshot(), self._reading() as conn:
            docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
            passages = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
            skipped = conn.execute("SELECT count(*) FROM skipped").fetchone()[0]
            vectors = self._vectors.ntotal if self._vectors else 0
            kind = self._vectors.kind if self._vectors else "none"
            complete = self.complete
        size = 0
        for p in self.folder.iterdir():
            with contextlib.suppress(OSError):  # a writer may remove an old file meanwhile
                size += p.stat().st_size if p.is_file() else 0
        return StoreStats(docs, passages, vectors, skipped, size, kind, complete)

    def writer(self, lock: WriterLock | None = None) -> LocalWriter:
        """Start an atomic update. Takes the writer lock unless the caller already holds it."""
        from askcorpus.store_writer import LocalWriter

        return LocalWriter(self, lock)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()
            self._vectors = None
