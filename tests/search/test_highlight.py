"""Choosing the answering sentence and the matched terms."""

from __future__ import annotations

from askcorpus.search.highlight import best_sentence, headings, matched_terms, sentence_texts
from askcorpus.text.sentences import sentence_spans as _spans

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


SIBERIA = (
    "Газопровод «Сила Сибири»\n\n"
    "В мае 2014 года «Газпром» и CNPC подписали контракт. "
    "Поставки по трубопроводу начались в декабре 2019 года.\n"
)


def test_a_heading_is_a_heading_and_a_sentence_is_not() -> None:
    assert headings(SIBERIA, _spans(SIBERIA)) == frozenset({0})
    # A line ending in a mark, a last line, a sentence ending mid-line: not headings.
    text = "Who signed?\nThe deal was signed\nin May. Then\nnothing"
    assert headings(text, _spans(text)) == frozenset(
        i for i, (a, b) in enumerate(_spans(text)) if text[a:b] == "The deal was signed"
    )


def test_a_heading_never_wins_a_tie_with_a_sentence() -> None:
    # A question sharing no word with the text (asked in another language): the title, closest
    # in meaning, is passed over for the sentences; the similarities decide between those.
    sims = [0.9, 0.3, 0.6]
    a, b = best_sentence("When did gas start flowing?", SIBERIA, 0, sims)
    assert SIBERIA[a:b].startswith("Поставки")
    # A heading sharing more of the question's words than any sentence still wins.
    text = "Power of Siberia pipeline\n\nThe contract was signed in 2014. It runs east.\n"
    a, b = best_sentence("Power of Siberia pipeline?", text)
    assert text[a:b] == "Power of Siberia pipeline"
