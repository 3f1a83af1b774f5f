"""The keyword side on PostgreSQL ranks as FTS5 does: the same matches with the same BM25
scores as the local store on the same passages (FTS5's formula, exact statistics kept by the
writer, also after documents are replaced and removed), and PassageFilter narrows both sides
inside retrieval as its docstring says."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from askcorpus.records import KeywordQuery, PassageFilter
from askcorpus.store.base import Store
from askcorpus.store.factory import locate
from askcorpus.text.query import keyword_query, pair_query
from tests.store.conformance.conftest import make_document, manifest, unit_vectors

CORPUS = {
    "reports/harbour.txt": [
        "The harbour ledgers record every ship that docked in the winter of 1871.",
        "Copper and grain were the main cargo of the river barges; the ledgers list copper twice.",
        "Ships, shipping and shippers: the harbour master's records of the ships.",
    ],
    "reports/minister.txt": [
        "The Chinese Foreign Minister visited Moscow in May.",
        "A minister of trade met the foreign press; the Chinese delegation left early.",
    ],
    "notes/garden.txt": [
        "Roses and tulips filled the garden behind the old library.",
        "Café owners on the square served coffee to the gardeners, naïvely.",
        "The library's garden: roses, more roses, and the gardeners' ideological disputes.",
    ],
    "notes/cargo.md": ["Cargo manifests of copper, grain and coal from the harbour."],
}
QUESTIONS = [
    "Which ledger records the docked ships?",
    "copper cargo of the barges",
    "Chinese Foreign Minister",
    '"foreign press" delegation',
    "roses garden library",
    "cafe coffee naive",
    "the harbour",
    "ideology of gardeners",
    "shipping records 1871",
    "the harbour-master's ledgers of copper",  # a word of two tokens: a phrase among words
]


def fill(store: Store) -> None:
    with store.writer() as w:
        for seed, (source, texts) in enumerate(sorted(CORPUS.items())):
            w.add_document(*make_document(source, texts, seed=seed))
        w.add_document(*make_document("gone.txt", ["copper roses ships harbour"], seed=9))
        w.commit()
    with store.writer() as w:  # statistics must follow replacements and removals exactly
        w.remove_document("gone.txt")
        source, texts = "notes/cargo.md", CORPUS["notes/cargo.md"]
        w.add_document(*make_document(source, texts, seed=3, version="2"))
        w.commit()


@pytest.fixture
def both(tmp_path: Path, pg_url: str) -> tuple[Store, Store]:
    stores = []
    for spec in (str(tmp_path / "index"), pg_url):
        store = locate(spec).create(manifest())
        fill(store)
        stores.append(store)
    yield stores[0], stores[1]
    for s in stores:
        s.close()


def by_place(store: Store, hits: list[tuple[int, float]]) -> list[tuple[str, int, float]]:
    found = store.passages([i for i, _ in hits])
    return sorted((found[i].source, found[i].start, s) for i, s in hits)


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_same_matches_with_the_same_bm25_as_fts5(
    both: tuple[Store, Store], question: str
) -> None:
    local, pg = both
    for query in (keyword_query(question), pair_query(question)):
        want = local.search_lexical(query, 100)
        got = pg.search_lexical(query, 100)
        mine, theirs = by_place(pg, got), by_place(local, want)
        assert [(a, b) for a, b, _ in mine] == [(a, b) for a, b, _ in theirs]
        assert [c for _, _, c in mine] == pytest.approx([c for _, _, c in theirs], rel=1e-9)
        assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)


def test_statistics_stay_exact_and_check_catches_their_drift(both: tuple[Store, Store]) -> None:
    _local, pg = both
    assert pg.check(deep=True) == []
    conn = pg._conn  # type: ignore[attr-defined]  # the backend's own test may reach in
    conn.execute(f"UPDATE \"{pg.schema}\".terms SET df = df + 1 WHERE term = 'copper'")  # type: ignore[attr-defined]
    problems = pg.check(deep=True)
    assert problems and "keyword statistics" in problems[0].user_message()


def _ids(store: Store, hits: list[tuple[int, float]]) -> list[tuple[str, int]]:
    found = store.passages([i for i, _ in hits])
    return [(found[i].source, found[i].start) for i, _ in hits]


def _expected_vector_hits(
    store: Store, query: np.ndarray, k: int, keep: set[tuple[str, int]]
) -> list[tuple[str, int]]:
    states = store.document_states()
    ids = [i for s in states for i, _a, _b in store.document_passages(s)]
    found = store.passages(ids)
    vecs = store.passage_vectors(ids)
    order = np.argsort(-(vecs @ query), kind="stable")
    places = [(found[ids[j]].source, found[ids[j]].start) for j in order]
    return [p for p in places if p in keep][:k]


def test_a_filter_narrows_both_sides_inside_retrieval(pg_url: str) -> None:
    store = locate(pg_url).create(manifest())
    try:
        with store.writer() as w:
            for seed, (source, texts) in enumerate(sorted(CORPUS.items())):
                doc, passages, vectors = make_document(source, texts, seed=seed)
                date = {"reports": "2024-03-01", "notes": "2023-06-15"}[source.split("/")[0]]
                lang = "en" if source.endswith(".txt") else None
                kind = "markdown" if source.endswith(".md") else "text"
                doc = type(doc)(**{**_fields(doc), "date": date, "language": lang, "kind": kind})
                w.add_document(doc, passages, vectors)
            w.add_document(*make_document("reportsx.txt", ["copper in a sibling folder"], seed=8))
            w.commit()
        copper = KeywordQuery((("copper",),))
        everything = len(store.search_lexical(copper, 100))
        assert everything == 3
        cases = {
            PassageFilter(folder="reports"): {"reports/harbour.txt"},
            PassageFilter(kinds=frozenset({"markdown"})): {"notes/cargo.md"},
            PassageFilter(after="2024-01-01"): {"reports/harbour.txt"},
            PassageFilter(before="2024-01-01"): {"notes/cargo.md"},
            PassageFilter(languages=frozenset({"en"})): {"reports/harbour.txt"},
            PassageFilter(exclude_sources=frozenset({"reports/harbour.txt"})): {
                "notes/cargo.md",
                "reportsx.txt",
            },
            PassageFilter(required=(("river", "barges"),)): {"reports/harbour.txt"},
            PassageFilter(excluded=(("grain",),)): {"reportsx.txt"},
        }
        for where, sources in cases.items():
            hits = store.search_lexical(copper, 100, where)
            assert {s for s, _ in _ids(store, hits)} == sources, where
        # The vector side: the k nearest among the passages the filter lets through, even when
        # none of them is among the k nearest overall.
        query = unit_vectors(1, seed=77)[0]
        for where in (PassageFilter(folder="notes"), PassageFilter(excluded=(("roses",),))):
            keep = {(s, a) for s, a in _ids(store, store.search_vectors(query, 100, where))}
            got = _ids(store, store.search_vectors(query, 2, where))
            assert got == _expected_vector_hits(store, query, 2, keep)
            assert len(got) == 2
        notes = {
            (s, a)
            for s, a in _ids(store, store.search_vectors(query, 100, PassageFilter(folder="notes")))
        }
        assert {s for s, _ in notes} == {"notes/garden.txt", "notes/cargo.md"}
        no_roses = _ids(
            store, store.search_vectors(query, 100, PassageFilter(excluded=(("roses",),)))
        )
        assert len(no_roses) == 9 - 2 + 1  # every passage but the two with roses
    finally:
        store.close()


def _fields(doc: object) -> dict[str, object]:
    from dataclasses import fields

    return {f.name: getattr(doc, f.name) for f in fields(doc)}  # type: ignore[arg-type]
