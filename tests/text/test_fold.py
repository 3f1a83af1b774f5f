"""Keyword folding (text/fold.py): Russian stems and CJK bigrams on both sides of the keyword
index, checked through the real local store."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from askcorpus.records import Document, KeywordQuery, Passage
from askcorpus.settings import SCHEMA_VERSION
from askcorpus.store.base import Manifest
from askcorpus.store.local.store import LocalStore
from askcorpus.text.fold import keyword_clause, keyword_text, keyword_words, russian_stem
from askcorpus.text.query import keyword_query, pair_query, query_terms

DIM = 8


def test_russian_words_become_their_stems_and_latin_text_stays() -> None:
    assert keyword_text("Газопровод «Сила Сибири» (Power of Siberia)") == (
        "газопровод «сил сибир» (Power of Siberia)"
    )
    assert russian_stem("газопровода") == russian_stem("газопровод") == "газопровод"
    assert russian_stem("Сибирь") == russian_stem("сибири")
    # A decomposed й (и + combining breve) stems like the composed one.
    assert keyword_text("Китаи\u0306") == keyword_text("Китай")
    # Glued to Latin letters (a mixed-script word): left as it is.
    assert keyword_text("Газпромbank") == "Газпромbank"
    assert keyword_text("2014года") == "2014год"


def test_cjk_runs_become_space_separated_bigrams() -> None:
    assert (
        keyword_text("中俄签署了协议。Gazprom年") == " 中俄 俄签 签署 署了 了协 协议 。Gazprom 年 "
    )
    assert keyword_words("天然气") == ("天然", "然气")
    assert keyword_words("газопровода") == ("газопровод",)
    assert keyword_words("pipelines") == ("pipelines",)
    assert keyword_clause(["Сила", "Сибири"]) == ("сил", "сибир")
    assert keyword_clause(["天然气", "协议"]) == ("天然", "然气", "协议")


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(max_codepoint=0x03FF), max_size=300))
def test_text_without_cyrillic_or_cjk_is_left_exactly_as_it_is(text: str) -> None:
    assert keyword_text(text) == text


def test_question_words_fold_like_passages_but_terms_stay_the_question_s_words() -> None:
    question = "Когда построили газопровода Сила Сибири?"
    assert query_terms(question) == ["построили", "газопровода", "сила", "сибири"]  # когда: stop
    assert keyword_query(question).clauses == (
        ("постро",),
        ("газопровод",),
        ("сил",),
        ("сибир",),
    )
    assert ("сил", "сибир") in pair_query(question).clauses
    # A quoted Chinese word is the phrase of its bigrams.
    assert ("天然", "然气") in keyword_query('"天然气"').clauses


def _store(folder: Path, texts: list[str]) -> LocalStore:
    """A real local store holding one one-passage document per text."""
    store = LocalStore.create(folder, Manifest(SCHEMA_VERSION, "m", DIM, {}, "t", "t"))
    rng = np.random.default_rng(0)
    with store.writer() as w:
        for n, text in enumerate(texts):
            doc = Document(f"d{n}.txt", Path(f"d{n}.txt"), f"d{n}", text, f"h{n}", len(text), 1.0)
            vec = rng.normal(size=(1, DIM)).astype(np.float32)
            w.add_document(doc, [Passage(f"d{n}.txt", 0, 0, len(text), text, 1)], vec)
        w.commit()
    return store


def _sources(store: LocalStore, query: KeywordQuery) -> list[str]:
    hits = store.search_lexical(query, 10)
    found = store.passages([i for i, _s in hits])
    return [found[i].source for i, _s in hits]


RUSSIAN = [
    "Западные страны выразили обеспокоенность.",
    "Строительство газопровода «Сила Сибири» началось осенью 2014 года.",
    "Поставки нефти по морю выросли.",
]
CHINESE = [
    "西方国家对此表示关注。",
    "中俄两国签署了天然气供应协议，总价值约四千亿美元。",
    "天气很好，然后我们去了公园。",  # 天 and 气 and 然, but not the bigrams 天然 or 然气
]


@pytest.fixture
def russian_store(tmp_path: Path) -> Iterator[LocalStore]:
    store = _store(tmp_path / "ru", RUSSIAN)
    yield store
    store.close()


@pytest.mark.parametrize(
    "question",
    [
        "Когда начали строить газопровод?",  # газопровод, not газопровода
        "газопроводом",
        "Сила Сибирь",  # Сибирь, not Сибири
    ],
)
def test_a_russian_question_finds_another_inflection_in_the_store(
    russian_store: LocalStore, question: str
) -> None:
    assert _sources(russian_store, keyword_query(question))[:1] == ["d1.txt"]


def test_without_folding_the_inflection_is_missed(russian_store: LocalStore) -> None:
    # What the store found before: the question's own word form, unstemmed, matches nothing.
    assert _sources(russian_store, KeywordQuery((("газопровод",),))) == ["d1.txt"]
    assert _sources(russian_store, KeywordQuery((("газопроводом",),))) == []


def test_a_chinese_question_finds_its_passage_in_the_store(tmp_path: Path) -> None:
    store = _store(tmp_path / "zh", CHINESE)
    try:
        assert _sources(store, keyword_query("天然气协议的价值？"))[:1] == ["d1.txt"]
        assert _sources(store, keyword_query('"天然气"')) == ["d1.txt"]
        assert _sources(store, keyword_query("公园")) == ["d2.txt"]
    finally:
        store.close()


def test_english_passages_are_indexed_as_before(tmp_path: Path) -> None:
    texts = ["The pipelines carried gas to China.", "Oil tankers sailed north."]
    store = _store(tmp_path / "en", texts)
    try:
        assert _sources(store, keyword_query("pipeline gas")) == ["d0.txt"]
        assert all(re.fullmatch(r"[ -~]*", keyword_text(t)) for t in texts)
    finally:
        store.close()


def test_highlighting_marks_the_other_inflection() -> None:
    from askcorpus.text.terms import term_key, term_matches

    assert term_key("Газопровода") == term_key("газопровод")
    text = "Строительство газопровода «Сила Сибири» началось."
    assert [m.group(0) for m in term_matches(text, ["газопровод", "сибирь"])] == [
        "газопровода",
        "Сибири",
    ]
    assert term_key("signing") == term_key("signed")  # English unchanged


def test_a_chinese_hit_says_which_bigrams_it_matched() -> None:
    from askcorpus.search.highlight import matched_terms

    text = "中俄两国签署了天然气供应协议，总价值约四千亿美元。"
    assert matched_terms("天然气协议的价值？", text) == ("天然", "然气", "协议", "价值")
    assert matched_terms("公园", text) == ()
