"""Writing a :class:`~askcorpus.store.postgres.store.PostgresStore`: one writer (the advisory
lock), each publish one transaction.

A :class:`PostgresWriter` holds the lock and a connection of its own with one open
transaction: rows, vectors and postings change inside it, the keyword statistics (``terms``,
``totals``) once per publish, in the same transaction (incrementally: by the changes counted
since the last publish, never recomputed), and the HNSW index follows within it. A publish stamps
the manifest's ``updated``, bumps ``generation``, sets ``complete`` and commits. Nothing is
visible to readers before; a SIGKILL, a dropped connection or a rollback leaves the last
committed state. :meth:`~PostgresWriter.checkpoint` commits with ``complete = 0`` and goes on in
a new transaction, as the local store does.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import psycopg

from askcorpus.records import Document, Passage, SkippedFile
from askcorpus.store.base import Manifest, now_iso
from askcorpus.store.base import WriterLock as HeldLock
from askcorpus.store.checksum import document_checksum, passage_checksum
from askcorpus.store.postgres import lexical, vectors
from askcorpus.store.postgres.connection import connect, write_error
from askcorpus.store.postgres.lock import AdvisoryLock
from askcorpus.store.postgres.schema import LAYOUT
from askcorpus.text.fold import keyword_text

if TYPE_CHECKING:
    from askcorpus.store.postgres.store import PostgresStore

#: An update that added or removed at least this share of the index's passages is followed
#: by VACUUM ANALYZE (:meth:`PostgresWriter.commit`).
VACUUM_SHARE = 0.1


class PostgresWriter:
    """An update of a :class:`PostgresStore`, invisible to readers until published."""

    def __init__(self, store: PostgresStore, lock: HeldLock | None = None):
        self.store = store
        self.s = f'"{store.schema}"'
        self.checkpoints = 0
        # The keyword statistics' changes since the last publish (applied by it).
        self._df: Counter[str] = Counter()
        self._passages = self._tokens = 0
        self._changed = 0  # passages added or removed by this update (all its publishes)
        self._done = False
        self._conn: psycopg.Connection | None = None
        self._own_lock = AdvisoryLock(store.target) if lock is None else None
        if self._own_lock is not None:
            self._own_lock.acquire()
        try:
            self._conn = connect(store.target, "writer", autocommit=False)
        except BaseException:
            self._abandon()
            raise

    @property
    def conn(self) -> psycopg.Connection:
        """The write transaction's connection."""
        if self._conn is None or self._done:
            raise RuntimeError("this index update has ended")
        return self._conn

    def _run(
        self, doing: str, sql: str, params: Sequence[object] | Mapping[str, object] | None = None
    ) -> psycopg.Cursor[tuple[Any, ...]]:
        """Run one statement of the update; a failure ends it (IndexWriteError, old state kept)."""
        try:
            return self.conn.execute(sql, params)
        except psycopg.Error as exc:
            self.rollback()
            raise write_error(self.store.target, exc, doing) from exc

    def remove_document(self, source: str) -> int:
        """Drop a document with its passages, vectors and keyword statistics."""
        s = self.s
        row = self._run(
            "remove a document", f"SELECT id FROM {s}.documents WHERE source = %s", (source,)
        ).fetchone()
        if row is None:
            return 0
        doc_id = row[0]
        # The postings go first, found by their keys (token, passage) from each passage's
        # tsvector: the table has no index on the passage alone, and needs none.
        gone = self._run(
            "remove a document",
            f"""DELETE FROM {s}.postings po USING (
                    SELECT p.id, t.term FROM {s}.passages p,
                        unnest(tsvector_to_array(p.tsv)) AS t(term) WHERE p.doc_id = %s) x
                WHERE po.term = x.term AND po.passage = x.id RETURNING po.term""",
            (doc_id,),
        ).fetchall()
        self._df.subtract(Counter(str(t) for (t,) in gone))
        row = self._run(
            "remove a document",
            f"SELECT count(*), coalesce(sum(length), 0) FROM {s}.passages WHERE doc_id = %s",
            (doc_id,),
        ).fetchone()
        removed, tokens = (int(row[0]), int(row[1])) if row else (0, 0)
        self._passages -= removed
        self._changed += removed
        self._tokens -= tokens
        self._run("remove a document", f"DELETE FROM {s}.documents WHERE id = %s", (doc_id,))
        return removed

    def add_document(
        self, document: Document, passages: Sequence[Passage], vectors_: np.ndarray
    ) -> None:
        """Insert (or replace) a document with its passages and their vectors."""
        self.remove_document(document.source)
        s, d = self.s, document
        page_starts = json.dumps(list(d.page_starts))
        sections = json.dumps([[x.start, x.title] for x in d.sections])
        ocr_pages = json.dumps(list(d.ocr_pages))
        check = document_checksum(
            d.source, d.title, d.kind, page_starts, sections, ocr_pages, d.date, d.language, d.text
        )
        row = self._run(
            "add a document",
            f"INSERT INTO {s}.documents (source, title, kind, content_hash, size, mtime, text, "
            "page_starts, sections, ocr_pages, date, language, checksum) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (d.source, d.title, d.kind, d.content_hash, d.size, d.mtime, d.text, page_starts,
             sections, ocr_pages, d.date, d.language, check),
        ).fetchone()  # fmt: skip
        if row is None or not passages:
            return
        doc_id = row[0]
        # The keyword body folded as the local store folds it (Russian stems, CJK bigrams):
        # queries arrive folded (askcorpus.text.fold), so both stores match the same words.
        stems = [lexical.tokens(keyword_text(p.search_text)) for p in passages]
        ids = [
            int(i)
            for (i,) in self._run(
                "add a document",
                f"SELECT nextval('{s}.passages_id_seq') FROM generate_series(1, %s)",
                (len(passages),),
            ).fetchall()
        ]
        rows = [
            (
                pid, doc_id, p.ordinal, p.start, p.end, p.paragraph, p.page, p.section,
                passage_checksum(
                    d.source, d.title, p.start, p.end, p.paragraph, p.page, p.section,
                    d.text[p.start : p.end],
                ),
                len(st), lexical.tsvector_literal(st), vectors.literal(v),
            )
            for pid, p, st, v in zip(ids, passages, stems, vectors_, strict=True)
        ]  # fmt: skip
        postings = lexical.postings(ids, stems)
        try:
            with self.conn.cursor() as cur:
                cur.executemany(
                    f'INSERT INTO {s}.passages (id, doc_id, ordinal, start, "end", paragraph, '
                    "page, section, checksum, length, tsv, embedding) VALUES "
                    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::tsvector, %s::vector)",
                    rows,
                )
                cur.execute(
                    f"INSERT INTO {s}.postings (term, passage, tf, length) SELECT * FROM "
                    "unnest(%s::text[], %s::bigint[], %s::integer[], %s::integer[])",
                    postings,
                )
        except psycopg.Error as exc:
            self.rollback()
            raise write_error(self.store.target, exc, "add a document") from exc
        self._df.update(lexical.document_frequencies(stems))
        self._passages += len(rows)
        self._changed += len(rows)
        self._tokens += sum(len(st) for st in stems)

    def _flush_statistics(self) -> None:
        """Apply this publish's changes of the keyword statistics, one statement each: a
        statement per document would update the same rows (common words, the totals) again
        and again in one transaction, each time through a longer chain of row versions."""
        s = self.s
        changed = {t: n for t, n in self._df.items() if n}
        if changed:
            self._run(
                "update the keyword statistics",
                f"INSERT INTO {s}.terms (term, df) SELECT * FROM unnest(%s::text[], %s::integer[]) "
                "ON CONFLICT (term) DO UPDATE SET df = terms.df + EXCLUDED.df",
                (list(changed), list(changed.values())),
            )
            fell = [t for t, n in changed.items() if n < 0]
            if fell:
                self._run(
                    "update the keyword statistics",
                    f"DELETE FROM {s}.terms WHERE term = ANY(%s) AND df <= 0",
                    (fell,),
                )
        if self._passages or self._tokens:
            self._run(
                "update the keyword statistics",
                f"UPDATE {s}.totals SET passages = passages + %s, tokens = tokens + %s",
                (self._passages, self._tokens),
            )
        self._df = Counter()
        self._passages = self._tokens = 0

    def touch_document(self, source: str, mtime: float) -> None:
        """Record a new mtime for an unchanged document."""
        self._run(
            "touch a document",
            f"UPDATE {self.s}.documents SET mtime = %s WHERE source = %s",
            (mtime, source),
        )

    def set_manifest(self, manifest: Manifest) -> None:
        """Replace the manifest (published with the update)."""
        self._set_meta("manifest", manifest.to_json())

    def set_skipped(self, skipped: Sequence[SkippedFile]) -> None:
        """Replace the skipped-files report."""
        self._run("record skipped files", f"DELETE FROM {self.s}.skipped")
        if skipped:
            unique = {x.source: x.reason for x in skipped}
            self._run(
                "record skipped files",
                f"INSERT INTO {self.s}.skipped SELECT * FROM unnest(%s::text[], %s::text[])",
                (list(unique), list(unique.values())),
            )

    def set_label(self, key: str, value: str | None) -> None:
        """Record (None: remove) a tool's note, published with the update."""
        if value is None:
            self._run(
                "write a label", f"DELETE FROM {self.s}.meta WHERE key = %s", (f"label:{key}",)
            )
        else:
            self._set_meta(f"label:{key}", value)

    def _set_meta(self, key: str, value: str) -> None:
        self._run(
            "write the manifest",
            f"INSERT INTO {self.s}.meta VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            (key, value),
        )

    def _publish(self, complete: bool) -> None:
        """Stamp, bump the generation and commit the transaction."""
        s = self.s
        self._flush_statistics()
        row = self._run(
            "publish the update", f"SELECT value FROM {s}.meta WHERE key = 'manifest'"
        ).fetchone()
        manifest = json.loads(row[0]) if row else {}
        manifest["updated"] = now_iso()
        text = json.dumps(manifest, sort_keys=True)
        self._set_meta("manifest", text)
        gen = self._run(
            "publish the update",
            f"UPDATE {s}.meta SET value = (value::bigint + 1)::text WHERE key = 'generation' "
            "RETURNING value",
        ).fetchone()
        self._set_meta("complete", "1" if complete else "0")
        # Every row this writer added is folded; an older index it opened held only rows that
        # fold to themselves (location.open refuses the others), so the whole index is now.
        self._set_meta("layout", LAYOUT)
        try:
            self.conn.commit()
        except psycopg.Error as exc:
            self.rollback()
            raise write_error(self.store.target, exc, "publish the update") from exc
        self.store.published(Manifest.from_json(text), int(gen[0]) if gen else 0)

    def checkpoint(self) -> None:
        """Publish what is done so far as an incomplete state and go on."""
        self._publish(complete=False)
        self.checkpoints += 1

    def commit(self) -> None:
        """Publish the update as complete and end it; after a large one (a build), VACUUM
        ANALYZE the keyword and passage tables, as autovacuum would a little later."""
        self._publish(complete=True)
        try:
            if self._changed >= VACUUM_SHARE * max(self._size_after(), 1):
                self._vacuum()
        finally:
            self._abandon()

    def _size_after(self) -> int:
        row = self.conn.execute(f"SELECT passages FROM {self.s}.totals").fetchone()
        self.conn.rollback()  # the read opened a transaction; VACUUM needs none
        return int(row[0]) if row else 0

    def _vacuum(self) -> None:
        """Mark the new rows all-visible (the keyword search then reads the postings' index
        alone, never the table) and give the planner their statistics; best effort, a role
        that may not vacuum leaves it to autovacuum."""
        conn = self.conn
        conn.autocommit = True
        for table in ("postings", "passages"):
            with contextlib.suppress(psycopg.Error):
                conn.execute(f"VACUUM (ANALYZE) {self.s}.{table}")

    def _abandon(self) -> None:
        self._done = True
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
        if self._own_lock is not None:
            self._own_lock.release()

    def rollback(self) -> None:
        """Abandon what was not yet published."""
        if self._done:
            return
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.rollback()
        self._abandon()

    def __enter__(self) -> PostgresWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if not self._done:
            self.rollback()
