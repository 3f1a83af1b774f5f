"""Conformance: vector search (nearest by inner product) and keyword search with the match
queries the search side builds (:func:`askcorpus.text.query.keyword_query` and
:func:`~askcorpus.text.query.pair_query`: an ``OR`` of terms and phrases)."""

from __future__ import annotations

import numpy as np
import pytest

from askcorpus.errors import IndexMismatchError
from askcorpus.records import KeywordQuery
from askcorpus.store.base import Store
from askcorpus.text.query import keyword_query, pair_query

from .conftest import DIM, make_document, unit_vectors

TEXTS = {
    "harbour.txt": [
        "The harbour ledgers record every ship that docked in the winter of 1871.",
        "Copper and grain were the main cargo of the river barges.",
    ],
    "minister.txt": [
        "The Chinese Foreign Minister visited Moscow in May.",
        "A minister of trade met the foreign press; the Chinese delegation left early.",
    ],
    "garden.txt": [
        "Roses and tulips filled the garden behind the old library.",
        "Café owners on the square served coffee to the gardeners.",
    ],
}


@pytest.fixture
def filled(store: Store) -> Store:
    with store.writer() as w:
        for seed, (source, texts) in enumerate(sorted(TEXTS.items())):
            w.add_document(*make_document(source, texts, seed=seed))
        w.commit()
    return store


def source_of(store: Store, hits: list[tuple[int, float]]) -> list[str]:
    found = store.passages([i for i, _ in hits])
    return [found[i].source for i, _ in hits]


def all_ids(store: Store) -> list[int]:
    return [i for s in store.document_states() for i, _a, _b in store.document_passages(s)]


def test_vector_search_is_exact_nearest_by_inner_product(store: Store) -> None:
    with store.writer() as w:
        for n in range(6):
            w.add_document(*make_document(f"d{n}.txt", [f"p{k}" for k in range(7)], seed=n))
        w.commit()
    ids = all_ids(store)
    vectors = store.passage_vectors(ids)
    for query in unit_vectors(10, seed=99):
        scores = vectors @ query
        order = np.argsort(-scores, kind="stable")[:5]
        got = store.search_vectors(query[None, :], 5)
        assert [i for i, _ in got] == [ids[j] for j in order]
        np.testing.assert_allclose([s for _, s in got], scores[order], atol=1e-5)


def test_vector_search_returns_at_most_what_is_there(store: Store) -> None:
    query = unit_vectors(1, seed=3)
    assert store.search_vectors(query, 5) == []
    with store.writer() as w:
        w.add_document(*make_document("a.txt", ["one", "two"], seed=4))
        w.commit()
    hits = store.search_vectors(query, 50)
    assert len(hits) == 2
    assert hits[0][1] >= hits[1][1]


def test_vector_search_refuses_a_query_of_another_dimension(filled: Store) -> None:
    with pytest.raises(IndexMismatchError):
        filled.search_vectors(np.ones((1, DIM + 1), np.float32), 3)


def test_keyword_search_finds_stemmed_case_folded_terms_best_first(filled: Store) -> None:
    hits = filled.search_lexical(keyword_query("Which ledger records the docked ships?"), 10)
    assert hits, "no keyword hit"
    assert source_of(filled, hits)[0] == "harbour.txt"
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)  # higher is better, best first
    only_copper = filled.search_lexical(keyword_query("COPPER"), 10)
    assert source_of(filled, only_copper) == ["harbour.txt"]


def test_keyword_search_ranks_by_term_rarity_and_count(filled: Store) -> None:
    """BM25: the passage holding more of the question's terms ranks first."""
    hits = filled.search_lexical(keyword_query("Roses tulips library"), 10)
    found = filled.passages([i for i, _ in hits])
    assert found[hits[0][0]].text.startswith("Roses and tulips")


def test_russian_words_match_their_inflections_and_chinese_words_inside_longer_runs(
    store: Store,
) -> None:
    # The keyword body is folded before the store's tokenizer (askcorpus.text.fold): Russian
    # words to their stems, CJK runs to character bigrams; the query words arrive folded.
    with store.writer() as w:
        w.add_document(*make_document("ru.txt", ["Поставки газа по газопроводу начались."], seed=1))
        w.add_document(*make_document("zh.txt", ["两国之间第一座公路大桥连接了黑河市。"], seed=2))
        w.add_document(*make_document("en.txt", ["The bridge carries coal and iron ore."], seed=3))
        w.commit()
    assert source_of(store, store.search_lexical(keyword_query("газопровода"), 5)) == ["ru.txt"]
    assert source_of(store, store.search_lexical(keyword_query("公路大桥"), 5)) == ["zh.txt"]
    assert source_of(store, store.search_lexical(keyword_query("黑河"), 5)) == ["zh.txt"]


def test_keyword_search_folds_diacritics(filled: Store) -> None:
    assert source_of(filled, filled.search_lexical(keyword_query("cafe"), 5)) == ["garden.txt"]


def test_a_phrase_matches_only_words_side_by_side(filled: Store) -> None:
    """``pair_query`` sends pairs as phrases: "chinese foreign" stands together in one passage."""
    expression = pair_query("Chinese Foreign Minister")
    assert expression
    hits = filled.search_lexical(expression, 10)
    texts = [filled.passages([i])[i].text for i, _ in hits]
    assert texts == [TEXTS["minister.txt"][0]]
    both = filled.search_lexical(keyword_query("Chinese minister"), 10)
    assert len(both) == 2  # the words alone are in both passages


def test_a_quoted_phrase_of_the_question_ranks_its_passage_first(filled: Store) -> None:
    hits = filled.search_lexical(keyword_query('"foreign press"'), 10)
    found = filled.passages([i for i, _ in hits])
    assert found[hits[0][0]].text == TEXTS["minister.txt"][1]


def test_k_limits_the_keyword_hits(filled: Store) -> None:
    assert len(filled.search_lexical(keyword_query("the chinese minister garden"), 2)) == 2


@pytest.mark.parametrize(
    "clauses", [(), (("",),), (('"unbalanced',),), (("and", "or"),), (("nothingmatchesthis",),)]
)
def test_an_empty_or_unmatched_query_finds_nothing(
    filled: Store, clauses: tuple[tuple[str, ...], ...]
) -> None:
    assert filled.search_lexical(KeywordQuery(clauses), 5) == []


@pytest.mark.parametrize(
    "question",
    ["the", "chinese minister", "café", "gardener", '"foreign press"', "nothingmatchesthis", ""],
)
def test_match_count_is_the_number_of_matches_up_to_the_cap(filled: Store, question: str) -> None:
    """``match_count`` counts what ``search_lexical`` finds, without ranking it."""
    query = keyword_query(question)
    every = len(filled.search_lexical(query, len(all_ids(filled))))
    for cap in (1, 2, 100):
        assert filled.match_count(query, cap) == min(every, cap)
    assert filled.match_count(query, 0) == 0
