"""Choosing the answering sentence and the matched terms."""

from __future__ import annotations

from askcorpus.search.highlight import best_sentence, matched_terms, sentence_texts

PASSAGE = (
    "Talks dragged on for a decade. The deal was signed in May 2014 in Shanghai. "
    "Deliveries were due to start in 2018."
)


def test_best_sentence_by_term_overlap_in_document_offsets() -> None:
    a, b = best_sentence("When was the deal signed?", PASSAGE, offset=100)
    assert PASSAGE[a - 100 : b - 100] == "The deal was signed in May 2014 in Shanghai."


def test_stemming_matches_inflections() -> None:
    assert matched_terms("signing deals delivered", PASSAGE) == ("signing", "deals", "delivered")
    a, b = best_sentence("When do deliveries start?", PASSAGE)
    assert PASSAGE[a:b].startswith("Deliveries")


def test_similarities_choose_a_paraphrased_answer() -> None:
    sentences = sentence_texts(PASSAGE)
    assert len(sentences) == 3
    # No term of the question occurs in the passage: only similarity can decide.
    a, b = best_sentence("How long were the negotiations?", PASSAGE, 0, [0.7, 0.2, 0.3])
    assert PASSAGE[a:b] == "Talks dragged on for a decade."
    a, b = best_sentence("How long were the negotiations?", PASSAGE, 0, [0.1, 0.2, 0.6])
    assert PASSAGE[a:b] == "Deliveries were due to start in 2018."


def test_no_sentence_for_empty_text() -> None:
    assert best_sentence("anything", "   ") is None


def test_british_and_american_spellings_match() -> None:
    text = "China's Defense Minister visited Moscow. The centre of power moved."
    assert matched_terms("defence minister center", text) == ("defence", "minister", "center")
    a, b = best_sentence("Where is the center of power?", text)
    assert text[a:b] == "The centre of power moved."
