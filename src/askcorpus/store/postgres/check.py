"""``askcorpus status`` for the PostgreSQL store: problems found in one snapshot, as typed
errors naming the index and the fix (the server guards its pages; these checks guard what
askcorpus keeps in them).

Always: every vector has the manifest's dimension. Deep: every row's checksum, and the keyword
statistics (``terms``, ``totals``) and the ``postings`` equal what the passages hold, so BM25
stays exact.
"""

from __future__ import annotations

from pathlib import Path

import psycopg

from askcorpus.errors import AskcorpusError, IndexCorruptError
from askcorpus.store.base import REBUILD
from askcorpus.store.checksum import document_checksum, passage_checksum
from askcorpus.store.decode import damaged_row


def problems(
    conn: psycopg.Connection, s: str, where: Path, dimension: int, deep: bool
) -> list[AskcorpusError]:
    """What is wrong with the index (empty when healthy)."""
    found: list[AskcorpusError] = []
    row = conn.execute(
        f'SELECT count(*) FROM "{s}".passages WHERE vector_dims(embedding) <> %s', (dimension,)
    ).fetchone()
    if row is not None and row[0]:
        found.append(
            IndexCorruptError(
                f"index {where} holds {row[0]} vectors that are not {dimension}-dimensional",
                where,
                REBUILD,
            )
        )
    if not deep:
        return found
    for r in conn.execute(
        f"SELECT source, title, kind, page_starts, sections, ocr_pages, date, language, text, "
        f'checksum FROM "{s}".documents'
    ):
        if document_checksum(*r[:9]) != r[9]:
            found.append(damaged_row(where, r[0]))
    for r in conn.execute(
        f'SELECT d.source, d.title, p.start, p."end", p.paragraph, p.page, p.section, '
        f'substr(d.text, p.start + 1, p."end" - p.start), p.checksum, p.id '
        f'FROM "{s}".passages p JOIN "{s}".documents d ON d.id = p.doc_id'
    ):
        if passage_checksum(*r[:8]) != r[8]:
            found.append(damaged_row(where, f"passage {r[9]} of {r[0]}"))
    drift = conn.execute(
        f"""WITH actual AS (
                SELECT term, count(*)::integer AS df
                FROM "{s}".passages, unnest(tsvector_to_array(tsv)) AS term GROUP BY term)
            SELECT count(*) FROM (
                (SELECT * FROM actual EXCEPT SELECT * FROM "{s}".terms WHERE df > 0)
                UNION ALL
                (SELECT * FROM "{s}".terms WHERE df > 0 EXCEPT SELECT * FROM actual)) x"""
    ).fetchone()
    postings = conn.execute(
        f"""WITH actual AS (
                SELECT term, p.id AS passage, p.length
                FROM "{s}".passages p, unnest(tsvector_to_array(p.tsv)) AS term)
            SELECT count(*) FROM (
                (SELECT * FROM actual EXCEPT SELECT term, passage, length FROM "{s}".postings
                    WHERE tf > 0)
                UNION ALL
                (SELECT term, passage, length FROM "{s}".postings EXCEPT SELECT * FROM actual)) x"""
    ).fetchone()
    totals = conn.execute(
        f'SELECT t.passages = (SELECT count(*) FROM "{s}".passages) AND t.tokens = '
        f'(SELECT coalesce(sum(length), 0) FROM "{s}".passages) FROM "{s}".totals t'
    ).fetchone()
    drifted = any(r is not None and r[0] for r in (drift, postings))
    if drifted or totals is None or not totals[0]:
        found.append(
            IndexCorruptError(
                f"index {where}: its keyword statistics do not match its passages", where, REBUILD
            )
        )
    return found
