"""``askcorpus eval --crowd``: a small corpus's questions asked alone and hidden in a benchmark's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from askcorpus.cli import main
from askcorpus.embed.embedder import Embedder
from askcorpus.eval.beir import EvalDataError, cached_index_ok
from askcorpus.eval.command import run
from askcorpus.eval.crowd import crowd_folder, hide_among
from askcorpus.indexer.update import update_index
from askcorpus.search.index import Index
from askcorpus.settings import Settings

from ..conftest import TEST_CACHE, write
from .test_evaluate import DOCS, make_beir

QUESTIONS = [
    {"question": "How do bees show the hive where flowers grow?", "source": "bees.txt"},
    {"question": "Which island did Soviet and Chinese troops fight over?", "answer": "Zhenbao"},
]


def small_corpus(base: Path) -> Settings:
    corpus = base / "corpus"
    write(corpus / "bees.txt", "Bees perform a waggle dance to show the hive where flowers grow.")
    write(
        corpus / "border.txt",
        "In 1969 Soviet and Chinese troops fought over Zhenbao Island on the Ussuri river.",
    )
    return Settings(corpus_dir=corpus, index_dir=base / "index", cache_dir=TEST_CACHE)


def indexed(tmp_path: Path, embedder: Embedder) -> tuple[Settings, Path]:
    """The small corpus, indexed, and the tiny BEIR folder to hide it in."""
    settings = small_corpus(tmp_path)
    update_index(settings, embedder)
    return settings, make_beir(tmp_path / "tiny")


def questions_file(path: Path, items: list[dict[str, str]]) -> Path:
    return write(path, "".join(json.dumps(q) + "\n" for q in items))


def test_crowd_scores_the_same_questions_alone_and_among_a_benchmark(
    tmp_path: Path, embedder: Embedder
) -> None:
    settings, beir = indexed(tmp_path, embedder)
    qfile = questions_file(tmp_path / "q.jsonl", QUESTIONS)
    cache = tmp_path / "cache"
    report = run(settings, embedder, [qfile], crowd=beir, cache=cache)
    alone, among = report.rows
    assert (alone.dataset, among.dataset) == ("q", "q@tiny")
    (drop,) = report.drops
    assert (drop.crowd, drop.crowd_documents) == ("tiny", len(DOCS))
    assert drop.alone == alone.metrics["hit@1"] and drop.among == among.metrics["hit@1"]
    assert drop.drop == pytest.approx(drop.alone - drop.among)
    # The crowd holds both corpora, searched as one; the benchmark's cache is left as it was
    # and the copy does not pass for it.
    crowd = Index.open(crowd_folder(cache), settings, embedder)
    try:
        assert crowd.stats().documents == len(DOCS) + 2
        sources = {h.source for h in crowd.search(QUESTIONS[0]["question"], 10).hits}
        assert {"bees.txt", "d-bees"} <= sources
    finally:
        crowd.close()
    benchmark = Index.open(cache, settings, embedder)
    try:
        assert benchmark.stats().documents == len(DOCS)
    finally:
        benchmark.close()
    assert cached_index_ok(beir, cache, settings)
    assert not cached_index_ok(beir, crowd_folder(cache), settings)


def test_crowd_copy_is_reused_until_the_small_corpus_changes(
    tmp_path: Path, embedder: Embedder
) -> None:
    settings, beir = indexed(tmp_path, embedder)
    cache = tmp_path / "cache"
    run(settings, embedder, beir=beir, cache=cache)  # the benchmark's index, built once
    out = crowd_folder(cache)
    hide_among(cache, settings.index_dir, out, settings, embedder)
    stamp = (out / "askcorpus.sqlite3").stat().st_mtime_ns
    hide_among(cache, settings.index_dir, out, settings, embedder)
    assert (out / "askcorpus.sqlite3").stat().st_mtime_ns == stamp
    write(settings.corpus_dir / "border.txt", "The Treaty of Nerchinsk was signed in 1689.")
    update_index(settings, embedder)
    hide_among(cache, settings.index_dir, out, settings, embedder)
    crowd = Index.open(out, settings, embedder)
    try:
        top = crowd.search("When was the Treaty of Nerchinsk signed?", 1).hits[0]
        assert top.source == "border.txt" and "1689" in top.text
        assert crowd.stats().documents == len(DOCS) + 2
    finally:
        crowd.close()


def test_crowd_never_replaces_a_folder_it_did_not_make(tmp_path: Path, embedder: Embedder) -> None:
    settings, beir = indexed(tmp_path, embedder)
    cache = tmp_path / "cache"
    run(settings, embedder, beir=beir, cache=cache)
    # Another index where the copy would go (the small corpus's own, copied there).
    other = small_corpus(tmp_path / "other")
    other = Settings(corpus_dir=other.corpus_dir, index_dir=crowd_folder(cache))
    update_index(other, embedder)
    with pytest.raises(EvalDataError, match="not a crowd index"):
        hide_among(cache, settings.index_dir, crowd_folder(cache), settings, embedder)


def test_eval_command_reports_each_drop_as_json(
    tmp_path: Path, embedder: Embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    settings, beir = indexed(tmp_path, embedder)
    q1 = questions_file(tmp_path / "one.jsonl", QUESTIONS[:1])
    q2 = questions_file(tmp_path / "two.jsonl", QUESTIONS[1:])
    argv = ["eval", "--index", str(settings.index_dir), "--questions", str(q1)]
    argv += ["--questions", str(q2), "--crowd", str(beir), "--cache", str(tmp_path / "c")]
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    names = [r["dataset"] for r in out["rows"]]
    assert names == ["one", "two", "all", "one@tiny", "two@tiny", "all@tiny"]
    drops = {d["questions"]: d for d in out["crowd"]}
    assert set(drops) == {"one", "two", "all"}
    rows = {r["dataset"]: r for r in out["rows"]}
    for name, d in drops.items():
        assert d["alone_hit@1"] == rows[name]["hit@1"]
        assert d["crowd_hit@1"] == rows[f"{name}@tiny"]["hit@1"]
        assert d["drop"] == pytest.approx(d["alone_hit@1"] - d["crowd_hit@1"], abs=1e-4)
    # Pooled: the mean over both files' questions.
    assert rows["all"]["hit@1"] == pytest.approx((rows["one"]["hit@1"] + rows["two"]["hit@1"]) / 2)
    assert main(argv) == 0
    assert "among tiny's 6 documents: drop" in capsys.readouterr().out


def test_eval_command_crowd_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    beir = make_beir(tmp_path / "tiny")
    with pytest.raises(SystemExit) as exc:
        main(["eval", "--crowd", str(beir)])
    assert exc.value.code == 2
    assert "--crowd needs --questions" in capsys.readouterr().err
    q = questions_file(tmp_path / "q.jsonl", QUESTIONS)
    assert main(["eval", "--questions", str(q), "--crowd", str(beir), "--beir", str(beir)]) != 0
    assert "each need their own" in capsys.readouterr().err
