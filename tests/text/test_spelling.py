"""British and American spellings: variants for keyword search, one folded form for matching."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from askcorpus.text.spelling import fold, variants

PAIRS = [
    ("defence", "defense"),
    ("offences", "offenses"),
    ("licence", "license"),
    ("colour", "color"),
    ("behaviour", "behavior"),
    ("favourite", "favorite"),
    ("neighbours", "neighbors"),
    ("tumours", "tumors"),
    ("organise", "organize"),
    ("organisation", "organization"),
    ("realised", "realized"),
    ("analyse", "analyze"),
    ("hydrolysed", "hydrolyzed"),
    ("centre", "center"),
    ("kilometres", "kilometers"),
    ("fibre", "fiber"),
    ("titre", "titer"),
    ("catalogue", "catalog"),
    ("homologue", "homolog"),
    ("travelled", "traveled"),
    ("modelling", "modeling"),
    ("anaemia", "anemia"),
    ("ischaemic", "ischemic"),
    ("haemoglobin", "hemoglobin"),
    ("paediatric", "pediatric"),
    ("orthopaedic", "orthopedic"),
    ("oestrogen", "estrogen"),
    ("oesophageal", "esophageal"),
    ("foetal", "fetal"),
    ("coeliac", "celiac"),
    ("diarrhoea", "diarrhea"),
    ("anaesthesia", "anesthesia"),
    ("gynaecology", "gynecology"),
    ("aetiology", "etiology"),
    ("sulphate", "sulfate"),
    ("grey", "gray"),
    ("ageing", "aging"),
    ("programme", "program"),
    ("practise", "practice"),
]


@pytest.mark.parametrize(("british", "american"), PAIRS)
def test_each_spelling_finds_the_other_and_both_fold_alike(british: str, american: str) -> None:
    assert american in variants(british)
    assert british in variants(american)
    assert fold(british) == fold(american) == american


@pytest.mark.parametrize(
    "word",
    [
        # spelt alike on both sides of the Atlantic: no rule may touch them
        "hour",
        "tour",
        "tourism",
        "contour",
        "detoured",
        "devour",
        "flour",
        "four",
        "your",
        "doctor",
        "actor",
        "minister",
        "water",
        "cluster",
        "filled",
        "filed",
        "seize",
        "size",
        "crisis",
        "analysis",
        "trade",
        "laboratory",
        "russia",
    ],
)
def test_words_spelt_alike_have_no_variants_and_fold_to_themselves(word: str) -> None:
    assert variants(word) == ()
    assert fold(word) == word


def test_a_variant_is_never_the_word_itself() -> None:
    for british, american in PAIRS:
        assert british not in variants(british) and american not in variants(american)


def _rule_by_rule(word: str) -> tuple[str, tuple[str, ...]]:
    """fold and variants of ``word`` by trying every rule in turn (the reference for the one
    combined pattern that lets most words skip the rules)."""
    from askcorpus.text import spelling

    folded = spelling._PAIRS.get(word)
    out: dict[str, None] = {}
    if word in spelling._PAIRS:
        out[spelling._PAIRS[word]] = None
    if word in spelling._AMERICAN:
        out[spelling._AMERICAN[word]] = None
    for british, to_american, american, to_british in spelling._COMPILED:
        exempt = british is spelling._OUR and word.startswith(spelling._NOT_OUR)
        if british.fullmatch(word) and not exempt:
            folded = folded or british.sub(to_american, word)
            out[british.sub(to_american, word)] = None
        if american.fullmatch(word):
            out[american.sub(to_british, word)] = None
    out.pop(word, None)
    return folded or word, tuple(out)


WORD_PARTS = st.sampled_from(
    [
        "col",
        "our",
        "is",
        "iz",
        "e",
        "ed",
        "ing",
        "ation",
        "ys",
        "yz",
        "tre",
        "ter",
        "cen",
        "me",
        "ogue",
        "og",
        "defen",
        "ce",
        "se",
        "travel",
        "l",
        "ae",
        "oe",
        "haem",
        "tour",
        "s",
        "x",
        "a",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(WORD_PARTS, min_size=1, max_size=5).map("".join))
def test_the_combined_pattern_gives_what_every_rule_in_turn_gives(word: str) -> None:
    assert (fold.__wrapped__(word), variants.__wrapped__(word)) == _rule_by_rule(word)
