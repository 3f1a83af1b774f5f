"""The vector half of the PostgreSQL store: pgvector's inner product (``<#>``), exact below a
size and through the HNSW index above it.

Below ``exact_limit`` passages (as the local store searches FAISS exactly below its own limit)
the ordering expression is written so the planner cannot use the HNSW index: a sequential scan
gives the exact nearest, filtered or not. Above it the HNSW index answers with
``hnsw.ef_search`` candidates and, under a filter, pgvector's iterative scan
(``hnsw.iterative_scan = strict_order``, pgvector >= 0.8) keeps going until ``k`` passages
pass it.
"""

from __future__ import annotations

import numpy as np

from askcorpus.store.postgres.schema import HNSW_EF_SEARCH


def literal(vector: np.ndarray) -> str:
    """The pgvector text of a float32 vector (each float32 round-trips exactly)."""
    return "[" + ",".join(repr(float(x)) for x in np.asarray(vector, np.float32).ravel()) + "]"


def parse(data: bytes, dimension: int) -> np.ndarray | None:
    """A stored vector in pgvector's binary form (``vector_send``: two 16-bit header words, the
    dimension first, then big-endian float32) as float32, or None when it is not of
    ``dimension``."""
    if len(data) != 4 + 4 * dimension or int.from_bytes(data[:2], "big") != dimension:
        return None
    return np.frombuffer(data, ">f4", offset=4).astype(np.float32)


def settings_sql(exact: bool, k: int) -> list[str]:
    """``SET LOCAL`` statements for one approximate search of ``k`` (none for an exact one):
    at least ``k`` candidates (up to pgvector's 1000), and the iterative scan, so a filter or a
    ``k`` above 1000 still gets ``k`` passages."""
    if exact:
        return []
    return [
        f"SET LOCAL hnsw.ef_search = {min(1000, max(HNSW_EF_SEARCH, int(k)))}",
        "SET LOCAL hnsw.iterative_scan = strict_order",
    ]


def nearest_sql(schema: str, exact: bool, where: str) -> str:
    """The ``k`` nearest passages to ``%(q)s`` by inner product (score = the inner product)."""
    s = f'"{schema}"'
    # The HNSW index serves only ``ORDER BY distance LIMIT k``: any other expression (or a
    # tie-break) makes the planner scan, which is exact.
    order = (
        "(p.embedding <#> %(q)s::vector) + 0, p.id" if exact else "p.embedding <#> %(q)s::vector"
    )
    join = f"JOIN {s}.documents d ON d.id = p.doc_id" if where else ""
    return f"""
        SELECT p.id, -(p.embedding <#> %(q)s::vector) AS score FROM {s}.passages p {join}
        WHERE true {where} ORDER BY {order} LIMIT %(k)s"""
