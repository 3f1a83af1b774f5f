"""FTS5's own tokens, read from SQLite (text/fts5.py): several texts at once give what each
gives alone, in order, including texts of no token."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from askcorpus.text.fts5 import TOKENIZER, tokens, tokens_of_each

WORDS = st.sampled_from(
    ["Running", "cells", "x-ray", "Москве", "天然气", "naïve", "", "  ", "--", "C++", "2019"]
)
TEXTS = st.lists(WORDS, max_size=6).map(" ".join)


def fts5_tokens(text: str) -> list[str]:
    """FTS5's tokens of ``text`` from a table of its own (the reference)."""
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(body, tokenize='{TOKENIZER}')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    conn.execute("INSERT INTO t (rowid, body) VALUES (1, ?)", (text,))
    return [r[0] for r in conn.execute("SELECT term FROM v ORDER BY offset")]


@settings(max_examples=60, deadline=None)
@given(st.lists(TEXTS, max_size=8))
def test_tokens_of_each_text_are_its_tokens_alone(texts: list[str]) -> None:
    assert tokens_of_each(texts) == [tokens(t) for t in texts]
    assert tokens_of_each(texts) == [fts5_tokens(t) for t in texts]
    assert tokens("running cells") == ["run", "cell"]  # the table is left empty each time


def test_nothing_stays_in_the_tokenizer_table_even_after_a_failure() -> None:
    from askcorpus.text import fts5

    tokens_of_each(["Gas pipelines", "Сибири"])
    conn = fts5._tokenizer()
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    assert not conn.in_transaction
    with pytest.raises(sqlite3.Error):
        tokens_of_each(["fine", object()])  # type: ignore[list-item]
    assert not conn.in_transaction
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    assert tokens_of_each(["signed deals"]) == [["sign", "deal"]]
