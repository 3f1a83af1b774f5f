"""The measuring helpers of bench/absence_vocab.py and bench/absence_context.py (the session-8
experiments on absent question words) compute what they claim on small inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.absence_context import word_vectors
from bench.absence_vocab import Neighbours, Row, auc, load_rows, save_rows


def _letters(words: list[str]) -> np.ndarray:
    """A real (if crude) word encoder: normalised letter counts."""
    out = np.zeros((len(words), 26), dtype=np.float32)
    for i, w in enumerate(words):
        for c in w.lower():
            if "a" <= c <= "z":
                out[i, ord(c) - 97] += 1
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def test_auc_counts_ordered_pairs() -> None:
    y = np.array([1, 1, 0, 0])
    assert auc(np.array([0.9, 0.8, 0.1, 0.2]), y) == 1.0
    assert auc(np.array([0.1, 0.2, 0.9, 0.8]), y) == 0.0
    assert auc(np.array([0.9, 0.1, 0.5, 0.2]), y) == pytest.approx(0.5)
    assert np.isnan(auc(np.array([0.3, 0.4]), np.array([1, 1])))


def test_neighbours_find_the_closest_word_and_respect_a_subset() -> None:
    nb = Neighbours(["tourism", "prices", "treaty"], _letters)
    score, word = nb.best("tourist")
    assert word == "tourism" and score > 0.85
    score, word = nb.best("tourist", among={"prices", "treaty"})
    assert word in {"prices", "treaty"} and score < 0.7
    assert nb.best("tourist", among={"absent"}) == (0.0, "")


def test_word_vectors_average_the_pieces_of_the_word_asked() -> None:
    question = "How many tourists came?"
    spans = [(0, 3), (4, 8), (9, 13), (13, 17), (18, 22)]  # "tour" + "ists" are one word
    vecs = np.eye(5, dtype=np.float32)
    v = word_vectors(question, vecs, spans, "tourists")
    assert v is not None
    assert np.allclose(v, (vecs[2] + vecs[3]) / np.linalg.norm(vecs[2] + vecs[3]))
    assert word_vectors(question, vecs, spans, "visitors") is None


def test_rows_round_trip_through_json(tmp_path: Path) -> None:
    rows = [Row("idx", "dev", "Who?", True, (0.5, 1.0), ("tourists",), (3, 1))]
    save_rows(rows, tmp_path / "rows.jsonl")
    assert load_rows(tmp_path / "rows.jsonl") == rows
