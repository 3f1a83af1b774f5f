"""bench/bm25_params.py scores BM25 from FTS5's postings under any k1 and b: at FTS5's own
k1 = 1.2, b = 0.75 its words' and phrases' rankings equal FTS5's bm25(), score for score, so a
sweep over other values changes only the parameters."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from askcorpus.records import Document, Passage
from askcorpus.settings import SCHEMA_VERSION
from askcorpus.store.base import Manifest
from askcorpus.store.local.postings import clause_tokens
from askcorpus.store.local.store import LocalStore
from bench.bm25_params import Postings, bm25

DIM = 4
VOCAB = ["cell", "cells", "running", "runs", "protein", "gene", "zebra", "quokka"]
QUERIES = [
    ['"cell"'],
    ['"cells"', '"protein"', '"zebra"'],
    ['"running gene"'],  # a phrase: its tokens at consecutive offsets
    ['"cell protein"', '"gene cell"', '"runs"'],
    ['"quokka"', '"absent"', '"axolotl"'],
]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    store = LocalStore.create(tmp_path, Manifest(SCHEMA_VERSION, "m", DIM, {}, "t", "t"))
    with store.writer() as w:
        for n in range(150):
            words = [
                VOCAB[rng.integers(len(VOCAB))] if rng.random() < 0.5 else f"w{rng.integers(50)}"
                for _ in range(int(rng.integers(3, 300)))
            ]
            words += ["axolotl"] * int(rng.integers(1, 4)) if n % 7 == 0 else []  # a rare one
            text = " ".join(words)
            doc = Document(f"d{n}", Path(f"d{n}"), f"d{n}", text, f"h{n}", len(text), 1.0)
            vec = rng.normal(size=(1, DIM)).astype(np.float32)
            w.add_document(doc, [Passage(f"d{n}", 0, 0, len(text), text, 1)], vec)
        w.commit()
    store.close()
    return tmp_path / "askcorpus.sqlite3"


def fts5(db: Path, clauses: list[str], k: int) -> list[tuple[int, float]]:
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT rowid, -bm25(passages_fts) AS s FROM passages_fts WHERE passages_fts MATCH ? "
        "ORDER BY s DESC, rowid LIMIT ?",
        (" OR ".join(clauses), k),
    ).fetchall()
    conn.close()
    return [(int(i), float(s)) for i, s in rows]


def test_default_parameters_rank_exactly_as_fts5_bm25(db: Path) -> None:
    p = Postings(db)
    for clauses in QUERIES:
        for k in (1, 10, 500):
            mine = bm25(p, clause_tokens(clauses), k, 1.2, 0.75)
            assert mine == fts5(db, clauses, k)


def test_other_parameters_follow_the_formula(db: Path) -> None:
    p = Postings(db)
    (pid, score), *_ = bm25(p, clause_tokens(['"axolotl"']), 1, 0.9, 0.4)
    docs, tf = p.clause(("axolotl",))
    f = float(tf[list(docs).index(pid)])
    idf = math.log((p.rows - docs.size + 0.5) / (docs.size + 0.5))
    norm = 0.9 * (1 - 0.4 + 0.4 * p.lengths[pid] / p.average)
    assert score == pytest.approx(idf * f * 1.9 / (f + norm), rel=1e-12)
    assert idf > 1
    assert bm25(p, clause_tokens(['"axolotl"']), 5, 0.9, 0.4) != fts5(db, ['"axolotl"'], 5)
