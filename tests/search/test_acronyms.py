"""Acronyms a question types for names the corpus spells out (search/acronyms.py): found in the
best passages, they no longer count as terms found nowhere."""

from __future__ import annotations

import pytest

from askcorpus.search.acronyms import expanded, spelled_out, typed_acronyms
from askcorpus.search.index import Index

TEXT = (
    "May's signing of a $400 billion gas supply agreement between Gazprom and the China "
    "National Petroleum Corporation promises delivery. Loans came from the Bank of China, "
    "and the Shanghai Cooperation Organisation met."
)


@pytest.mark.parametrize(
    ("acronym", "name"),
    [
        ("CNPC", "China National Petroleum Corporation"),
        ("SCO", "Shanghai Cooperation Organisation"),
        ("BOC", "Bank of China"),  # a small word may give its letter...
        ("BC", "Bank of China"),  # ... or none
    ],
)
def test_an_acronym_is_found_as_the_initials_of_a_name(acronym: str, name: str) -> None:
    assert spelled_out(acronym, TEXT) == name


def test_a_name_does_not_run_over_punctuation_or_unmatched_words() -> None:
    assert spelled_out("CNPC", "China National, Petroleum Corporation") is None
    assert spelled_out("CNPC", "China national Petroleum Corporation") is None  # lower case
    assert spelled_out("GCS", TEXT) is None  # "Gazprom" then "China": not one name
    assert spelled_out("C", TEXT) is None  # a lone capital is no acronym


def test_only_capitals_found_nowhere_are_read_as_acronyms() -> None:
    question = "Did CNPC and the SCO or Gazprom sign in May?"
    assert typed_acronyms(question, ["cnpc", "sco"]) == ["CNPC", "SCO"]
    assert typed_acronyms(question, ["cnpc"]) == ["CNPC"]  # SCO occurs in the corpus
    assert typed_acronyms("did cnpc sign?", ["cnpc"]) == []  # not typed as an acronym
    assert expanded("How much was the CNPC deal worth?", ["cnpc", "worth"], [TEXT]) == (
        "How much was the China National Petroleum Corporation deal worth?"
    )
    assert expanded("Was the XYZ deal signed?", ["xyz"], [TEXT]) == "Was the XYZ deal signed?"


def test_an_acronym_the_articles_spell_out_does_not_make_the_answer_absent(index: Index) -> None:
    # The articles write "China National Petroleum Corporation", never "CNPC"; the answer
    # ($400 billion) comes first either way.
    spelt = index.search("How much was the gas deal between Gazprom and CNPC worth?")
    assert "$400 billion" in spelt.hits[0].text
    assert "cnpc" not in spelt.absent_terms
    assert spelt.answer_likely
    name = index.search(
        "How much was the gas deal between Gazprom and China National Petroleum Corporation worth?"
    )
    assert spelt.answer_probability == pytest.approx(name.answer_probability, abs=0.15)
