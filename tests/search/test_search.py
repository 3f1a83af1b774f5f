"""The Python search API on the shipped corpus: fusion, presentation-ready hits, 'not here'."""

from __future__ import annotations

from pathlib import Path

import pytest

from askcorpus.embed.embedder import Embedder
from askcorpus.errors import QueryError
from askcorpus.indexer.update import update_index
from askcorpus.search.index import Index
from askcorpus.settings import Settings
from askcorpus.text.query import keyword_query


def test_hits_are_typed_exact_and_ranked(index: Index) -> None:
    result = index.search("What is the Power of Siberia pipeline?", 5)
    assert len(result.hits) == 5
    assert [h.rank for h in result.hits] == [1, 2, 3, 4, 5]
    assert [h.score for h in result.hits] == sorted((h.score for h in result.hits), reverse=True)
    top = result.hits[0]
    assert top.source == "toward-a-more-perfect-alliance.txt"
    assert "Power of Siberia" in top.text
    assert "siberia" in top.matched_terms and top.via in {"both", "keyword"}
    for h in result.hits:
        assert index.document(h.source).text[h.start : h.end] == h.text
        assert h.start <= h.highlight[0] < h.highlight[1] <= h.end


def test_keyword_side_finds_an_exact_rare_token(index: Index) -> None:
    # "C+C5" is a format name the embedding model has no notion of; BM25 finds it exactly.
    top = index.search("What is C+C5?", 3).hits[0]
    assert top.source == "clay-alliance.txt" and "C+C5" in top.text
    assert top.lexical_rank == 1 and top.via in {"both", "keyword"}


def test_keyword_side_finds_an_exact_number(index: Index) -> None:
    # Two overlapping passages hold the number; the embedding decides which of them leads.
    top = index.search("the $400 billion agreement", 3).hits[0]
    assert "$400 billion" in top.text and top.lexical_rank in (1, 2)
    assert "$400 billion" in index.search("the $400 billion agreement", 1, "keyword").hits[0].text


def test_dense_side_finds_a_paraphrase_with_no_shared_word(index: Index) -> None:
    # No passage contains "mercenaries"; the answer says "hired private military contractors".
    # The int8 encoder scores it within 0.001 of another passage, so it may come second.
    hits = index.search("mercenaries", 3).hits
    assert any("private military contractors" in h.text for h in hits[:2])
    for h in hits:
        assert h.via == "dense" and h.lexical_rank is None and h.matched_terms == ()


def test_highlight_is_the_answering_sentence(index: Index) -> None:
    cases = {
        "How much was the gas contract between Gazprom and the Chinese state company worth?": (
            "$400 billion"
        ),
        "When is the Power of Siberia pipeline expected to be ready?": "ready to open in 2019",
        "Where did Soviet and Chinese forces confront each other in 1969?": "Zhenbao Island",
    }
    for question, answer in cases.items():
        top = index.search(question, 3).hits[0]
        doc = index.document(top.source).text
        a, b = top.highlight
        assert top.start <= a < b <= top.end
        assert answer in doc[a:b], (question, doc[a:b])
        assert b - a < len(top.text), "the highlight is a sentence, not the whole passage"


def test_no_overlapping_or_adjacent_hits_of_one_document(index: Index) -> None:
    for question in ["Russia China alliance", "energy gas pipeline deal", "Central Asia influence"]:
        hits = index.search(question, 10).hits
        for i, a in enumerate(hits):
            doc = index.document(a.source).text
            assert doc[a.start : a.end] == a.text
            for b in hits[i + 1 :]:
                if a.source != b.source:
                    continue
                lo, hi = sorted([(a.start, a.end), (b.start, b.end)])
                assert lo[1] < hi[0], "overlapping hits"
                assert doc[lo[1] : hi[0]].strip(), "adjacent hits should have been merged"


def test_quoted_phrase_counts(index: Index) -> None:
    top = index.search('"marriage of convenience"', 3).hits[0]
    assert "marriage of convenience" in top.text


def test_off_topic_question_is_not_answer_likely(index: Index) -> None:
    off = index.search("What is the boiling point of mercury?", 3)
    assert off.answer_likely is False
    assert len(off.hits) == 3, "the closest passages are still listed"
    on = index.search("Why is a Moscow-Beijing axis unlikely?", 3)
    assert on.answer_likely is True


def test_modes_agree_on_an_easy_question(index: Index) -> None:
    for mode in ("hybrid", "rrf", "dense", "keyword"):
        top = index.search("Zhenbao Island clash in 1969", 1, mode).hits[0]
        assert top.source == "why-a-moscow-beijing-axis-is-unlikely.txt", mode
    with pytest.raises(QueryError):
        index.search("anything", 1, "magic")


def test_empty_question_is_a_query_error(index: Index) -> None:
    with pytest.raises(QueryError):
        index.search("   \x00  ", 3)


def test_huge_question_is_truncated_with_a_note(index: Index) -> None:
    result = index.search("gas deal " * 100_000 + "🙂 مرحبا", 2)
    assert result.note and "truncated" in result.note
    assert len(result.hits) == 2


def test_british_question_finds_american_spelling_on_the_keyword_side(index: Index) -> None:
    # The text says "defense cooperation"; a British reader types "defence".
    top = index.search("Should defence cooperation grow?", 3, "keyword").hits[0]
    assert top.source == "toward-a-more-perfect-alliance.txt"
    assert "defense cooperation" in top.text
    assert top.matched_terms == ("defence", "cooperation", "grow")


def test_words_standing_together_as_in_the_question_rank_first(
    tmp_path: Path, embedder: Embedder
) -> None:
    scattered = (
        "The minister of trade met a foreign delegation. Chinese exporters asked the minister "
        "about trade. Chinese officials were present."
    )
    together = "Yesterday the Chinese foreign minister arrived in Moscow for a long visit."
    fillers = [
        "Grain harvests rose in the south this year.",
        "Railways carried more coal in winter.",
        "The river froze early in November.",
        "Energy prices fell after the storm.",
        "A new bridge opened to traffic.",
        "Schools closed for the holiday.",
    ]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "scattered.txt").write_text(scattered, encoding="utf-8")
    (corpus / "together.txt").write_text(together, encoding="utf-8")
    for n, text in enumerate(fillers):
        (corpus / f"filler{n}.txt").write_text(text, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    update_index(settings, embedder)
    question = "What did the Chinese foreign minister say?"
    idx = Index.open(settings.index_dir, settings, embedder)
    try:
        # The words alone favour the passage that repeats them ...
        words_only = idx.store.search_lexical(keyword_query(question), 5)
        first = idx.store.passages([words_only[0][0]])[words_only[0][0]]
        assert first.source == "scattered.txt"
        # ... the pair "Chinese foreign" + "foreign minister" puts the real answer first.
        assert idx.search(question, 2, "keyword").hits[0].source == "together.txt"
        assert idx.search(question, 2, "hybrid").hits[0].source == "together.txt"
    finally:
        idx.close()
