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


def test_held_out_sets_are_new_and_sized_as_documented() -> None:
    held = {n: load_questions(ROOT / "eval" / f"{n}.jsonl") for n in HELD_OUT}
    assert len(held["questions-heldout3"]) >= 27
    assert all(q.answerable for q in held["questions-heldout3"])
    assert len(held["unanswerable-heldout3"]) >= 36
    assert not any(q.answerable for q in held["unanswerable-heldout3"])
    seen = {_norm(q.question) for n in DEV for q in load_questions(ROOT / "eval" / f"{n}.jsonl")}
    for rows in held.values():
        asked = [_norm(q.question) for q in rows]
        assert len(set(asked)) == len(asked)
        assert not seen & set(asked)
    assert not set(DEV) & set(HELD_OUT)
