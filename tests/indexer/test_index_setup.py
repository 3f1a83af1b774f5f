"""The encoder an index was built with is recorded, kept on update, and matched by questions."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from askcorpus.embed import embedder as embedding
from askcorpus.embed import onnx_encoder as encoder_onnx
from askcorpus.embed.embedder import Embedder
from askcorpus.errors import IndexMismatchError
from askcorpus.indexer.update import update_index
from askcorpus.search.index import Index
from askcorpus.settings import Settings
from askcorpus.store.local.store import LocalStore

from ..conftest import write

GAS = "Gazprom signed a thirty-year gas supply contract with CNPC in May 2014 in Shanghai."
ARCTIC = "Icebreakers escorted tankers along the Northern Sea Route during the Arctic summer."


def make(tmp_path: Path, encoder: str = "auto") -> Settings:
    corpus = tmp_path / "corpus"
    write(corpus / "gas.txt", GAS)
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", encoder=encoder)


def backend_of(settings: Settings) -> str:
    store = LocalStore.open(settings.index_dir)
    try:
        return store.manifest.backend
    finally:
        store.close()


def test_default_index_records_onnx(tmp_path: Path, embedder: Embedder) -> None:
    settings = make(tmp_path)
    update_index(settings, embedder)
    assert backend_of(settings) == encoder_onnx.BACKEND == "onnx-int8-v3"


def test_torch_index_stays_torch_and_questions_follow(tmp_path: Path, embedder: Embedder) -> None:
    settings = make(tmp_path, encoder="torch")
    update_index(settings, Embedder(settings))
    assert backend_of(settings) == "torch"
    # An update by an app whose default is ONNX keeps encoding this index with torch.
    write(settings.corpus_dir / "arctic.txt", ARCTIC)
    auto = Settings(corpus_dir=settings.corpus_dir, index_dir=settings.index_dir)
    report = update_index(auto, embedder)
    assert report.added == 1 and backend_of(settings) == "torch"
    index = Index.open(settings.index_dir, auto, embedder)
    try:
        assert index.embedder.backend == "torch"
        assert index.search("Which ships crossed the Arctic?", 1).hits[0].source == "arctic.txt"
    finally:
        index.close()
    # The shared embedder was not switched by either.
    assert embedder.backend == encoder_onnx.BACKEND


def test_onnx_index_without_onnx_needs_a_rebuild(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make(tmp_path)
    update_index(settings, embedder)
    monkeypatch.setattr(embedding, "_MODELS", {})
    monkeypatch.setattr(encoder_onnx, "unavailable_reason", lambda _dir: "no onnxruntime here")
    here = Embedder(settings)
    # Questions still work (torch vectors are close to int8 ones), with a warning.
    index = Index.open(settings.index_dir, settings, here)
    try:
        assert index.search("gas contract", 1).hits[0].source == "gas.txt"
        assert index.embedder.backend == "torch"
        assert "no onnxruntime here" in (index.embedder.fallback_reason or "")
    finally:
        index.close()
    # Adding vectors of another kind is refused, naming the fix.
    write(settings.corpus_dir / "arctic.txt", ARCTIC)
    with pytest.raises(IndexMismatchError, match="onnx-int8-v3 encoder, which cannot run") as err:
        update_index(settings, here)
    assert "--rebuild" in (err.value.hint or "")
    update_index(settings, here, rebuild=True)
    assert backend_of(settings) == "torch"


def retire_vectors(settings: Settings, backend: str) -> None:
    """Make the index look built by an older encoder (its manifest's string), as an index from
    before issue #18 is."""
    store = LocalStore.open(settings.index_dir)
    try:
        manifest = dataclasses.replace(store.manifest, backend=backend)
    finally:
        store.close()
    # The manifest is stored as JSON in the meta table (the store's own format).
    with sqlite3.connect(settings.index_dir / "askcorpus.sqlite3") as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'manifest'", (manifest.to_json(),))


def test_an_index_of_a_retired_encoder_is_refused_until_rebuilt(
    tmp_path: Path, embedder: Embedder
) -> None:
    settings = make(tmp_path)
    update_index(settings, embedder)
    retire_vectors(settings, "onnx-int8")  # the v1 export's string
    assert backend_of(settings) == "onnx-int8"
    # Questions: a one-line refusal that names the fix, not vectors silently mixed.
    with pytest.raises(IndexMismatchError, match=r"first ONNX export .*\(onnx-int8\)") as err:
        Index.open(settings.index_dir, settings, embedder)
    assert "--rebuild" in (err.value.hint or "")
    # An update would add new-encoder vectors to old ones: refused too, naming the index.
    write(settings.corpus_dir / "arctic.txt", ARCTIC)
    with pytest.raises(IndexMismatchError, match="no longer makes") as err:
        update_index(settings, embedder)
    assert str(settings.index_dir) in err.value.message
    # A rebuild re-encodes everything and records today's encoder.
    report = update_index(settings, embedder, rebuild=True)
    assert report.passages_embedded >= 2 and backend_of(settings) == encoder_onnx.BACKEND
    index = Index.open(settings.index_dir, settings, embedder)
    try:
        assert index.search("Which ships crossed the Arctic?", 1).hits[0].source == "arctic.txt"
    finally:
        index.close()


def test_an_index_of_the_8bit_export_is_searched_with_a_warning_and_rebuilt_to_add(
    tmp_path: Path, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make(tmp_path)
    update_index(settings, embedder)
    retire_vectors(settings, "onnx-int8-v2")  # the 8-bit export's string (before session 10)
    # Questions still work, encoded by today's export, and say the index should be rebuilt.
    with caplog.at_level("WARNING"):
        index = Index.open(settings.index_dir, settings, embedder)
    try:
        assert index.search("Who signed a gas contract?", 1).hits[0].source == "gas.txt"
        assert index.embedder.backend == encoder_onnx.BACKEND
        assert "--rebuild" in (index.embedder.superseded or "")
    finally:
        index.close()
    assert "onnx-int8-v2" in caplog.text and "--rebuild" in caplog.text
    # The shared embedder was not marked: another index of today's vectors reads it plainly.
    assert embedder.superseded is None
    # Adding would mix today's vectors with the old ones: refused, naming the index and fix.
    write(settings.corpus_dir / "arctic.txt", ARCTIC)
    with pytest.raises(IndexMismatchError, match="8-bit ONNX export") as err:
        update_index(settings, embedder)
    assert str(settings.index_dir) in err.value.message
    assert "--rebuild" in (err.value.hint or "")
    update_index(settings, embedder, rebuild=True)
    assert backend_of(settings) == encoder_onnx.BACKEND
    index = Index.open(settings.index_dir, settings, embedder)
    try:
        assert index.embedder.superseded is None
        assert index.search("Which ships crossed the Arctic?", 1).hits[0].source == "arctic.txt"
    finally:
        index.close()
