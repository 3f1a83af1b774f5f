"""The query language (askcorpus.text.syntax): filters and phrases inside the question."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from askcorpus.errors import QueryError
from askcorpus.records import PassageFilter
from askcorpus.text.syntax import merge_filters, parse_query

ROOT = Path(__file__).resolve().parents[2]


def test_every_field_becomes_a_filter_and_leaves_the_text() -> None:
    parsed = parse_query(
        "in:reports/2023/ type:pdf,DOCX gas exports after:2022-01 before:2023 lang:ru,en"
    )
    assert parsed.text == "gas exports"
    assert parsed.where == PassageFilter(
        folder="reports/2023",
        kinds=frozenset({"pdf", "docx"}),
        after="2022-01-01",
        before="2023-01-01",
        languages=frozenset({"ru", "en"}),
    )


def test_phrases_are_required_and_stay_in_the_text_exclusions_leave_it() -> None:
    parsed = parse_query('“Power of Siberia” pipeline -Gazprom -"Nord Stream 2"')
    assert parsed.text == "“Power of Siberia” pipeline"
    assert parsed.where.required == (("power", "of", "siberia"),)
    assert parsed.where.excluded == (("gazprom",), ("nord", "stream", "2"))


@pytest.mark.parametrize(
    "kind_word, kind",
    [("md", "markdown"), ("txt", "text"), ("eml", "email"), ("jpg", "image"), ("doc", "docx")],
)
def test_user_words_for_kinds(kind_word: str, kind: str) -> None:
    assert parse_query(f"type:{kind_word} x").where.kinds == {kind}


def test_quoted_folder_with_spaces_and_windows_separators() -> None:
    assert parse_query('in:"Annual reports\\2023" x').where.folder == "Annual reports/2023"


@pytest.mark.parametrize(
    "question, says",
    [
        ('the "Power of Siberia pipeline', "unclosed quote"),
        ("author:smith treaty", "unknown filter author:"),
        ("after:2022-13 gas", "not a date"),
        ("before:yesterday gas", "not a date"),
        ("type:exe gas", "unknown file type"),
        ("in: gas", "needs a value"),
        ("in:../secrets gas", "not a folder"),
        ("in:a in:b gas", "only one in:"),
        ("lang:russian gas", "language codes"),
        ("-type:pdf gas", "not a filter"),
    ],
)
def test_a_malformed_query_is_a_one_line_error_with_a_hint(question: str, says: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(question)
    assert says in caught.value.message
    assert caught.value.hint and "\n" not in caught.value.user_message()


@pytest.mark.parametrize(
    "question",
    [
        "What did the Chinese Foreign Minister say in Moscow?",
        "Note: prices fell  to -5% at 10:30, see https://example.org/a",
        "well-known treaty — 2019-2021",
    ],
)
def test_a_plain_question_is_left_exactly_as_it_is(question: str) -> None:
    parsed = parse_query(question)
    assert parsed.text == question and not parsed.where


def test_the_shipped_questions_are_plain() -> None:
    for name in ("questions.jsonl", "questions-more.jsonl"):
        for line in (ROOT / "eval" / name).read_text().splitlines():
            question = json.loads(line)["question"]
            parsed = parse_query(question)
            assert parsed.text == question and not parsed.where


def test_merging_narrows_to_what_both_let_through() -> None:
    a = parse_query("in:reports type:pdf,docx after:2020 x").where
    b = parse_query("in:reports/2023 type:docx,pptx after:2022-06 before:2024 y").where
    merged = merge_filters(a, b)
    assert merged.folder == "reports/2023"
    assert merged.kinds == {"docx"}
    assert (merged.after, merged.before) == ("2022-06-01", "2024-01-01")
    with pytest.raises(QueryError):
        merge_filters(a, PassageFilter(folder="mail"))
    with pytest.raises(QueryError):
        merge_filters(a, PassageFilter(kinds=frozenset({"email"})))
