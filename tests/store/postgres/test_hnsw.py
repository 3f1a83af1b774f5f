"""Above its exact limit the PostgreSQL store searches through the HNSW index: nearly the exact
nearest (recall measured against the stored vectors), and under a filter still ``k`` passages
that pass it (pgvector's iterative scan, or the exact scan the planner prefers for a selective
filter), never fewer by dropping hits afterwards."""

from __future__ import annotations

import numpy as np

from askcorpus.records import PassageFilter
from askcorpus.store.postgres.location import PostgresLocation
from tests.store.conformance.conftest import make_document, manifest, unit_vectors


def test_hnsw_search_is_near_exact_and_a_filter_still_gives_k(pg_url: str) -> None:
    location = PostgresLocation(pg_url, exact_limit=50)
    store = location.create(manifest())
    try:
        with store.writer() as w:
            for n in range(40):
                folder = "rare" if n < 2 else "common"
                w.add_document(
                    *make_document(f"{folder}/d{n}.txt", [f"p{k}" for k in range(10)], seed=n)
                )
            w.commit()
        assert store.stats().vector_index == "pgvector hnsw"
        states = store.document_states()
        ids = [i for s in states for i, _a, _b in store.document_passages(s)]
        vectors = store.passage_vectors(ids)
        found = store.passages(ids)
        recall = []
        for query in unit_vectors(20, seed=123):
            exact = {ids[j] for j in np.argsort(-(vectors @ query))[:10]}
            got = store.search_vectors(query[None, :], 10)
            recall.append(len(exact & {i for i, _ in got}) / 10)
            rare = store.search_vectors(query[None, :], 10, PassageFilter(folder="rare"))
            assert len(rare) == 10
            assert {found[i].source.split("/")[0] for i, _ in rare} == {"rare"}
        assert np.mean(recall) >= 0.9
    finally:
        store.close()
