"""The tables of one index, all in its own schema, and the HNSW parameters recorded with it.

``meta``       the manifest (JSON), the generation (bumped by every publish: what ``refresh``
               follows), ``complete`` (0 between a long build's checkpoints), the vector index
               parameters (``vector_index``, JSON)
``documents``  one row per document with its extracted text and a CRC-32 (as the local store)
``passages``   offsets, page, section, checksum, the keyword entry (``tsv``: the passage's
               folded tokens with their positions, :mod:`askcorpus.store.postgres.lexical`), its
               token count and its vector (``vector(dimension)``, HNSW index, inner product;
               stored inline, ``STORAGE PLAIN``, so an exact scan never reads the TOAST table)
``postings``   the keyword index: one row per (token, passage) with the token's count and the
               passage's length, keyed by token (a word's matches are one index range, its
               BM25 is summed in SQL without reading a ``tsvector``)
``terms``      keyword statistics: each token's document frequency, kept exact by the writer
``totals``     passage and token counts (BM25's N and average length)
``skipped``    the files the last run could not use

Schema version: the manifest's (``Manifest.schema_version``), and this backend's own layout
(``meta.layout``, :data:`LAYOUT`): an index of an older layout is refused with the rebuild hint
(layout 2 only when it holds documents in other languages than English, :data:`UNFOLDED_LAYOUT`).
"""

from __future__ import annotations

import json

import psycopg

from askcorpus.store.base import Manifest

#: The HNSW index on the vectors (pgvector's defaults, written down so they are recorded).
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
#: Candidates an approximate search considers (pgvector's default is 40).
HNSW_EF_SEARCH = 100
#: Tables askcorpus makes in an index's schema (what a reset drops, nothing else).
TABLES = ("postings", "passages", "documents", "terms", "totals", "skipped", "meta")
#: This backend's table layout (``meta.layout``): 2 added ``postings`` and inline vectors; 3
#: folds the keyword body as the local store does (Russian stems, CJK bigrams).
LAYOUT = "3"
#: The layout before 3, still read where it holds no document in another language than English
#: (folding leaves Latin text as it is, so those rows are what layout 3 writes); the writer's
#: next publish stamps such an index with :data:`LAYOUT`.
UNFOLDED_LAYOUT = "2"


def vector_index_params(exact_limit: int) -> dict[str, object]:
    """What ``meta.vector_index`` records about the vector index."""
    return {
        "kind": "hnsw",
        "opclass": "vector_ip_ops",
        "m": HNSW_M,
        "ef_construction": HNSW_EF_CONSTRUCTION,
        "ef_search": HNSW_EF_SEARCH,
        "exact_below": exact_limit,
    }


def ddl(schema: str, dimension: int) -> list[str]:
    """The statements creating an empty index in ``schema`` (a validated plain name)."""
    s = f'"{schema}"'
    return [
        f"CREATE SCHEMA IF NOT EXISTS {s}",
        f"CREATE TABLE {s}.meta (key text PRIMARY KEY, value text NOT NULL)",
        f"""CREATE TABLE {s}.documents (
            id bigserial PRIMARY KEY, source text NOT NULL UNIQUE, title text NOT NULL,
            kind text NOT NULL, content_hash text NOT NULL, size bigint NOT NULL,
            mtime double precision NOT NULL, text text NOT NULL, page_starts text NOT NULL,
            sections text NOT NULL, ocr_pages text NOT NULL, date text, language text,
            checksum bigint NOT NULL)""",
        f"""CREATE TABLE {s}.passages (
            id bigserial PRIMARY KEY,
            doc_id bigint NOT NULL REFERENCES {s}.documents (id) ON DELETE CASCADE,
            ordinal integer NOT NULL, start integer NOT NULL, "end" integer NOT NULL,
            paragraph integer NOT NULL, page integer, section text, checksum bigint NOT NULL,
            length integer NOT NULL, tsv tsvector NOT NULL,
            embedding vector({int(dimension)}) NOT NULL)""",
        f"ALTER TABLE {s}.passages ALTER COLUMN embedding SET STORAGE PLAIN",
        f"CREATE INDEX passages_doc ON {s}.passages (doc_id, ordinal)",
        f"""CREATE TABLE {s}.postings (term text NOT NULL, passage bigint NOT NULL,
            tf integer NOT NULL, length integer NOT NULL,
            PRIMARY KEY (term, passage) INCLUDE (tf, length))""",
        f"CREATE INDEX passages_embedding ON {s}.passages USING hnsw (embedding vector_ip_ops) "
        f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})",
        f"CREATE TABLE {s}.terms (term text PRIMARY KEY, df integer NOT NULL)",
        f"""CREATE TABLE {s}.totals (one boolean PRIMARY KEY DEFAULT true CHECK (one),
            passages bigint NOT NULL, tokens bigint NOT NULL)""",
        f"INSERT INTO {s}.totals VALUES (true, 0, 0)",
        f"CREATE TABLE {s}.skipped (source text PRIMARY KEY, reason text NOT NULL)",
    ]


def create(conn: psycopg.Connection, schema: str, manifest: Manifest, exact_limit: int) -> None:
    """Create the index in ``schema`` inside the caller's transaction."""
    for statement in ddl(schema, manifest.dimension):
        conn.execute(statement)
    conn.execute(
        f'INSERT INTO "{schema}".meta VALUES (%s, %s), (%s, %s), (%s, %s), (%s, %s), (%s, %s)',
        (
            "layout",
            LAYOUT,
            "manifest",
            manifest.to_json(),
            "generation",
            "0",
            "complete",
            "1",
            "vector_index",
            json.dumps(vector_index_params(exact_limit), sort_keys=True),
        ),
    )


def drop(conn: psycopg.Connection, schema: str) -> None:
    """Drop askcorpus's tables from ``schema``, then the schema if nothing else is
    left in it (inside the caller's transaction)."""
    s = f'"{schema}"'
    for table in TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {s}.{table} CASCADE")
    left = conn.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s",
        (schema,),
    ).fetchone()
    if left is not None and left[0] == 0:
        conn.execute(f"DROP SCHEMA IF EXISTS {s}")
