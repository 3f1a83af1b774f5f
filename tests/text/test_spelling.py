"""British and American spellings: variants for keyword search, one folded form for matching."""

from __future__ import annotations

import pytest

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
