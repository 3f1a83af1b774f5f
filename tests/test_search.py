"""The Python search API on the shipped corpus."""

from __future__ import annotations

import pytest

from askcorpus.embedding import Embedder
from askcorpus.errors import QueryError
from askcorpus.search import Index
from askcorpus.settings import Settings


@pytest.fixture()
def index(shipped_index: Settings, embedder: Embedder):
    idx = Index.open(shipped_index.index_dir, shipped_index, embedder)
    yield idx
    idx.close()


def test_hits_are_typed_exact_and_ranked(index: Index) -> None:
    result = index.search("What is the Power of Siberia pipeline?", 5)
    assert len(result.hits) == 5
    assert [h.rank for h in result.hits] == [1, 2, 3, 4, 5]
    top = result.hits[0]
    assert top.source == "toward-a-more-perfect-alliance.txt"
    assert "Power of Siberia" in top.text
    assert "siberia" in top.matched_terms and top.via in {"both", "keyword"}
    for h in result.hits:
        assert index.document(h.source).text[h.start : h.end] == h.text
        assert h.start <= h.highlight[0] < h.highlight[1] <= h.end


def test_no_near_duplicate_passages(index: Index) -> None:
    hits = index.search("Russia China alliance", 10).hits
    for i, a in enumerate(hits):
        for b in hits[i + 1 :]:
            assert not (a.source == b.source and a.start < b.end and b.start < a.end)


def test_exact_keyword_side_finds_rare_terms(index: Index) -> None:
    hits = index.search("Tasseography", 3).hits
    assert hits[0].source == "clay-alliance.txt" and "Tasseography" in hits[0].text


def test_empty_question_is_a_query_error(index: Index) -> None:
    with pytest.raises(QueryError):
        index.search("   \x00  ", 3)


def test_huge_question_is_truncated_with_a_note(index: Index) -> None:
    result = index.search("gas deal " * 100_000 + "🙂 مرحبا", 2)
    assert result.note and "truncated" in result.note
    assert len(result.hits) == 2
