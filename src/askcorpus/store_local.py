"""The embedded store: SQLite (documents, passages, keyword index, manifest) plus a FAISS file.

Layout of an index folder::

    askcorpus.sqlite3        documents with their extracted text, passages (offsets and vectors),
                             an FTS5 keyword index, the manifest and the current generation
    vectors-<gen>.faiss      the vector index of generation <gen> (ids are passage ids)
    writer.lock              present while an update runs (holds the writer's pid)

Updates are atomic: the new FAISS file is written under a new generation number first, then one
SQLite transaction commits the rows together with that number. A crash before the commit leaves
the old generation in force (the orphan file is removed on the next update); after it, the new.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from askcorpus.errors import IndexCorruptError, IndexMissingError, IndexWriteError
from askcorpus.records import Document, Passage, Section, SkippedFile
from askcorpus.store import DocState, Manifest, StoredPassage, StoreStats
from askcorpus.store_lock import WriterLock
from askcorpus.vector_index import VectorIndex

log = logging.getLogger(__name__)

DB_NAME = "askcorpus.sqlite3"
REBUILD = "run `askcorpus index --rebuild`"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    text TEXT NOT NULL,
    page_starts TEXT NOT NULL,
    sections TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY,
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,
    page INTEGER,
    section TEXT,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id, ordinal);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    body, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS skipped (source TEXT PRIMARY KEY, reason TEXT NOT NULL);
"""


