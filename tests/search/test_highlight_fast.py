"""The one-pass highlighter (``read_hit`` + ``pick_sentence``) equals the highlighter it
replaced (reference_highlight_v1.py) on every text: same sentences, overlaps, answering
sentence and matched terms, including scripts whose lower case changes length or context.
The rule added since (a heading loses ties with a sentence) is written plainly in the
reference too, and compared with and without headings."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from askcorpus.search.highlight import (
    Question,
    best_sentence,
    headings,
    matched_terms,
    pick_sentence,
    read_hit,
    sentence_overlaps,
)
from askcorpus.text.sentences import sentence_spans

from . import reference_highlight_v1 as v1

# Words that stem, fold (British/American) and repeat, plus letters whose lower case is longer
# (İ) or depends on the next letter (Σ), CJK, digits and an abbreviation.
WORDS = [
    "The",
    "deal",
    "was",
    "signed",
    "signing",
    "Signed",
    "deliveries",
    "delivered",
    "centre",
    "center",
    "Defence",
    "defense",
    "organised",
    "organizing",
    "in",
    "May",
    "2014",
    "Dr.",
    "e.g.",
    "ΟΔΥΣΣΕΥΣ",
    "Σοφία",
    "İstanbul",
    "STRASSE",
    "straße",
    "naïve",
    "café",
    "北京是首都",
    "東京",
    "x_y",
    "co-operation",
    "it's",
    "U.S.",
    "[1]",
    "(see",
    "above)",
    "ﬁnal",
]
SEPARATORS = [" ", " ", " ", ". ", "! ", "? ", "\n", "\n\n", ", ", "。", "\u00a0", "  "]


@st.composite
def texts(draw: st.DrawFn) -> str:
    parts = draw(
        st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=60)
    )
    return "".join(w + s for w, s in parts)


@st.composite
def questions(draw: st.DrawFn) -> str:
    words = draw(
        st.lists(st.sampled_from([*WORDS, "what", "when", "power", "strasse"]), max_size=8)
    )
    return " ".join(words) + draw(st.sampled_from(["?", "", ' "signed in May"']))


@settings(max_examples=400, deadline=None)
@given(texts(), questions(), st.integers(0, 5000))
def test_read_hit_equals_the_reference(text: str, question: str, offset: int) -> None:
    asked = Question.of(question)
    read = read_hit(asked, text)
    assert read.spans == sentence_spans(text)
    assert read.overlaps == v1.sentence_overlaps(question, text)
    assert read.matched == v1.matched_terms(question, text)
    assert read.sentences(text) == v1.sentence_texts(text)
    assert read.headings == v1.heading_indexes(text)
    assert pick_sentence(read.spans, read.overlaps, len(asked.keys), offset) == v1.best_sentence(
        question, text, offset
    )
    assert pick_sentence(
        read.spans, read.overlaps, len(asked.keys), offset, None, read.headings
    ) == v1.best_sentence(question, text, offset, headings=read.headings)


@settings(max_examples=200, deadline=None)
@given(texts(), questions(), st.data())
def test_pick_sentence_with_similarities_equals_the_reference(
    text: str, question: str, data: st.DataObject
) -> None:
    asked = Question.of(question)
    read = read_hit(asked, text)
    sims = data.draw(st.lists(st.floats(-1, 1), min_size=len(read.spans), max_size=len(read.spans)))
    overlaps = v1.sentence_overlaps(question, text)
    expected = v1.best_sentence(question, text, 7, sims, overlaps)
    assert pick_sentence(read.spans, read.overlaps, len(asked.keys), 7, sims) == expected
    heads = v1.heading_indexes(text)
    expected = v1.best_sentence(question, text, 7, sims, overlaps, heads)
    assert pick_sentence(read.spans, read.overlaps, len(asked.keys), 7, sims, heads) == expected


@settings(max_examples=200, deadline=None)
@given(texts(), questions())
def test_one_off_functions_are_unchanged(text: str, question: str) -> None:
    asked = Question.of(question)
    read = read_hit(asked, text)
    assert headings(text, read.spans) == v1.heading_indexes(text)
    expected = v1.best_sentence(question, text, 3, headings=v1.heading_indexes(text))
    assert best_sentence(question, text, 3) == expected
    assert matched_terms(question, text) == v1.matched_terms(question, text)
    assert sentence_overlaps(question, text) == v1.sentence_overlaps(question, text)


def test_lower_case_that_changes_length_or_context_takes_the_careful_path() -> None:
    # "İ" lower-cases to two characters and "Σ" to σ or ς by its neighbour: the per-sentence
    # reading must still agree with the reference.
    texts = (
        "İstanbul signed. The deal İİ was signed.",
        "İİİİİİİİ met. Talks. The deal was signed.",
        "ΟΔΥΣΣΕΥΣ signed. Σ deal. ΣΣ",
    )
    for text in texts:
        for question in ("signed deal", "istanbul", "οδυσσευς σ", "talks met"):
            read = read_hit(Question.of(question), text)
            assert read.overlaps == v1.sentence_overlaps(question, text)
            assert read.matched == v1.matched_terms(question, text)
