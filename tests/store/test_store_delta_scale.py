"""Updates that add no vectors, at the real delta threshold (``DELTA_MIN_VECTORS`` = 20,000 and
the real exact limit of 200,000: nothing lowered). Removing a document, touching one, removing
everything, removing from an approximate (IVF) index, and chains of removal-only deltas must
publish, and every reader — the writer's store, a follower, a freshly opened one — must agree
with the database afterwards. Synthetic 16-dimensional vectors keep the 20k-passage store
build under a second; the indexer-level tests use real files and the real model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from askcorpus.embed.embedder import ONNX_VECTORS, Embedder
from askcorpus.indexer.setup import expected_manifest
from askcorpus.indexer.update import read_entry, update_index
from askcorpus.ingest.documents import discover
from askcorpus.records import Passage
from askcorpus.settings import SCHEMA_VERSION, Settings
from askcorpus.store.base import Manifest
from askcorpus.store.local.generations import DELTA_MIN_VECTORS
from askcorpus.store.local.store import LocalStore
from askcorpus.store.local.vectors import EXACT_LIMIT
from tests.synthetic import DIM, synthetic

from .test_store_delta import held, vector_files

ROOT = Path(__file__).resolve().parents[2]
PER_DOC = 100
DOCS = DELTA_MIN_VECTORS // PER_DOC + 10  # 21,000 passages: above the threshold after removals


def build(folder: Path, docs: int = DOCS, per_doc: int = PER_DOC) -> LocalStore:
    store = LocalStore.create(folder, Manifest(SCHEMA_VERSION, "m", DIM, {}, "t", "t"))
    with store.writer() as w:
        for n in range(docs):
            w.add_document(*synthetic(f"doc{n}", per_doc, n))
        w.commit()
    return store


def stored_ids(store: LocalStore) -> set[int]:
    return {i for s in store.document_states() for i, _a, _b in store.document_passages(s)}


def assert_consistent(*stores: LocalStore) -> None:
    for store in stores:
        assert set(held(store)) == stored_ids(store)
        assert store.check(deep=True) == []


def test_removing_one_document_above_the_threshold_publishes_a_removal_only_delta(
    tmp_path: Path,
) -> None:
    store = build(tmp_path)
    follower = LocalStore.open(tmp_path)
    gone = {i for i, _a, _b in store.document_passages("doc3")}
    with store.writer() as w:
        assert w.remove_document("doc3") == PER_DOC
        w.commit()
    assert vector_files(tmp_path) == ["vectors-1.faiss", "vectors-2.faiss.delta"]
    fresh = LocalStore.open(tmp_path)
    follower.refresh()
    for s in (store, follower, fresh):
        assert "doc3" not in s.document_states()
        assert not gone & set(held(s))
        # The removed document's own vector no longer finds it.
        query = synthetic("doc3", PER_DOC, 3)[2][:1]
        assert s.search_vectors(query, 1)[0][0] not in gone
    assert_consistent(store, follower, fresh)
    for s in (store, follower, fresh):
        s.close()


def test_an_update_that_changes_no_vector_above_the_threshold(tmp_path: Path) -> None:
    store = build(tmp_path)
    before = held(store)
    with store.writer() as w:
        w.touch_document("doc5", 42.0)
        w.set_skipped([])
        w.commit()
    fresh = LocalStore.open(tmp_path)
    assert fresh.document_states()["doc5"].mtime == 42.0
    for s in (store, fresh):
        assert set(held(s)) == set(before)
    assert_consistent(store, fresh)
    store.close()
    fresh.close()


def test_a_chain_of_removal_only_deltas_then_an_addition(tmp_path: Path) -> None:
    store = build(tmp_path)
    follower = LocalStore.open(tmp_path)
    for n in range(4):
        with store.writer() as w:
            w.remove_document(f"doc{n}")
            w.commit()
        follower.refresh()  # a reader following every generation
    with store.writer() as w:
        w.add_document(*synthetic("late", 5, 999))
        w.commit()
    assert vector_files(tmp_path) == ["vectors-1.faiss"] + [
        f"vectors-{g}.faiss.delta" for g in range(2, 7)
    ]
    fresh = LocalStore.open(tmp_path)
    follower.refresh()
    for s in (store, follower, fresh):
        assert not {f"doc{n}" for n in range(4)} & set(s.document_states())
        assert "late" in s.document_states()
    assert_consistent(store, follower, fresh)
    for s in (store, follower, fresh):
        s.close()


def test_removing_every_document_of_a_large_index(tmp_path: Path) -> None:
    store = build(tmp_path)
    with store.writer() as w:
        for n in range(DOCS):
            w.remove_document(f"doc{n}")
        w.commit()
    assert vector_files(tmp_path) == ["vectors-2.faiss"]
    fresh = LocalStore.open(tmp_path)
    for s in (store, fresh):
        assert s.document_states() == {}
        assert held(s) == {}
        assert s.search_vectors(synthetic("doc1", 1, 1)[2][:1], 3) == []
    assert_consistent(store, fresh)
    store.close()
    fresh.close()


def test_removing_from_an_approximate_index_publishes_a_delta(tmp_path: Path) -> None:
    """Above the real exact limit the index is IVF; a removal that keeps it IVF is a delta that
    every reader replays onto the same structure."""
    per_doc = 1000
    store = build(tmp_path, docs=EXACT_LIMIT // per_doc + 2, per_doc=per_doc)
    kind = store.stats().vector_index
    assert kind.startswith("IndexIVFFlat")
    with store.writer() as w:
        w.remove_document("doc7")
        w.commit()
    assert vector_files(tmp_path) == ["vectors-1.faiss", "vectors-2.faiss.delta"]
    fresh = LocalStore.open(tmp_path)
    for s in (store, fresh):
        assert s.stats().vector_index == kind
        assert "doc7" not in s.document_states()
    assert set(held(fresh)) == set(held(store)) == stored_ids(fresh)
    assert fresh.check(deep=False) == []
    store.close()
    fresh.close()


# -- through the indexer: real files, the real model, vectors stood in for speed ----------------


def large_index(tmp_path: Path, embedder: Embedder) -> Settings:
    """A corpus of DOCS real files and an index of it holding PER_DOC passages per file (one
    word each, with random vectors of the model's dimension instead of embedding 21,000
    passages), exactly as an earlier `askcorpus index` would have left it for the indexer."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(DOCS):
        words = " ".join(f"note{n}word{i}" for i in range(PER_DOC))
        (corpus / f"note{n:04d}.txt").write_text(words, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    dim = embedder.dimension
    store = LocalStore.create(settings.index_dir, expected_manifest(settings, dim, ONNX_VECTORS))
    rng = np.random.default_rng(0)
    entries, _skipped = discover(corpus)
    with store.writer() as w:
        for entry in entries:
            doc = read_entry(entry, settings)
            passages, pos = [], 0
            for i, word in enumerate(doc.text.split(" ")):
                passages.append(Passage(doc.source, i, pos, pos + len(word), word, 1))
                pos += len(word) + 1
            v = rng.normal(size=(len(passages), dim)).astype(np.float32)
            w.add_document(doc, passages, v / np.linalg.norm(v, axis=1, keepdims=True))
        w.commit()
    store.close()
    return settings


def test_indexer_deletes_a_file_and_touches_another_on_a_large_index(
    tmp_path: Path, embedder: Embedder
) -> None:
    if embedder.backend != ONNX_VECTORS:
        pytest.skip("the stand-in index records the default ONNX encoder")
    settings = large_index(tmp_path, embedder)
    (settings.corpus_dir / "note0003.txt").unlink()
    report = update_index(settings, embedder)
    assert (report.removed, report.passages_embedded) == (1, 0)
    # Same bytes, new mtime: no vector changes at all.
    touched = settings.corpus_dir / "note0004.txt"
    os.utime(touched, (touched.stat().st_atime, touched.stat().st_mtime + 100))
    report = update_index(settings, embedder)
    assert (report.removed, report.changed, report.passages_embedded) == (0, 0, 0)
    store = LocalStore.open(settings.index_dir, verify=True)
    try:
        states = store.document_states()
        assert "note0003.txt" not in states and len(states) == DOCS - 1
        assert states["note0004.txt"].mtime == touched.stat().st_mtime
        assert store.check(deep=True) == []
        assert store.stats().vectors == (DOCS - 1) * PER_DOC
    finally:
        store.close()


def test_cli_removal_on_a_large_index_exits_cleanly(tmp_path: Path, embedder: Embedder) -> None:
    if embedder.backend != ONNX_VECTORS:
        pytest.skip("the stand-in index records the default ONNX encoder")
    settings = large_index(tmp_path, embedder)
    (settings.corpus_dir / "note0009.txt").unlink()
    argv = ["index", "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "askcorpus", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "1 removed" in proc.stdout
    store = LocalStore.open(settings.index_dir)
    try:
        assert "note0009.txt" not in store.document_states()
        assert store.check(deep=True) == []
    finally:
        store.close()
