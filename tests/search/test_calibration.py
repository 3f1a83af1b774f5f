"""Per-corpus calibration of "not in this corpus": probes made of the corpus's sentences, a fit
pulled towards the default model, kept in the manifest, named by `askcorpus status`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from askcorpus.cli import main
from askcorpus.embed.embedder import Embedder
from askcorpus.search import absence, calibration
from askcorpus.search.index import Index
from askcorpus.settings import Settings
from askcorpus.text.query import keyword_query

from ..conftest import SHIPPED_CORPUS


def test_probes_pair_a_kept_term_with_a_swapped_absent_one(index: Index) -> None:
    made = calibration.probes(index.store, 25, seed=1)
    assert len(made) == 50
    assert made == calibration.probes(index.store, 25, seed=1)  # reproducible
    for (kept, yes), (swapped, no) in zip(made[::2], made[1::2], strict=True):
        assert yes and not no
        a, b = kept.rstrip("?").split(), swapped.rstrip("?").split()
        assert len(a) == len(b)
        diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
        assert len(diff) == 1, (kept, swapped)
        old, new = diff[0]
        assert index.store.search_lexical(keyword_query(old), 1)  # the kept term is in it
        assert not index.store.search_lexical(keyword_query(new), 1)  # the swap is nowhere


def test_a_prior_fit_moves_only_where_the_data_disagrees() -> None:
    prior = absence.default_model()
    rng = np.random.default_rng(0)
    x = np.asarray(prior.mean) + rng.normal(size=(80, len(absence.FEATURES))) * prior.scale
    p = np.array([prior.probability(absence.Evidence(tuple(v), ())) for v in x])
    agreeing = (rng.random(80) < p).astype(float)
    near = absence.fit(x, agreeing, 20.0, prior=prior)
    assert np.abs(np.subtract(near.coef, prior.coef)).max() < 0.6
    flipped = absence.fit(x, 1.0 - agreeing, 20.0, prior=prior)
    moved = np.subtract(flipped.coef, prior.coef)
    assert np.abs(moved).max() > np.abs(np.subtract(near.coef, prior.coef)).max()
    again = absence.Model.from_mapping(near.to_mapping(80))
    assert again == near
    assert absence.Model.from_mapping({}) is None
    assert absence.Model.from_mapping({"probes": 3.0, "intercept": 1.0}) is None


def test_index_calibrates_a_corpus_and_status_names_it(
    tmp_path: Path, embedder: Embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SHIPPED_CORPUS, corpus)
    where = tmp_path / "index"
    assert (
        main(["index", "--corpus", str(corpus), "--index", str(where), "--calibrate-absence"]) == 0
    )
    capsys.readouterr()
    assert main(["status", "--index", str(where), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["absence_calibration"].startswith("this corpus (")
    assert status["manifest"]["absence_calibration"]["probes"] >= 2 * calibration.MIN_PAIRS
    assert main(["status", "--index", str(where)]) == 0
    assert "calibration: this corpus" in capsys.readouterr().out

    settings = Settings(corpus_dir=corpus, index_dir=where)
    idx = Index.open(where, settings, embedder)
    try:
        own = absence.model_for(idx.store)
        assert own != absence.default_model()
        result = idx.search("How many Chinese tourists visited Russia in 2019?", 3)
        fused, vec = idx.retrieve("How many Chinese tourists visited Russia in 2019?", 50)
        assert vec is not None
        evidence = absence.gather(
            idx.store, result.query, fused, idx.stats().passages, vec, embedder.encode_query
        )
        assert result.answer_probability == pytest.approx(own.probability(evidence), abs=1e-4)
    finally:
        idx.close()


def test_an_index_built_without_the_step_uses_the_default(
    shipped_index: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--index", str(shipped_index.index_dir), "--json"]) == 0
    assert (
        json.loads(capsys.readouterr().out)["absence_calibration"]
        == "default (public data; questions in English)"
    )


def test_a_corpus_too_small_to_probe_keeps_the_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text("Moscow and Beijing signed a gas deal in 2014.\n")
    where = tmp_path / "index"
    assert (
        main(["index", "--corpus", str(corpus), "--index", str(where), "--calibrate-absence"]) == 0
    )
    capsys.readouterr()
    assert main(["status", "--index", str(where), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["absence_calibration"] == "default (public data; questions in English)"
    assert status["manifest"]["absence_calibration"] == {}
