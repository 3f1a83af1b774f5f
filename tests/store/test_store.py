"""The FAISS + SQLite store: exact search against numpy, atomic updates, the writer lock."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from askcorpus.errors import IndexCorruptError, IndexLockedError, IndexMissingError
from askcorpus.records import Document, Passage
from askcorpus.settings import SCHEMA_VERSION
from askcorpus.store.base import Manifest
from askcorpus.store.local.store import LocalStore

DIM = 16


def manifest() -> Manifest:
    return Manifest(SCHEMA_VERSION, "test-model", DIM, {"target_words": 1}, "t", "t")


def document(source: str, n: int) -> tuple[Document, list[Passage]]:
    words = [f"w{source}{i}" for i in range(n)]
    text = " ".join(words)
    doc = Document(source, Path(source), source.upper(), text, source, len(text), 1.0)
    passages, pos = [], 0
    for i, w in enumerate(words):
        passages.append(Passage(source, i, pos, pos + len(w), w, i + 1))
        pos += len(w) + 1
    return doc, passages


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def add(store: LocalStore, rng: np.random.Generator, sizes: dict[str, int]) -> None:
    """Commit one document of ``n`` passages per source of ``sizes``."""
    with store.writer() as w:
        for source, n in sizes.items():
            doc, passages = document(source, n)
            w.add_document(doc, passages, unit(rng, n))
        w.commit()


@contextlib.contextmanager
def store_and_reader(
    tmp_path: Path, rng: np.random.Generator, sizes: dict[str, int]
) -> Iterator[tuple[LocalStore, LocalStore]]:
    """A new store holding the documents of ``sizes`` (see :func:`add`), and a second
    connection reading it; both closed afterwards."""
    store = LocalStore.create(tmp_path, manifest())
    add(store, rng, sizes)
    reader = LocalStore.open(tmp_path)
    try:
        yield store, reader
    finally:
        reader.close()
        store.close()


def test_vector_search_matches_brute_force(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    store = LocalStore.create(tmp_path, manifest())
    all_vecs = {}
    with store.writer() as w:
        for s in "abcde":
            doc, passages = document(s, 40)
            vecs = unit(rng, 40)
            w.add_document(doc, passages, vecs)
        w.commit()
    ids = sorted(store.passages(list(range(1, 1000))))
    vecs = store.passage_vectors(ids)
    all_vecs = dict(zip(ids, vecs, strict=True))
    for q in unit(rng, 20):
        got = store.search_vectors(q[None, :], 10)
        scores = {i: float(v @ q) for i, v in all_vecs.items()}
        expected = sorted(scores, key=scores.get, reverse=True)[:10]
        assert [i for i, _ in got] == expected
        assert np.allclose([s for _, s in got], [scores[i] for i in expected], atol=1e-5)


def test_passage_text_is_the_document_slice(tmp_path: Path) -> None:
    store = LocalStore.create(tmp_path, manifest())
    doc, passages = document("x", 5)
    with store.writer() as w:
        w.add_document(doc, passages, unit(np.random.default_rng(1), 5))
        w.commit()
    stored = store.passages(list(range(1, 6)))
    assert [p.text for p in stored.values()] == [doc.text[p.start : p.end] for p in stored.values()]
    assert store.document("x").text == doc.text


def test_uncommitted_update_is_invisible_and_rolled_back(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    store = LocalStore.create(tmp_path, manifest())
    doc, passages = document("a", 3)
    with store.writer() as w:
        w.add_document(doc, passages, unit(rng, 3))
        w.commit()
    with store.writer() as w:
        w.remove_document("a")
        doc2, passages2 = document("b", 4)
        w.add_document(doc2, passages2, unit(rng, 4))
        # no commit: leaving the block rolls back
    reopened = LocalStore.open(tmp_path)
    assert set(reopened.document_states()) == {"a"}
    assert reopened.stats().vectors == 3 and reopened.stats().healthy
    assert sorted(p.name for p in tmp_path.glob("vectors-*")) == ["vectors-1.faiss"]


def test_second_writer_is_refused_with_the_pid(tmp_path: Path) -> None:
    store = LocalStore.create(tmp_path, manifest())
    with store.writer(), pytest.raises(IndexLockedError, match=r"another process \(pid \d+\)"):
        store.writer()
    with store.writer() as w:  # released after the first writer ended
        w.rollback()


def test_missing_and_damaged_indexes_are_typed_errors(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="askcorpus index"):
        LocalStore.open(tmp_path / "none")
    LocalStore.create(tmp_path, manifest()).close()
    (tmp_path / "vectors-0.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexCorruptError, match="vectors-0.faiss.*--rebuild"):
        LocalStore.open(tmp_path)


def test_readers_stay_consistent_while_a_writer_keeps_publishing(tmp_path: Path) -> None:
    """A writer thread publishes generation after generation (each removing the previous
    vector file) while a reader keeps checking: every state it sees is whole and consistent."""
    import threading

    from tests.synthetic import synthetic

    store = LocalStore.create(tmp_path, manifest())
    with store.writer() as w:
        w.add_document(*synthetic("base", 4, 0))
        w.commit()
    done = threading.Event()
    errors: list[BaseException] = []

    def write_many() -> None:
        writer_store = LocalStore.open(tmp_path)
        try:
            for i in range(1, 40):
                with writer_store.writer() as w:
                    w.remove_document(f"doc{i - 1}")
                    w.add_document(*synthetic(f"doc{i}", 1 + i % 5, i))
                    w.commit()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            writer_store.close()
            done.set()

    thread = threading.Thread(target=write_many)
    thread.start()
    reader = LocalStore.open(tmp_path)
    seen = set()
    rng = np.random.default_rng(5)
    while not done.is_set():
        with reader.snapshot():
            states = reader.document_states()
            stats = reader.stats()
            hits = reader.search_vectors(unit(rng, 1), 50)
            texts = reader.passages([i for i, _s in hits])
        assert stats.vectors == stats.passages == sum(s.passages for s in states.values())
        assert set(states) - {"base"} <= {f"doc{i}" for i in range(40)}
        assert len(states) <= 2 and "base" in states
        assert len(texts) == len(hits)  # every vector id found its passage in the same state
        seen.add(reader.generation)
        fresh = LocalStore.open(tmp_path)  # opening races with the removal of old files too
        fresh.close()
    thread.join()
    assert not errors, errors
    assert len(seen) > 1
    assert reader.check(deep=True) == []
    reader.close()


def test_passages_read_lately_come_from_memory_until_another_connection_commits(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(3)
    with store_and_reader(tmp_path, rng, {"a": 4, "b": 4}) as (store, reader):
        ids = [hit for hit, _s in reader.search_vectors(unit(rng, 1)[0], 8)]
        first = reader.passages(ids)
        assert list(first) == sorted(ids)  # by id, whatever was kept
        again = reader.passages(list(reversed(ids)))
        assert list(again) == sorted(ids)
        assert all(again[i] is first[i] for i in ids)  # kept, not read and checked again
        with store.writer() as w:  # another connection removes "a"
            w.remove_document("a")
            w.commit()
        left = reader.passages(ids)
        assert {p.source for p in left.values()} == {"b"}
        assert left == {i: p for i, p in first.items() if p.source == "b"}


def test_stats_are_kept_until_another_connection_commits(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    with store_and_reader(tmp_path, rng, {"a": 3}) as (store, reader):
        with reader.snapshot():
            first = reader.stats()
            assert reader.stats() is first  # one state: read once
        assert (first.documents, first.passages, first.vectors) == (1, 3, 3)
        add(store, rng, {"b": 5})  # another connection adds a document
        after = reader.stats()
        assert (after.documents, after.passages, after.vectors) == (2, 8, 8)
        files = [p for p in tmp_path.iterdir() if p.is_file()]
        assert after.size_bytes == sum(p.stat().st_size for p in files)


def test_documents_read_lately_come_from_memory_until_another_connection_commits(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(4)
    with store_and_reader(tmp_path, rng, {"a": 3}) as (store, reader):
        first = reader.document("a")
        assert first is not None and reader.document("a") is first
        changed, more = document("a", 5)  # the same file, edited: a longer text
        with store.writer() as w:
            w.remove_document("a")
            w.add_document(changed, more, unit(rng, 5))
            w.commit()
        now = reader.document("a")
        assert now is not None and now.text == changed.text != first.text
        with store.writer() as w:
            w.remove_document("a")
            w.commit()
        assert reader.document("a") is None