def now_iso() -> str:
    """The current UTC time, ISO 8601, for manifests."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


class LocalStore:
    """FAISS + SQLite index in one folder (see module docstring)."""

    def __init__(self, folder: Path, conn: sqlite3.Connection, manifest: Manifest):
        self.folder = folder
        self.manifest = manifest
        self._conn = conn
        self._lock = threading.RLock()
        self._vectors: VectorIndex | None = None
        self._generation = -1

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def exists(cls, folder: Path) -> bool:
        """True when ``folder`` holds an index database."""
        return (folder / DB_NAME).is_file()

    @classmethod
    def open(cls, folder: Path) -> LocalStore:
        """Open an existing index; raises a typed error when missing or damaged."""
        db = folder / DB_NAME
        if not db.is_file():
            raise IndexMissingError(f"no index at {folder}", folder, "run `askcorpus index`")
        try:
            conn = _connect(db)
            rows = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            manifest = Manifest.from_json(rows["manifest"])
        except (sqlite3.DatabaseError, KeyError, ValueError, TypeError) as exc:
            raise IndexCorruptError(
                f"index database {db} is damaged or not an askcorpus index ({exc})", db, REBUILD
            ) from exc
        store = cls(folder, conn, manifest)
        store._load_vectors()
        return store

    @classmethod
    def create(cls, folder: Path, manifest: Manifest) -> LocalStore:
        """Create an empty index in ``folder`` (which must not hold one)."""
        try:
            folder.mkdir(parents=True, exist_ok=True)
            conn = _connect(folder / DB_NAME)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(_SCHEMA)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT OR REPLACE INTO meta VALUES ('manifest', ?)", (manifest.to_json(),)
            )
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('generation', '0')")
            conn.execute("COMMIT")
            VectorIndex.empty(manifest.dimension).save(folder / "vectors-0.faiss")
        except (OSError, sqlite3.Error) as exc:
            raise IndexWriteError(f"cannot create an index in {folder}: {exc}", folder) from exc
        return cls.open(folder)

    def _current_generation(self) -> int:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        if row is None:
            raise IndexCorruptError(
                f"index {self.folder} has no generation record", self.folder, REBUILD
            )
        return int(row[0])

    def _load_vectors(self) -> None:
        with self._lock:
            generation = self._current_generation()
            if generation == self._generation and self._vectors is not None:
                return
            path = self.folder / f"vectors-{generation}.faiss"
            self._vectors = VectorIndex.load(path, self.manifest.dimension)
            self._generation = generation
            count = self._conn.execute("SELECT count(*) FROM passages").fetchone()[0]
            if self._vectors.ntotal != count:
                raise IndexCorruptError(
                    f"vector file {path} holds {self._vectors.ntotal} vectors but the database "
                    f"has {count} passages",
                    path,
                    REBUILD,
                )

    def refresh(self) -> bool:
        """Pick up a newer generation written by another process; True if it changed."""
        before = self._generation
        self._load_vectors()
        return self._generation != before

    # -- reading -------------------------------------------------------------------------------
    def document_states(self) -> dict[str, DocState]:
        """Every indexed document's state, keyed by source."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT d.source, d.content_hash, d.size, d.mtime, count(p.id) FROM documents d "
                "LEFT JOIN passages p ON p.doc_id = d.id GROUP BY d.id"
            ).fetchall()
        return {r[0]: DocState(r[0], r[1], r[2], r[3], r[4]) for r in rows}

    def search_vectors(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest passages by inner product, best first."""
        with self._lock:
            vectors = self._vectors
        if vectors is None or vectors.ntotal == 0:
            return []
        return vectors.search(query, k)

    def search_lexical(self, match: str, k: int) -> list[tuple[int, float]]:
        """FTS5 BM25 matches for an FTS5 ``match`` expression, best first (score = -bm25)."""
        if not match:
            return []
        with self._lock:
            try:
                rows = self._conn.execute(
                    "SELECT rowid, -bm25(passages_fts) AS s FROM passages_fts "
                    "WHERE passages_fts MATCH ? ORDER BY s DESC LIMIT ?",
                    (match, k),
                ).fetchall()
            except sqlite3.OperationalError:
                log.debug("FTS query failed: %r", match, exc_info=True)
                return []
        return [(int(r[0]), float(r[1])) for r in rows]

    def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        """Passages by id, with their exact text sliced from the stored document text."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = self._conn.execute(
                f'SELECT p.id, d.source, d.title, p.start, p."end", '
                f'substr(d.text, p.start + 1, p."end" - p.start), p.paragraph, p.page, p.section '
                f"FROM passages p JOIN documents d ON d.id = p.doc_id WHERE p.id IN ({marks})",
                list(ids),
            ).fetchall()
        return {r[0]: StoredPassage(*r) for r in rows}

    def passage_vectors(self, ids: Sequence[int]) -> np.ndarray:
        """The stored vectors of passages ``ids`` (in that order)."""
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = dict(
                self._conn.execute(
                    f"SELECT id, vector FROM passages WHERE id IN ({marks})", list(ids)
                ).fetchall()
            )
        return np.stack([np.frombuffer(rows[i], dtype=np.float32) for i in ids])

    def document(self, source: str) -> Document | None:
        """A stored document, with the exact text that was indexed."""
        with self._lock:
            row = self._conn.execute(
                "SELECT source, title, text, content_hash, size, mtime, kind, page_starts, "
                "sections FROM documents WHERE source = ?",
                (source,),
            ).fetchone()
        if row is None:
            return None
        return Document(
            source=row[0],
            path=Path(row[0]),
            title=row[1],
            text=row[2],
            content_hash=row[3],
            size=row[4],
            mtime=row[5],
            kind=row[6],
            page_starts=tuple(json.loads(row[7])),
            sections=tuple(Section(s, t) for s, t in json.loads(row[8])),
        )

    def document_passages(self, source: str) -> list[tuple[int, int, int]]:
        """``(id, start, end)`` of every passage of a document, in order."""
        with self._lock:
            return self._conn.execute(
                'SELECT p.id, p.start, p."end" FROM passages p JOIN documents d ON '
                "d.id = p.doc_id WHERE d.source = ? ORDER BY p.ordinal",
                (source,),
            ).fetchall()

    def neighbours(self, passage_id: int) -> tuple[int | None, int | None]:
        """Ids of the previous and next passages of the same document."""
        with self._lock:
            row = self._conn.execute(
                "SELECT doc_id, ordinal FROM passages WHERE id = ?", (passage_id,)
            ).fetchone()
            if row is None:
                return None, None
            prev = self._conn.execute(
                "SELECT id FROM passages WHERE doc_id = ? AND ordinal < ? ORDER BY ordinal DESC "
                "LIMIT 1",
                row,
            ).fetchone()
            nxt = self._conn.execute(
                "SELECT id FROM passages WHERE doc_id = ? AND ordinal > ? ORDER BY ordinal LIMIT 1",
                row,
            ).fetchone()
        return (prev[0] if prev else None, nxt[0] if nxt else None)

    def skipped(self) -> list[SkippedFile]:
        """Files the last indexing run could not use."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT source, reason FROM skipped ORDER BY source"
            ).fetchall()
        return [SkippedFile(*r) for r in rows]

    def stats(self) -> StoreStats:
        """Counts, size on disk and consistency."""
        with self._lock:
            docs = self._conn.execute("SELECT count(*) FROM documents").fetchone()[0]
            passages = self._conn.execute("SELECT count(*) FROM passages").fetchone()[0]
            skipped = self._conn.execute("SELECT count(*) FROM skipped").fetchone()[0]
            vectors = self._vectors.ntotal if self._vectors else 0
            kind = self._vectors.kind if self._vectors else "none"
        size = sum(p.stat().st_size for p in self.folder.iterdir() if p.is_file())
        return StoreStats(docs, passages, vectors, skipped, size, kind)

    def writer(self) -> LocalWriter:
        """Start an atomic update (takes the writer lock)."""
        return LocalWriter(self)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()
            self._vectors = None


class LocalWriter:
    """An update of a :class:`LocalStore`, invisible to readers until :meth:`commit`."""

    def __init__(self, store: LocalStore):
        self.store = store
        self.lock = WriterLock(store.folder)
        self.lock.acquire()
        try:
            self._conn = _connect(store.folder / DB_NAME)
            self._conn.execute("BEGIN IMMEDIATE")
            self._generation = int(
                self._conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0]
            )
            path = store.folder / f"vectors-{self._generation}.faiss"
            self._vectors = VectorIndex.load(path, store.manifest.dimension)
        except BaseException:
            self.lock.release()
            raise
        self._done = False

    def _doc_id(self, source: str) -> int | None:
        row = self._conn.execute("SELECT id FROM documents WHERE source = ?", (source,)).fetchone()
        return row[0] if row else None

    def remove_document(self, source: str) -> int:
        """Drop a document with its passages, vectors and keyword entries."""
        doc_id = self._doc_id(source)
        if doc_id is None:
            return 0
        ids = [
            r[0] for r in self._conn.execute("SELECT id FROM passages WHERE doc_id=?", (doc_id,))
        ]
        if ids:
            self._vectors.remove(ids)
            self._conn.executemany("DELETE FROM passages_fts WHERE rowid = ?", [(i,) for i in ids])
        self._conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        return len(ids)

    def add_document(
        self, document: Document, passages: Sequence[Passage], vectors: np.ndarray
    ) -> None:
        """Insert (or replace) a document with its passages and their vectors."""
        self.remove_document(document.source)
        cur = self._conn.execute(
            "INSERT INTO documents (source, title, kind, content_hash, size, mtime, text, "
            "page_starts, sections) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                document.source,
                document.title,
                document.kind,
                document.content_hash,
                document.size,
                document.mtime,
                document.text,
                json.dumps(list(document.page_starts)),
                json.dumps([[s.start, s.title] for s in document.sections]),
            ),
        )
        doc_id = cur.lastrowid
        ids = []
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        for p, vec in zip(passages, vectors, strict=True):
            cur = self._conn.execute(
                'INSERT INTO passages (doc_id, ordinal, start, "end", paragraph, page, section, '
                "vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (doc_id, p.ordinal, p.start, p.end, p.paragraph, p.page, p.section, vec.tobytes()),
            )
            ids.append(cur.lastrowid)
            self._conn.execute(
                "INSERT INTO passages_fts (rowid, body) VALUES (?, ?)",
                (cur.lastrowid, p.search_text),
            )
        if ids:
            self._vectors.add(np.asarray(ids, dtype=np.int64), vectors)

    def touch_document(self, source: str, mtime: float) -> None:
        """Record a new mtime for an unchanged document."""
        self._conn.execute("UPDATE documents SET mtime = ? WHERE source = ?", (mtime, source))

    def set_manifest(self, manifest: Manifest) -> None:
        """Replace the manifest (a rebuild with other settings)."""
        self._conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'manifest'", (manifest.to_json(),)
        )
        self.store.manifest = manifest

    def set_skipped(self, skipped: Sequence[SkippedFile]) -> None:
        """Replace the skipped-files report."""
        self._conn.execute("DELETE FROM skipped")
        self._conn.executemany(
            "INSERT OR REPLACE INTO skipped VALUES (?, ?)", [(s.source, s.reason) for s in skipped]
        )

    def commit(self) -> None:
        """Write the new vector file, then commit the rows and the new generation at once."""
        folder = self.store.folder
        new_gen = self._generation + 1
        path = folder / f"vectors-{new_gen}.faiss"
        try:
            self._vectors.save(path)
            manifest = json.loads(
                self._conn.execute("SELECT value FROM meta WHERE key='manifest'").fetchone()[0]
            )
            manifest["updated"] = now_iso()
            self._conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'manifest'",
                (json.dumps(manifest, sort_keys=True),),
            )
            self._conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'generation'", (str(new_gen),)
            )
            self._conn.execute("COMMIT")
        except (OSError, sqlite3.Error) as exc:
            self.rollback()
            path.unlink(missing_ok=True)
            raise IndexWriteError(
                f"cannot write the index in {folder}: {exc}; the previous index is intact", folder
            ) from exc
        self._done = True
        self._conn.close()
        self._cleanup(new_gen)
        self.lock.release()
        self.store.refresh()

    def _cleanup(self, keep: int) -> None:
        for old in self.store.folder.glob("vectors-*.faiss*"):
            if old.name != f"vectors-{keep}.faiss":
                old.unlink(missing_ok=True)

    def rollback(self) -> None:
        """Abandon the update."""
        if self._done:
            return
        self._done = True
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("ROLLBACK")
        self._conn.close()
        self.lock.release()

    def __enter__(self) -> LocalWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if not self._done:
            self.rollback()
