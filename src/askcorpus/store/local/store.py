"""The embedded store: SQLite (documents, passages, keyword index, manifest) plus a FAISS file.

Layout of an index folder::

    askcorpus.sqlite3        documents with their extracted text, passages (offsets and vectors),
                             an FTS5 keyword index, the manifest, the current generation, its
                             base and whether the last build ran to the end ("complete")
    vectors-<b>.faiss        the full vector index of generation <b> (ids are passage ids)
    vectors-<g>.faiss.delta  what generation <g> changed (b < g <= current; see store_vectors)
    writer.lock              flock'ed by the one writer (holds its pid)

Updates are atomic (see :mod:`askcorpus.store.local.writer`): the new vector file is written under a
new generation number first, then one SQLite transaction (WAL) commits the rows together with
that number. Readers read the generation and the rows in one snapshot, so they see the old state
or the new one, never a mix; any damage met later (a garbled page) is an
:class:`IndexCorruptError` naming the file and the fix, never a raw ``sqlite3`` traceback.

This module opens the store and keeps its loaded vectors in step with the committed generation;
the queries live in :mod:`askcorpus.store.local.read` and :mod:`askcorpus.store.local.lexical`, the checks
in :mod:`askcorpus.store.local.check`.

Over 300 lines for a reason: it is one class whose lock, snapshot depth and loaded vectors every
method shares; the queries themselves already live in the modules named above.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from askcorpus.errors import (
    AskcorpusError,
    IndexAccessError,
    IndexCorruptError,
    IndexLocationError,
    IndexLockedError,
    IndexMismatchError,
    IndexMissingError,
)
from askcorpus.records import Document, KeywordQuery, PassageFilter, SkippedFile
from askcorpus.store.base import REBUILD, DocState, Manifest, StoredPassage, StoreStats
from askcorpus.store.base import WriterLock as HeldLock
from askcorpus.store.local import read as store_read
from askcorpus.store.local.check import consistency_problems, keyword_index_problem
from askcorpus.store.local.files import (
    DB_NAME,
    VERIFY_LIMIT,
    IndexConnection,
    create_database,
    database_error,
)
from askcorpus.store.local.filtering import search_filtered
from askcorpus.store.local.generations import LoadedVectors
from askcorpus.store.local.lexical import match_count, search_lexical
from askcorpus.store.local.lock import write_error
from askcorpus.store.local.opening import file_signature, open_database
from askcorpus.store.local.state import PerState, pin, row_counts, unpin
from askcorpus.store.local.vectors import EXACT_LIMIT, VectorIndex

#: Attempts to load the vectors of the generation just read while writers keep publishing.
_LOAD_RETRIES = 5


class _KeptStats:
    """The stats of one committed state, with the vector index they were read from."""

    value: tuple[int, StoreStats] | None = None


# A search's absence estimate asks for the passage count each time; listing the folder and
# asking FAISS every time cost ~0.3 ms a question (docs/benchmarks.md, session 8).
_STATS: PerState[_KeptStats] = PerState(_KeptStats)

if TYPE_CHECKING:
    from askcorpus.store.local.writer import LocalWriter

log = logging.getLogger(__name__)


class LocalStore:
    """FAISS + SQLite index in one folder (see module docstring)."""

    def __init__(
        self,
        folder: Path,
        conn: IndexConnection,
        manifest: Manifest,
        exact_limit: int = EXACT_LIMIT,
    ):
        self.folder = folder
        #: Above this many vectors searches go through the approximate (IVF) index; every
        #: vector index this store loads or a writer of it builds uses it (it is not stored).
        self.exact_limit = exact_limit
        self.db_path = folder / DB_NAME
        self.manifest = manifest
        self._conn = conn
        self._lock = threading.RLock()
        self._depth = 0
        self._loaded = LoadedVectors(folder, exact_limit)

    @property
    def where(self) -> Path:
        """The index database (it holds the manifest): what messages name."""
        return self.db_path

    @contextlib.contextmanager
    def write_errors(self) -> Iterator[None]:
        """SQLite failures met while an update runs become typed errors: a full disk or
        read-only media an IndexWriteError (the last published state is kept), anything else
        the damaged-database error naming the fix."""
        try:
            yield
        except sqlite3.Error as exc:
            name = getattr(exc, "sqlite_errorname", "")
            if name.startswith(
                ("SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN")
            ):
                raise write_error(self.folder, exc) from exc
            raise database_error(self.db_path, exc) from exc

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def exists(cls, folder: Path) -> bool:
        """True when ``folder`` holds an index database."""
        return (folder / DB_NAME).is_file()

    @classmethod
    def open(
        cls, folder: Path, verify: bool | None = None, exact_limit: int = EXACT_LIMIT
    ) -> LocalStore:
        """Open an existing index; raises a typed error when missing, damaged or of another
        schema version, naming the file at fault and the fix.

        Always checked: the manifest, the vector files of the current generation (present,
        readable, of the manifest's dimension, deltas intact) and that they hold exactly the
        database's passage ids. ``verify`` adds SQLite's page check and the comparison of every
        vector with the database's copy; by default it runs for databases up to
        :data:`VERIFY_LIMIT` bytes. Larger ones get it from ``askcorpus status``, and damage met
        while reading is still a typed error (docs/index-integrity.md). ``exact_limit``: see
        :class:`~askcorpus.store.local.vectors.VectorIndex` (tests lower it to reach IVF)."""
        db = folder / DB_NAME
        if not db.is_file():
            raise IndexMissingError(f"no index at {folder}", folder, "run `askcorpus index`")
        if verify is None:
            verify = db.stat().st_size <= VERIFY_LIMIT
        conn, manifest = open_database(db, verify)
        store = cls(folder, conn, manifest, exact_limit)
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
    def create(cls, folder: Path, manifest: Manifest, exact_limit: int = EXACT_LIMIT) -> LocalStore:
        """Create an empty index in ``folder`` (which must not hold one), atomically: the
        database appears under its real name only once it is complete. An index already there
        is an :class:`IndexLocationError`: creating never replaces one (a rebuild resets it
        first)."""
        if cls.exists(folder):
            raise IndexLocationError(
                f"index folder {folder} already holds an index", folder / DB_NAME, REBUILD
            )
        create_database(folder, manifest)
        return cls.open(folder, exact_limit=exact_limit)

    # -- consistency ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the store's lock, with SQLite failures turned into typed errors."""
        with self._lock:
            if self._conn.frozen is not None:
                self._check_unchanged()
            try:
                yield self._conn
            except sqlite3.ProgrammingError:
                raise
            except sqlite3.Error as exc:
                raise database_error(self.db_path, exc) from exc

    def _check_unchanged(self) -> None:
        """An index read ``immutable`` (see :func:`~askcorpus.store.local.opening.open_database`) must not change:
        SQLite would not notice and could read half-written pages."""
        try:
            same = file_signature(self.db_path) == self._conn.frozen
        except OSError:
            same = False
        if not same:
            raise IndexAccessError(
                f"index database {self.db_path} was changed by another process while it was "
                "open read-only",
                self.db_path,
                "open the index again",
            )

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """All reads inside see one committed state of the index (re-entrant).

        The vector index is brought up to that state first, so a search never mixes the vectors
        of one generation with the rows of another while a writer commits.
        """
        with self._reading() as conn:
            if self._depth == 0:
                self._begin_synced(conn)
                pin(conn)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    unpin(conn)
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("COMMIT")

    def _begin_synced(self, conn: sqlite3.Connection) -> None:
        """Open a read transaction whose generation's vectors are loaded."""
        for attempt in range(_LOAD_RETRIES):
            conn.execute("BEGIN")
            try:
                final = attempt + 1 == _LOAD_RETRIES
                before = self._loaded.generation
                if self._loaded.sync(conn, self.db_path, self.manifest.dimension, final):
                    if self._loaded.generation != before:
                        self._follow_manifest(conn)
                    return
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("COMMIT")
                raise
            conn.execute("COMMIT")

    def _follow_manifest(self, conn: sqlite3.Connection) -> None:
        """A newer generation is loaded: read its manifest, which a rebuild with another
        encoder changed (the search layer then refuses to mix its questions' vectors with
        these, :meth:`askcorpus.search.index.Index.sides`)."""
        row = conn.execute("SELECT value FROM meta WHERE key = 'manifest'").fetchone()
        if row is not None:
            self.manifest = Manifest.from_json(str(row[0]))

    def _load_vectors(self) -> None:
        """Bring the loaded vectors up to the latest committed generation (cheap if unchanged)."""
        with self._reading() as conn:
            if self._depth > 0:  # inside a snapshot: its generation is already loaded
                return
            self._begin_synced(conn)
            conn.execute("COMMIT")

    def refresh(self) -> bool:
        """Pick up a newer generation written by another process; True if it changed."""
        before = self._loaded.generation
        self._load_vectors()
        return self._loaded.generation != before

    def lend_vectors(self, generation: int) -> VectorIndex | None:
        """Hand the loaded vectors to a writer starting from ``generation``, saving it a re-read
        of the FAISS file (~0.2 s at 100k passages). None when they are of another generation
        or a snapshot or a search is using them. The store forgets them: its next read loads
        the published files again (or adopts the writer's vectors, see :meth:`adopt_vectors`)."""
        with self._lock:
            return None if self._depth > 0 else self._loaded.lend(generation)

    def adopt_vectors(self, vectors: VectorIndex, generation: int, base: int) -> None:
        """Take a finished writer's vectors as those of ``generation`` (on ``base``), which it
        just committed, instead of reading the files it wrote (never inside a snapshot: that
        keeps its state)."""
        with self._lock:
            if self._depth == 0:
                self._loaded.adopt(vectors, generation, base)

    @property
    def generation(self) -> int:
        """The generation whose vectors are loaded."""
        return self._loaded.generation

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
        page check, every row's checksum and FTS5's check of the keyword index must pass too.
        Reads the whole index; never raises for a damaged one."""
        try:
            with self.snapshot(), self._reading() as conn:
                path, vectors = self._loaded.base_path, self._loaded.index
                problems = consistency_problems(conn, self.manifest, path, vectors, deep)
        except (IndexCorruptError, IndexMismatchError, IndexLockedError, IndexAccessError) as exc:
            return [exc]
        if deep and not problems:
            copy = self._conn.copy_dir
            problem = keyword_index_problem(self.db_path, copy / DB_NAME if copy else None)
            problems = [problem] if problem else []
        return problems

    # -- reading (queries in askcorpus.store.local.read and store_lexical) --------------------------
    def document_states(self) -> dict[str, DocState]:
        """Every indexed document's state, keyed by source."""
        with self._reading() as conn:
            return store_read.document_states(conn)

    def search_vectors(
        self, query: np.ndarray, k: int, where: PassageFilter | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` nearest passages by inner product, best first; with ``where``, the ``k``
        nearest among the passages it lets through (:mod:`askcorpus.store.local.filtering`)."""
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
            vectors = self._loaded.index
            self._loaded.searching += 1  # a writer must not take these vectors while we search
        try:
            if vectors is None or vectors.ntotal == 0:
                return []
            if not where:
                return vectors.search(query, k)
            with self._reading() as conn:
                return search_filtered(conn, vectors, query, k, where, self.manifest.dimension)
        finally:
            with self._lock:
                self._loaded.searching -= 1

    def search_lexical(
        self, query: KeywordQuery, k: int, where: PassageFilter | None = None
    ) -> list[tuple[int, float]]:
        """FTS5 BM25 matches of ``query``, best first (score = -bm25), among the passages
        ``where`` lets through."""
        with self._reading() as conn:
            return search_lexical(conn, query, k, where)

    def match_count(self, query: KeywordQuery, cap: int) -> int:
        """FTS5 matches of ``query`` counted up to ``cap``, in rowid order (no BM25)."""
        with self._reading() as conn:
            return match_count(conn, query, cap)

    def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        """Passages by id, with their exact text sliced from the stored document text."""
        with self._reading() as conn:
            return store_read.passages(conn, self.db_path, ids)

    def passage_vectors(self, ids: Sequence[int]) -> np.ndarray:
        """The stored vectors of passages ``ids`` (in that order)."""
        with self._reading() as conn:
            return store_read.passage_vectors(conn, self.db_path, self.manifest.dimension, ids)

    def document(self, source: str) -> Document | None:
        """A stored document, with the exact text that was indexed."""
        with self._reading() as conn:
            return store_read.document(conn, self.db_path, source)

    def document_passages(self, source: str) -> list[tuple[int, int, int]]:
        """``(id, start, end)`` of every passage of a document, in order."""
        with self._reading() as conn:
            return store_read.document_passages(conn, source)

    def skipped(self) -> list[SkippedFile]:
        """Files the last indexing run could not use."""
        with self._reading() as conn:
            return store_read.skipped(conn)

    def label(self, key: str) -> str | None:
        """A tool's note kept with the index (``meta`` key ``label:<key>``), or None."""
        with self._reading() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (f"label:{key}",)).fetchone()
        return None if row is None else str(row[0])

    def stats(self) -> StoreStats:
        """Counts, size on disk and consistency (of one committed state)."""
        with self.snapshot(), self._reading() as conn:
            index = self._loaded.index
            kept = _STATS.get(conn)
            if kept is not None and kept.value is not None and kept.value[0] == id(index):
                return kept.value[1]
            docs, passages, skipped = row_counts(conn)
            vectors = index.ntotal if index else 0
            kind = index.kind if index else "none"
            complete = self.complete
            size = 0
            for p in self.folder.iterdir():
                with contextlib.suppress(OSError):  # a writer may remove an old file meanwhile
                    size += p.stat().st_size if p.is_file() else 0
            languages = tuple(
                (str(code), int(n))
                for code, n in conn.execute(
                    "SELECT language, count(*) FROM documents WHERE language IS NOT NULL "
                    "GROUP BY language ORDER BY count(*) DESC, language"
                )
            )
            stats = StoreStats(docs, passages, vectors, skipped, size, kind, complete, languages)
            if kept is not None:
                kept.value = (id(index), stats)
        return stats

    def writer(self, lock: HeldLock | None = None) -> LocalWriter:
        """Start an atomic update. Takes the writer lock unless the caller already holds it."""
        from askcorpus.store.local.writer import LocalWriter

        return LocalWriter(self, lock)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()
            self._loaded.index = None
