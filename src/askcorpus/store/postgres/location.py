"""An index on a PostgreSQL server as a :class:`~askcorpus.store.base.StoreLocation`:
``postgresql://user@host:port/database?schema=name`` (one index per schema).

``exists`` and ``open`` read the schema's ``meta`` table; ``create`` makes the tables in one
transaction (an index already there is refused); ``reset`` drops askcorpus's own tables and the
schema when nothing else is left in it; ``lock`` is the advisory writer lock. An index on a
server never lies inside a corpus folder.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import psycopg

from askcorpus.errors import (
    IndexCorruptError,
    IndexLocationError,
    IndexMismatchError,
    IndexMissingError,
)
from askcorpus.settings import SCHEMA_VERSION
from askcorpus.store.base import REBUILD, Manifest
from askcorpus.store.postgres import schema as tables
from askcorpus.store.postgres.connection import Target, access_error, connect, write_error
from askcorpus.store.postgres.lock import AdvisoryLock
from askcorpus.store.postgres.store import EXACT_LIMIT, PostgresStore


@dataclass(frozen=True, slots=True)
class PostgresLocation:
    """One schema of a PostgreSQL database (see the module docstring). ``exact_limit``: up to
    how many passages vector search is exact (:data:`~askcorpus.store.postgres.store.EXACT_LIMIT`)."""

    url: str
    exact_limit: int = EXACT_LIMIT

    @property
    def target(self) -> Target:
        return Target.parse(self.url)

    @property
    def where(self) -> Path:
        """The URL (without credentials): what messages name."""
        return self.target.where

    def _has_index(self, conn: psycopg.Connection, target: Target) -> bool:
        row = conn.execute("SELECT to_regclass(%s)", (f'"{target.schema}".meta',)).fetchone()
        return row is not None and row[0] is not None

    def exists(self) -> bool:
        """True when the schema holds an index."""
        target = self.target
        with connect(target) as conn:
            try:
                return self._has_index(conn, target)
            except psycopg.Error as exc:
                raise access_error(target, exc) from exc

    def open(self, verify: bool | None = None) -> PostgresStore:
        """Open the index (typed errors when it is missing, unreadable or of another schema
        version); ``verify`` adds the row checks of ``askcorpus status``."""
        target = self.target
        conn = connect(target)
        try:
            try:
                if not self._has_index(conn, target):
                    raise IndexMissingError(
                        f"no index at {target.url}", target.where, "run `askcorpus index`"
                    )
                row = conn.execute(
                    f'SELECT value FROM "{target.schema}".meta WHERE key = %s', ("manifest",)
                ).fetchone()
                layout = conn.execute(
                    f'SELECT value FROM "{target.schema}".meta WHERE key = %s', ("layout",)
                ).fetchone()
                found = layout[0] if layout else "1"
                unfolded_other = found == tables.UNFOLDED_LAYOUT and _holds_other_languages(
                    conn, target.schema
                )
            except psycopg.Error as exc:
                raise access_error(target, exc) from exc
            try:
                manifest = Manifest.from_json(row[0] if row else "")
            except (KeyError, ValueError, TypeError) as exc:
                raise IndexCorruptError(
                    f"index {target.url} has no readable manifest", target.where, REBUILD
                ) from exc
            if manifest.schema_version != SCHEMA_VERSION:
                raise IndexMismatchError(
                    f"index {target.url} has schema version {manifest.schema_version}, this "
                    f"askcorpus reads version {SCHEMA_VERSION}",
                    target.where,
                    REBUILD,
                )
            if unfolded_other:
                raise IndexMismatchError(
                    f"index {target.url} was written before the server folded Russian and "
                    "Chinese words for keyword search (layout 2), and holds documents in "
                    "other languages than English: their words would match only as written",
                    target.where,
                    REBUILD,
                )
            if found not in (tables.LAYOUT, tables.UNFOLDED_LAYOUT):
                raise IndexMismatchError(
                    f"index {target.url} has table layout {found}, this "
                    f"askcorpus reads layout {tables.LAYOUT}",
                    target.where,
                    REBUILD,
                )
            store = PostgresStore(target, conn, manifest, self.exact_limit)
        except BaseException:
            conn.close()
            raise
        if verify:
            problems = store.check(deep=True)
            if problems:
                store.close()
                raise problems[0]
        return store

    def create(self, manifest: Manifest) -> PostgresStore:
        """Create an empty index in the schema, in one transaction (there must not be one)."""
        target = self.target
        with connect(target, "writer", autocommit=False) as conn:
            try:
                if self._has_index(conn, target):
                    raise IndexLocationError(
                        f"schema {target.schema} of {target.url} already holds an index",
                        target.where,
                        REBUILD,
                    )
                tables.create(conn, target.schema, manifest, self.exact_limit)
                conn.commit()
            except psycopg.Error as exc:
                raise write_error(target, exc, "create the index") from exc
        return self.open()

    def lock(self) -> AdvisoryLock:
        """The index's writer lock (a session-level advisory lock)."""
        return AdvisoryLock(self.target)

    def reset(self) -> None:
        """Drop the index's tables (only askcorpus's own); the caller holds the lock."""
        target = self.target
        with connect(target, "writer", autocommit=False) as conn:
            try:
                tables.drop(conn, target.schema)
                conn.commit()
            except psycopg.Error as exc:
                with contextlib.suppress(psycopg.Error):
                    conn.rollback()
                raise write_error(target, exc, "reset the index") from exc

    def check_placement(self, corpus: Path) -> bool:
        """Any schema may hold an index; it never lies inside a corpus folder."""
        return False


def _holds_other_languages(conn: psycopg.Connection, schema: str) -> bool:
    """Whether an index holds a document detected in another language than English."""
    row = conn.execute(
        f'SELECT 1 FROM "{schema}".documents '
        "WHERE language IS NOT NULL AND language <> 'en' LIMIT 1"
    ).fetchone()
    return row is not None
