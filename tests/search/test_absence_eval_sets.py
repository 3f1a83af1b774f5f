"""The labelled question sets "not in this corpus" is developed and held out on
(eval/README.md, bench/absence.py ``DEV`` / ``HELD_OUT``) are what they claim to be."""

from __future__ import annotations

from pathlib import Path

import pytest

from askcorpus.eval.run import load_questions
from bench.absence import DEV, HELD_OUT

ROOT = Path(__file__).resolve().parents[2]


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.mark.parametrize("name", DEV + HELD_OUT)
def test_each_answer_phrase_occurs_in_its_source(name: str) -> None:
    for q in load_questions(ROOT / "eval" / f"{name}.jsonl"):
        if not q.answerable or q.answer is None:
            continue
        texts = [_norm((ROOT / "corpus" / s).read_text(encoding="utf-8")) for s in q.sources]
        assert any(_norm(q.answer) in t for t in texts), (name, q.question)


# Sizes as written (eval/README.md); a set that joins the development data keeps its size.
SIZES = {
    "questions-heldout3": 27,
    "unanswerable-heldout3": 36,
    "questions-heldout4": 35,
    "unanswerable-heldout4": 35,
}


@pytest.mark.parametrize("name", sorted(SIZES))
def test_the_later_sets_are_sized_and_labelled_as_documented(name: str) -> None:
    rows = load_questions(ROOT / "eval" / f"{name}.jsonl")
    assert len(rows) >= SIZES[name]
    answerable = name.startswith("questions")
    assert all(q.answerable == answerable for q in rows)
    asked = [_norm(q.question) for q in rows]
    assert len(set(asked)) == len(asked)


def test_held_out_sets_are_new_and_sized_as_documented() -> None:
    assert set(HELD_OUT) == {"questions-heldout4", "unanswerable-heldout4"}
    assert {"questions-heldout3", "unanswerable-heldout3"} <= set(DEV)
    seen = {_norm(q.question) for n in DEV for q in load_questions(ROOT / "eval" / f"{n}.jsonl")}
    for name in HELD_OUT:
        asked = {_norm(q.question) for q in load_questions(ROOT / "eval" / f"{name}.jsonl")}
        assert not seen & asked, name
    assert not set(DEV) & set(HELD_OUT)
