"""The sentence-level candidates for "not in this corpus" (bench/absence_sentences.py) read
what they claim: key terms together in one sentence or two neighbours, and the kind of token
a question's form asks for."""

from __future__ import annotations

import pytest

from askcorpus.text.query import query_terms
from bench.absence_sentences import EXTRA, answer_kind, sentence_evidence

SPLIT = (
    "Kissinger spoke to The Economist about the alliance. "
    "Nobody else was there. "
    "Taiwan was not discussed at the meeting in Moscow."
)
TOGETHER = "Kissinger spoke to The Economist about Taiwan and the alliance."


def _evidence(question: str, text: str) -> dict[str, float]:
    values = sentence_evidence(query_terms(question), question, [("", text)])
    return dict(zip(EXTRA, values, strict=True))


def test_key_terms_in_one_sentence_score_higher_than_split_over_sentences() -> None:
    question = "What did Kissinger tell The Economist about Taiwan?"
    together, split = _evidence(question, TOGETHER), _evidence(question, SPLIT)
    assert together["sent_key"] == pytest.approx(1.0)
    assert split["sent_key"] < 0.9
    # The two neighbouring sentences that hold them are two apart here: no window joins them.
    assert split["win_key"] == pytest.approx(split["sent_key"])


def test_a_window_of_two_neighbouring_sentences_joins_key_terms() -> None:
    question = "What did Kissinger tell The Economist about Taiwan?"
    text = "Kissinger spoke to The Economist. Taiwan came up at once."
    ev = _evidence(question, text)
    assert ev["sent_key"] < 0.9
    assert ev["win_key"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many strategic partnerships has China signed?", "number"),
        ("What share of the trade is settled in yuan?", "number"),
        ("When was the SCO founded?", "date"),
        ("In what year did Gabuev start at Kommersant?", "date"),
        ("Who leads the programme at Carnegie?", "person"),
        ("Where did the forum take place?", "place"),
        ("What did Lavrov say?", None),
    ],
)
def test_the_kind_of_answer_a_question_form_asks_for(question: str, kind: str | None) -> None:
    assert answer_kind(question) == kind


def test_a_number_question_is_missing_its_type_unless_the_sentence_has_a_new_number() -> None:
    question = "How many military bases has China opened in Africa since 2010?"
    without = "China opened military bases in Africa in 2010, experts say."
    with_number = "China opened 12 military bases in Africa in 2010, experts say."
    assert _evidence(question, without)["type_missing"] == 1.0
    assert _evidence(question, with_number)["type_missing"] == 0.0
    assert _evidence("What did China open in Africa?", without)["type_asked"] == 0.0
