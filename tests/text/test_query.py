"""Question cleaning, content terms and safe FTS5 match expressions."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from askcorpus.store.local.lexical import fts5_match
from askcorpus.text.query import (
    MODEL_WORDS,
    adjacent_pairs,
    clean_question,
    keyword_query,
    pair_query,
    query_terms,
    quoted_phrases,
)


def fts_match(question: str) -> str:
    """The FTS5 expression the local store runs for a question's keyword query."""
    return fts5_match(keyword_query(question))


def pair_match(question: str) -> str:
    """The FTS5 expression the local store runs for a question's adjacent pairs."""
    return fts5_match(pair_query(question))


def test_query_terms_drop_stopwords_and_keep_numbers() -> None:
    assert query_terms("When was the $400 billion gas deal signed in 2014?") == [
        "400",
        "billion",
        "gas",
        "deal",
        "signed",
        "2014",
    ]
    assert query_terms("Sino-Russian ties, Sino-Russian TIES") == ["sino", "russian", "ties"]


def test_quoted_phrases() -> None:
    assert quoted_phrases('Who said “quasi-allies” and "marriage of convenience"?') == [
        "quasi-allies",
        "marriage of convenience",
    ]


@pytest.mark.parametrize(
    "question",
    [
        'AND OR NOT "unbalanced',
        "body: NEAR(a b) * ^start",
        "what's (the) deal?  -- ; DROP TABLE x",
        '"exact phrase" plus words',
        "ünïcödé 日本語 العربية",
        "?!.,",
    ],
)
def test_fts_match_is_always_a_valid_fts5_expression(question: str) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='porter unicode61')")
    conn.execute("INSERT INTO t VALUES ('the exact phrase and the deal start near body')")
    expr = fts_match(question)
    if expr:
        conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (expr,)).fetchall()
    else:
        assert query_terms(question) == []


def test_clean_question_strips_controls_and_caps_length() -> None:
    assert clean_question("  gas\x00 deal\n\n signed ") == ("gas deal signed", None)
    text, note = clean_question("x " * 10_000)
    assert len(text) == 4000 and note


def test_long_question_note_says_what_was_matched_on_meaning() -> None:
    short, note = clean_question("When was the gas deal signed?")
    assert note is None and short == "When was the gas deal signed?"
    long_text, note = clean_question(" ".join(["pipeline"] * (MODEL_WORDS + 20)))
    assert len(long_text.split()) == MODEL_WORDS + 20  # keyword side keeps every word
    assert note is not None and f"first {MODEL_WORDS} words" in note
    huge, note = clean_question("gas " * 5000)
    assert len(huge) == 4000 and "truncated" in note and "meaning" in note


def test_adjacent_pairs_are_content_words_standing_together() -> None:
    q = "How did the Chinese foreign minister describe ties with Russia, Moscow-Beijing axis?"
    assert adjacent_pairs(q) == [
        ("chinese", "foreign"),
        ("foreign", "minister"),
        ("moscow", "beijing"),
        ("beijing", "axis"),
    ]
    # A stopword, comma or full stop between two words breaks the pair.
    assert adjacent_pairs("ties with Russia") == []
    assert adjacent_pairs("oil, gas. Prices") == []
    assert pair_match("Moscow?") == ""


def test_match_expressions_carry_the_other_spelling() -> None:
    assert '"defense"' in fts_match("What did the defence minister say?")
    assert '"defence"' in fts_match("What did the defense minister say?")
    assert '"defense minister"' in pair_match("What did the defence minister say?")
    assert '"organisation"' in fts_match("Shanghai Cooperation Organization")


def _fts(rows: list[str]) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE t USING fts5(body, tokenize='porter unicode61 remove_diacritics 2')"
    )
    conn.executemany("INSERT INTO t (rowid, body) VALUES (?, ?)", enumerate(rows, 1))
    return conn


def test_a_british_question_finds_an_american_text_and_the_reverse() -> None:
    conn = _fts(["China's Defense Minister Wei Fenghe visited Moscow.", "A garden fence."])
    for question in ("defence minister", "defense minister"):
        hits = conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (fts_match(question),))
        assert [r for (r,) in hits] == [1]


@pytest.mark.parametrize(
    "question",
    [
        'AND OR NOT "unbalanced phrase',
        "body: NEAR(a b) * ^start",
        "what's (the) deal-maker?  -- ; DROP TABLE x",
        "ünïcödé 日本語 العربية word pair",
    ],
)
def test_pair_match_is_a_valid_fts5_expression(question: str) -> None:
    conn = _fts(["the exact phrase and the deal start near body"])
    expr = pair_match(question)
    if expr:
        conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (expr,)).fetchall()


# --- Chinese and Japanese questions (issue #13 §4) ----------------------------------------------


def test_cjk_runs_become_overlapping_bigrams() -> None:
    # Without spaces a whole clause was one "term" that no passage ever holds.
    assert query_terms("北京是首都吗？") == ["北京", "京是", "是首", "首都"]
    assert query_terms("Google在北京, 2014年") == ["google", "在北", "北京", "2014", "年"]
    assert query_terms("東京") == ["東京"]


# A Chinese question matching its passage through the real store: tests/text/test_fold.py.


def test_chinese_question_words_are_not_terms_and_leave_no_bigrams_across_them() -> None:
    # 何时 ("when") and a final 吗 only phrase the question, as "when" does in English: neither
    # they nor the bigrams they would make with their neighbours (道何, 时开, 证吗) are searched.
    terms = query_terms("东线管道何时开始供应天然气？签证吗")
    assert terms == ["东线", "线管", "管道", "开始", "始供", "供应", "应天", "天然", "然气", "签证"]
    assert query_terms("两国用什么货币支付") == ["两国", "国用", "货币", "币支", "支付"]
    assert query_terms("哪些国家") == ["国家"]
    # The same characters inside a word are kept: 几乎 ("almost"), 吗啡 ("morphine").
    assert "几乎" in query_terms("几乎所有") and "吗啡" in query_terms("吗啡用量")


def test_a_long_chinese_question_gets_the_long_question_note() -> None:
    question = "中俄两国签署了天然气供应协议，总价值约四千亿美元。" * 10  # 250 characters
    text, note = clean_question(question)
    assert text == question and note is not None and f"first {MODEL_WORDS} words" in note


def _query_terms_v1(question: str) -> list[str]:
    """query_terms before CJK bigrams (the oracle for text without CJK characters)."""
    import re

    from askcorpus.text.query import RUSSIAN_STOPWORDS, STOPWORDS

    seen: dict[str, None] = {}
    for m in re.finditer(r"\w+(?:[-'’]\w+)*", question):
        for part in re.split(r"[-'’]", m.group(0).lower()):
            if part in STOPWORDS or part in RUSSIAN_STOPWORDS:
                continue
            if part and (len(part) > 1 or part.isdigit()):
                seen.setdefault(part, None)
    return list(seen)


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(max_codepoint=0x2FFF), max_size=300))
def test_questions_without_cjk_give_the_same_terms_as_before(question: str) -> None:
    assert query_terms(question) == _query_terms_v1(question)
