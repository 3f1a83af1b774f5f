"""Highlighting on demand (issue #18): a search highlights its first hits only, and a hit
highlighted later (``Index.highlight``, ``MultiIndex.highlight``) gets exactly the answering
sentence and matched terms the search would have given it."""

from __future__ import annotations

from pathlib import Path

import pytest

from askcorpus.embed.embedder import Embedder
from askcorpus.indexer.update import update_index
from askcorpus.records import SearchResult
from askcorpus.search.index import Index
from askcorpus.search.multi import MultiIndex
from askcorpus.search.present import HIGHLIGHT_HITS
from askcorpus.settings import Settings
from tests.conftest import TEST_CACHE

QUESTIONS = [
    "When was the pipeline agreement signed?",
    "hired soldiers",
    "the Power of Siberia pipeline",
    "what did the delegation visit",
]


@pytest.fixture(scope="module")
def index(shipped_index: Settings, embedder: Embedder):
    idx = Index.open(shipped_index.index_dir, shipped_index, embedder)
    yield idx
    idx.close()


def _eager(index: Index | MultiIndex, question: str, k: int, mode: str) -> SearchResult:
    return index.search(question, k, mode, highlight=k)


@pytest.mark.parametrize("mode", ["hybrid", "keyword"])
def test_lazily_highlighted_hits_equal_eagerly_highlighted_ones(index: Index, mode: str) -> None:
    for question in QUESTIONS:
        index.tie_break.sentences.clear()
        eager = _eager(index, question, 60, mode)
        # Keyword search finds only passages holding a word of the question: fewer hits.
        assert len(eager.hits) > (HIGHLIGHT_HITS if mode == "hybrid" else 0)
        assert all(h.highlighted for h in eager.hits)
        index.tie_break.sentences.clear()
        lazy = index.search(question, 60, mode, highlight=0)
        assert not any(h.highlighted or h.highlight or h.matched_terms for h in lazy.hits)
        # Another question in between: the lazy step must not use its vector.
        index.search("tulips in autumn", 5, mode)
        index.tie_break.sentences.clear()
        part = index.highlight(lazy, 3, 17)
        assert [h.highlighted for h in part.hits] == [3 <= i < 17 for i in range(len(lazy.hits))]
        assert part.hits[3:17] == eager.hits[3:17]
        whole = index.highlight(part, 0, None)
        assert whole.hits == eager.hits, (question, mode)
        assert whole.highlighting is None  # nothing left to do
        assert index.highlight(whole, 0, 5) == whole


def test_a_search_highlights_its_first_hits_only(index: Index) -> None:
    result = index.search(QUESTIONS[0], 40)
    flags = [h.highlighted for h in result.hits]
    assert flags == [i < HIGHLIGHT_HITS for i in range(len(result.hits))]
    assert any(h.highlight for h in result.hits[:HIGHLIGHT_HITS])
    assert all(h.highlight is None and h.matched_terms == () for h in result.hits[HIGHLIGHT_HITS:])
    eager = _eager(index, QUESTIONS[0], 40, "hybrid")
    # Everything but the highlighting is the same, and the first hits are highlighted alike.
    assert result.hits[:HIGHLIGHT_HITS] == eager.hits[:HIGHLIGHT_HITS]
    assert [(h.passage_id, h.start, h.end, h.score) for h in result.hits] == [
        (h.passage_id, h.start, h.end, h.score) for h in eager.hits
    ]


def test_several_indexes_highlight_lazily_as_eagerly(
    index: Index, embedder: Embedder, tmp_path: Path
) -> None:
    corpus = tmp_path / "garden"
    corpus.mkdir()
    (corpus / "roses.txt").write_text(
        "Roses need six hours of sun. Water them once a week.\n\n"
        "Prune the roses in early spring. The pipeline of buds swells then."
    )
    other = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", cache_dir=TEST_CACHE)
    update_index(other, embedder)
    multi = MultiIndex([index, Index.open(other.index_dir, other, embedder)])
    try:
        corpora = set()
        for question in QUESTIONS:
            eager = _eager(multi, question, 30, "hybrid")
            corpora.update(h.corpus for h in eager.hits)
            lazy = multi.search(question, 30, highlight=0)
            assert multi.highlight(multi.highlight(lazy, 10, 20), 0, None).hits == eager.hits
        assert len(corpora) == 2  # both indexes gave hits
    finally:
        multi.indexes[1].close()


def test_sentence_vectors_reused_from_the_cache_change_nothing(index: Index) -> None:
    """The top hit's sentence vectors are cached per sentence (a text's vector does not depend
    on what it is encoded with): a search from a warm cache equals one from a cold cache."""
    used = 0
    # Vague questions leave several sentences tied on shared terms: the tie-break runs.
    for question in [*QUESTIONS, "what will happen next?", "why does it matter so much?"]:
        index.tie_break.sentences.clear()
        cold = index.search(question, 12)
        used += len(index.tie_break.sentences)
        assert index.search(question, 12) == cold, question
    assert used > 0  # some top hit needed the tie-break
