"""An open PostgreSQL index (:class:`PostgresStore`): one reader connection, one snapshot per
search, the vector and keyword searches, lookups and checks.

Reads outside :meth:`PostgresStore.snapshot` are single statements (each sees the latest
commit); inside, one ``REPEATABLE READ READ ONLY`` transaction sees one committed state even
while a writer publishes, on the primary or on a hot standby. The writer bumps ``generation``
in ``meta`` with every publish: :meth:`~PostgresStore.refresh` follows it.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import psycopg

from askcorpus.errors import AskcorpusError, IndexCorruptError, IndexMismatchError
from askcorpus.records import Document, KeywordQuery, PassageFilter, SkippedFile
from askcorpus.store.base import REBUILD, DocState, Manifest, StoredPassage, StoreStats
from askcorpus.store.base import WriterLock as HeldLock
from askcorpus.store.postgres import check as store_check
from askcorpus.store.postgres import keyword, lexical, vectors
from askcorpus.store.postgres import read as store_read
from askcorpus.store.postgres.connection import Target, access_error, write_error
from askcorpus.store.postgres.filters import conditions

if TYPE_CHECKING:
    from askcorpus.store.postgres.writer import PostgresWriter

#: Below this many passages vector search is exact (a scan), above it the HNSW index answers.
EXACT_LIMIT = 50_000


class PostgresStore:
    """One index in one schema of a PostgreSQL database (see the module docstring)."""

    def __init__(
        self, target: Target, conn: psycopg.Connection, manifest: Manifest, exact_limit: int
    ):
        self.target = target
        self.schema = target.schema
        self.manifest = manifest
        self.exact_limit = exact_limit
        self._conn = conn
        self._lock = threading.RLock()
        self._depth = 0
        self._generation = self._read_generation()
        #: The passage count as last read: outside a snapshot it only chooses between the
        #: exact scan and HNSW (a count a publish later is as good), re-read by refresh.
        self._count: int | None = None

    @property
    def where(self) -> Path:
        """The index URL: what messages name."""
        return self.target.where

    @contextlib.contextmanager
    def _reading(self) -> Iterator[psycopg.Connection]:
        """The connection under the store's lock, driver errors turned into typed ones."""
        with self._lock:
            try:
                yield self._conn
            except psycopg.errors.UndefinedTable as exc:
                raise IndexCorruptError(
                    f"index {self.target.url} lacks its tables ({lexical_line(exc)})",
                    self.where,
                    REBUILD,
                ) from exc
            except psycopg.Error as exc:
                raise access_error(self.target, exc) from exc

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """All reads inside see one committed state of the index (re-entrant)."""
        with self._reading() as conn:
            if self._depth == 0:
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    with contextlib.suppress(psycopg.Error):
                        conn.execute("COMMIT")

    @contextlib.contextmanager
    def write_errors(self) -> Iterator[None]:
        """Driver errors met while an update runs become IndexWriteError (the last committed
        state is kept)."""
        try:
            yield
        except psycopg.Error as exc:
            raise write_error(self.target, exc) from exc

    def _meta(self, conn: psycopg.Connection, key: str) -> str | None:
        row = conn.execute(
            f'SELECT value FROM "{self.schema}".meta WHERE key = %s', (key,)
        ).fetchone()
        return None if row is None else str(row[0])

    def _read_generation(self) -> int:
        with self._reading() as conn:
            return int(self._meta(conn, "generation") or 0)

    def refresh(self) -> bool:
        """Follow a writer's publish (the manifest too); True when the index changed."""
        with self._reading() as conn:
            if self._depth > 0:
                return False  # a snapshot keeps its state
            generation = int(self._meta(conn, "generation") or 0)
            if generation == self._generation:
                return False
            text = self._meta(conn, "manifest")
            if text is not None:
                self.manifest = Manifest.from_json(text)
            self._generation = generation
            self._count = None
            return True

    @property
    def complete(self) -> bool:
        """False while a long build is between checkpoints (the next run finishes it)."""
        with self._reading() as conn:
            return self._meta(conn, "complete") != "0"

    def vector_index(self) -> dict[str, object]:
        """The vector index parameters recorded with the index (``meta.vector_index``)."""
        with self._reading() as conn:
            return dict(json.loads(self._meta(conn, "vector_index") or "{}"))

    def check(self, deep: bool = True) -> list[AskcorpusError]:
        """Problems found in one snapshot (empty when healthy); never raises."""
        try:
            with self.snapshot(), self._reading() as conn:
                return store_check.problems(
                    conn, self.schema, self.where, self.manifest.dimension, deep
                )
        except AskcorpusError as exc:
            return [exc]

    def document_states(self) -> dict[str, DocState]:
        """Every indexed document's state, keyed by source."""
        with self._reading() as conn:
            return store_read.document_states(conn, self.schema)

    def _passage_count(self, conn: psycopg.Connection) -> int:
        row = conn.execute(f'SELECT passages FROM "{self.schema}".totals').fetchone()
        return int(row[0]) if row else 0

    def search_vectors(
        self, query: np.ndarray, k: int, where: PassageFilter | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` nearest passages by inner product (among those ``where`` lets through)."""
        if query.shape[-1] != self.manifest.dimension:
            raise IndexMismatchError(
                f"index {self.target.url} holds {self.manifest.dimension}-dimensional vectors "
                f"but the question was encoded with {query.shape[-1]}",
                self.where,
                REBUILD,
            )
        extra, params = conditions(where)
        with self._reading() as conn:
            if self._count is None or self._depth > 0:
                self._count = self._passage_count(conn)
            exact = self._count <= self.exact_limit
        sql = vectors.nearest_sql(self.schema, exact, extra)
        values = {"q": vectors.literal(query), "k": k, **params}
        if exact:  # one statement: atomic on its own, no transaction to open
            with self._reading() as conn:
                rows = conn.execute(sql, values).fetchall()
        else:
            with self.snapshot(), self._reading() as conn:
                for statement in vectors.settings_sql(exact, k):
                    conn.execute(statement)
                rows = conn.execute(sql, values).fetchall()
        return [(int(i), float(s)) for i, s in rows]

    def search_lexical(
        self, query: KeywordQuery, k: int, where: PassageFilter | None = None
    ) -> list[tuple[int, float]]:
        """BM25 matches of ``query`` (FTS5's formula, exact statistics), best first."""
        parts = lexical.clauses(query)
        if not parts or k <= 0:
            return []
        extra, params = conditions(where)
        with self.snapshot(), self._reading() as conn:
            return keyword.search(conn, self.schema, parts, k, extra, params)

    def match_count(self, query: KeywordQuery, cap: int) -> int:
        """Passages matching ``query``, counted up to ``cap`` (nothing ranked)."""
        parts = lexical.clauses(query)
        if not parts or cap <= 0:
            return 0
        with self.snapshot(), self._reading() as conn:
            return keyword.match_count(conn, self.schema, parts, cap)

    def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        """Passages by id (missing ids are left out), verified."""
        with self._reading() as conn:
            return store_read.passages(conn, self.schema, self.where, ids)

    def passage_vectors(self, ids: Sequence[int]) -> np.ndarray:
        """The stored vectors of passages ``ids`` (in that order)."""
        with self._reading() as conn:
            return store_read.passage_vectors(
                conn, self.schema, self.where, self.manifest.dimension, ids
            )

    def document(self, source: str) -> Document | None:
        """A stored document with its extracted text (verified), or None."""
        with self._reading() as conn:
            return store_read.document(conn, self.schema, self.where, source)

    def document_passages(self, source: str) -> list[tuple[int, int, int]]:
        """A document's passages as (id, start, end), in order."""
        with self._reading() as conn:
            return store_read.document_passages(conn, self.schema, source)

    def skipped(self) -> list[SkippedFile]:
        """Files the last indexing run could not use."""
        with self._reading() as conn:
            return store_read.skipped(conn, self.schema)

    def label(self, key: str) -> str | None:
        """A tool's note kept with the index (``meta`` key ``label:<key>``), or None."""
        with self._reading() as conn:
            return self._meta(conn, f"label:{key}")

    def stats(self) -> StoreStats:
        """Counts, size on the server and completeness, of one committed state."""
        s = f'"{self.schema}"'
        with self.snapshot(), self._reading() as conn:
            row = conn.execute(
                f"SELECT (SELECT count(*) FROM {s}.documents), (SELECT count(*) FROM {s}.passages), "
                f"(SELECT count(*) FROM {s}.skipped), (SELECT coalesce(sum("
                f"pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON "
                f"n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r')",
                (self.schema,),
            ).fetchone()
            docs, passages, skipped, size = (int(x) for x in row) if row else (0, 0, 0, 0)
            languages = tuple(
                (str(code), int(n))
                for code, n in conn.execute(
                    f"SELECT language, count(*) FROM {s}.documents WHERE language IS NOT NULL "
                    "GROUP BY language ORDER BY count(*) DESC, language"
                ).fetchall()
            )
            kind = "exact" if passages <= self.exact_limit else "hnsw"
            complete = self.complete
        # Vectors live in the passage rows (NOT NULL): there is one per passage by construction.
        return StoreStats(
            docs, passages, passages, skipped, size, f"pgvector {kind}", complete, languages
        )

    def writer(self, lock: HeldLock | None = None) -> PostgresWriter:
        """Start an atomic update; takes the writer lock unless the caller holds it."""
        from askcorpus.store.postgres.writer import PostgresWriter

        return PostgresWriter(self, lock)

    def published(self, manifest: Manifest, generation: int) -> None:
        """A writer of this store committed ``generation`` with ``manifest``."""
        with self._lock:
            self._count = None
            if self._depth == 0:
                self.manifest = manifest

    def close(self) -> None:
        """Close the connection."""
        with self._lock, contextlib.suppress(psycopg.Error):
            self._conn.close()


def lexical_line(exc: BaseException) -> str:
    """The driver's message on one line."""
    return " ".join(str(exc).split())[:200]
