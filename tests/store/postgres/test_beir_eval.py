"""``askcorpus eval --beir DIR --index postgresql://…``: a BEIR corpus indexed on the server
through the same pipeline, scored as a local index is, and reused on the next run (the
fingerprint lives in the store, not in a folder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from askcorpus.embed.embedder import Embedder
from askcorpus.eval.beir import EvalDataError, build_index
from askcorpus.settings import Settings, index_location
from askcorpus.store.factory import locate

DOCS = {
    "d-moon": ("The Moon", "Tides on Earth follow the pull of the Moon's gravity on the oceans."),
    "d-yeast": ("Yeast", "Bakers' yeast ferments sugar into carbon dioxide, so dough rises."),
    "d-rust": ("Rust", "Iron rusts when water and oxygen attack its surface over time."),
    "d-owls": ("Owls", "Owls hunt at night and hear the rustle of mice under the snow."),
}
QUERIES = {
    "q1": "why does bread dough rise",
    "q2": "what causes ocean tides",
    "q3": "how do owls find prey in the dark",
}
QRELS = {"q1": "d-yeast", "q2": "d-moon", "q3": "d-owls"}


def beir_folder(folder: Path, docs: dict[str, tuple[str, str]] = DOCS) -> Path:
    """A BEIR-shaped folder: corpus.jsonl, queries.jsonl, qrels/test.tsv."""
    (folder / "qrels").mkdir(parents=True, exist_ok=True)
    (folder / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, (t, x) in docs.items()),
        encoding="utf-8",
    )
    (folder / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": q, "text": t}) + "\n" for q, t in QUERIES.items()),
        encoding="utf-8",
    )
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t1\n" for q, d in QRELS.items()),
        encoding="utf-8",
    )
    return folder


def scores(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, float]:
    """``askcorpus eval … --json``'s hybrid row."""
    from askcorpus.cli import main

    assert main(["eval", *argv, "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    return {k: v for k, v in row.items() if k.endswith(("@10", "@100"))}


def test_eval_beir_on_a_server_index_scores_as_a_local_one_and_is_reused(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = beir_folder(tmp_path / "tiny")
    on_server = scores(capsys, "--beir", str(folder), "--index", pg_url)
    local = scores(capsys, "--beir", str(folder), "--index", str(tmp_path / "local"))
    assert on_server == local
    assert on_server["ndcg@10"] > 0.5
    store = locate(pg_url).open()
    try:
        assert store.stats().documents == len(DOCS)
        marker = store.label("beir-source")
        assert marker is not None and "corpus.jsonl" in marker
    finally:
        store.close()
    assert not (tmp_path / "local" / "beir-source.json").exists()  # the store holds it


def test_a_server_cache_is_reused_until_the_corpus_changes(
    tmp_path: Path, pg_url: str, embedder: Embedder
) -> None:
    folder = beir_folder(tmp_path / "tiny")
    url = index_location(pg_url)
    settings = Settings()
    assert build_index(folder, url, settings, embedder) is True
    assert build_index(folder, url, settings, embedder) is False
    more = dict(DOCS, **{"d-salt": ("Salt", "Sea water tastes of salt washed out of rocks.")})
    beir_folder(folder, more)
    assert build_index(folder, url, settings, embedder) is True
    store = locate(pg_url).open()
    try:
        assert store.stats().documents == len(more)
    finally:
        store.close()


def test_an_index_of_another_corpus_is_not_replaced_without_rebuild(
    tmp_path: Path, pg_url: str, embedder: Embedder
) -> None:
    from askcorpus.indexer.documents import index_documents

    other = beir_folder(tmp_path / "other")
    url = index_location(pg_url)
    team = Settings().with_paths(corpus_dir=tmp_path / "reports", index_dir=url)
    from askcorpus.eval.beir import iter_corpus

    index_documents(team, list(iter_corpus(other)), embedder)
    folder = beir_folder(tmp_path / "tiny")
    with pytest.raises(EvalDataError, match="another corpus"):
        build_index(folder, url, Settings(), embedder)
    assert build_index(folder, url, Settings(), embedder, rebuild=True) is True
