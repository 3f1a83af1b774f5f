"""Delta files: a small update of a large index publishes only its change; every reader, fresh
or following, sees exactly the vectors the writer had; damage to a delta is a typed error
naming it; a SIGKILL at each step of a delta publish leaves the old or the new state.

``DELTA_MIN_VECTORS`` is lowered so a few hundred synthetic passages count as "large"."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

import numpy as np
import pytest

from askcorpus.errors import IndexCorruptError
from askcorpus.settings import SCHEMA_VERSION
from askcorpus.store import durable
from askcorpus.store.base import Manifest
from askcorpus.store.local import generations as store_vectors
from askcorpus.store.local import writer as store_writer
from askcorpus.store.local.store import LocalStore
from askcorpus.store.local.vectors import EXACT_LIMIT
from tests.synthetic import DIM, synthetic

BASE_DOCS = 100  # x 10 passages: deltas may hold up to ~50 changes in all


@pytest.fixture(autouse=True)
def small_delta_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_vectors, "DELTA_MIN_VECTORS", 100)


def build(folder: Path, exact_limit: int = EXACT_LIMIT) -> LocalStore:
    manifest = Manifest(SCHEMA_VERSION, "m", DIM, {}, "t", "t")
    store = LocalStore.create(folder, manifest, exact_limit=exact_limit)
    with store.writer() as w:
        for n in range(BASE_DOCS):
            w.add_document(*synthetic(f"doc{n}", 10, n))
        w.commit()
    return store


def vector_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("vectors-*"))


def held(store: LocalStore) -> dict[int, np.ndarray]:
    with store.snapshot():
        ids, vecs = store._loaded.index.all_vectors()
    return dict(zip(ids.tolist(), vecs, strict=True))


def stored(store: LocalStore) -> dict[int, np.ndarray]:
    ids = [i for s in store.document_states() for i, _a, _b in store.document_passages(s)]
    return dict(zip(ids, store.passage_vectors(ids), strict=True))


def assert_same(a: dict[int, np.ndarray], b: dict[int, np.ndarray]) -> None:
    assert sorted(a) == sorted(b)
    for i in a:
        np.testing.assert_array_equal(a[i], b[i])


def test_small_updates_publish_deltas_that_every_reader_replays_exactly(tmp_path: Path) -> None:
    store = build(tmp_path)
    follower = LocalStore.open(tmp_path)
    assert vector_files(tmp_path) == ["vectors-1.faiss"]
    with store.writer() as w:  # add, replace, remove: all in one delta
        w.add_document(*synthetic("new", 3, 100))
        w.add_document(*synthetic("doc1", 4, 101))
        w.remove_document("doc2")
        w.commit()
    assert vector_files(tmp_path) == ["vectors-1.faiss", "vectors-2.faiss.delta"]
    with store.writer() as w:  # a document added and removed again within one publish
        w.add_document(*synthetic("brief", 2, 102))
        w.remove_document("brief")
        w.remove_document("new")
        w.add_document(*synthetic("later", 5, 103))
        w.commit()
    assert vector_files(tmp_path) == [
        "vectors-1.faiss",
        "vectors-2.faiss.delta",
        "vectors-3.faiss.delta",
    ]
    writer_view = held(store)  # adopted from the writer, never read from disk
    fresh = LocalStore.open(tmp_path)
    assert follower.refresh()
    for reader in (fresh, follower):
        assert_same(held(reader), writer_view)
        assert_same(held(reader), stored(reader))
        assert reader.check(deep=True) == []
        query = synthetic("later", 5, 103)[2][:1]
        assert reader.search_vectors(query, 1)[0][1] == pytest.approx(1.0, abs=1e-5)
    assert "brief" not in fresh.document_states() and "doc2" not in fresh.document_states()
    for s in (store, fresh, follower):
        s.close()


def test_a_large_change_or_a_long_chain_rewrites_the_full_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = build(tmp_path)
    with store.writer() as w:
        w.add_document(*synthetic("a", 10, 200))
        w.commit()
    assert vector_files(tmp_path) == ["vectors-1.faiss", "vectors-2.faiss.delta"]
    with store.writer() as w:
        w.add_document(*synthetic("b", 45, 201))  # 55 changes since the base > 1055 // 20
        assert w._added == {}  # past what a delta may hold: added vectors are not kept twice
        w.commit()
    assert vector_files(tmp_path) == ["vectors-3.faiss"]
    monkeypatch.setattr(store_vectors, "MAX_DELTAS", 2)
    for n in range(3):
        with store.writer() as w:
            w.add_document(*synthetic(f"c{n}", 1, 300 + n))
            w.commit()
    assert vector_files(tmp_path) == ["vectors-6.faiss"]
    fresh = LocalStore.open(tmp_path)
    assert_same(held(fresh), stored(fresh))
    assert fresh.check(deep=True) == []
    store.close()
    fresh.close()


def test_checkpoints_publish_deltas_too(tmp_path: Path) -> None:
    store = build(tmp_path)
    with store.writer() as w:
        w.add_document(*synthetic("x", 3, 400))
        w.checkpoint()
        w.remove_document("x")
        w.add_document(*synthetic("y", 3, 401))
        w.commit()
    assert vector_files(tmp_path) == [
        "vectors-1.faiss",
        "vectors-2.faiss.delta",
        "vectors-3.faiss.delta",
    ]
    fresh = LocalStore.open(tmp_path)
    assert set(fresh.document_states()) == {f"doc{n}" for n in range(BASE_DOCS)} | {"y"}
    assert_same(held(fresh), stored(fresh))
    store.close()
    fresh.close()


def damage_truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-7])


def damage_flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x40  # inside the last vector
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [damage_truncate, damage_flip, Path.unlink])
def test_a_damaged_delta_is_a_typed_error_naming_it(tmp_path: Path, damage) -> None:
    from askcorpus.indexer.health import diagnose
    from askcorpus.settings import Settings

    store = build(tmp_path)
    with store.writer() as w:
        w.add_document(*synthetic("z", 3, 500))
        w.commit()
    store.close()
    delta = tmp_path / "vectors-2.faiss.delta"
    damage(delta)
    with pytest.raises(IndexCorruptError) as caught:
        LocalStore.open(tmp_path)
    assert caught.value.path == delta
    assert caught.value.hint == "run `askcorpus index --rebuild`"
    health = diagnose(Settings(index_dir=tmp_path))
    assert not health.healthy and health.problems[0].path == delta


def _update_and_die(folder: str, point: str) -> None:
    """Child process: publish a delta and SIGKILL itself at ``point``."""
    store_vectors.DELTA_MIN_VECTORS = 100

    def die(*_args: object) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    real_write = store_vectors.write_delta
    if point == "before-write":
        store_writer.write_delta = die
    elif point == "tmp-written":
        durable.os.replace = die  # the temporary file is written and synced, not renamed
    elif point == "renamed":

        def write_then_die(*args: object) -> None:
            real_write(*args)  # type: ignore[arg-type]
            die()

        store_writer.write_delta = write_then_die
    elif point == "committed":
        store_writer.LocalWriter._cleanup = die  # type: ignore[method-assign]
    store = LocalStore.open(Path(folder))
    writer = store.writer()
    writer.remove_document("doc0")
    writer.add_document(*synthetic("doc1", 4, 600))
    writer.add_document(*synthetic("fresh", 2, 601))
    writer.commit()
    os._exit(3)  # not reached


@pytest.mark.parametrize("point", ["before-write", "tmp-written", "renamed", "committed"])
def test_sigkill_at_each_step_of_a_delta_publish(tmp_path: Path, point: str) -> None:
    build(tmp_path).close()
    # spawn, not fork: a forked child of a process whose OpenMP/BLAS threads ran may hang.
    proc = multiprocessing.get_context("spawn").Process(
        target=_update_and_die, args=(str(tmp_path), point)
    )
    proc.start()
    proc.join(120)
    assert proc.exitcode == -signal.SIGKILL
    store = LocalStore.open(tmp_path)
    states = store.document_states()
    if point == "committed":
        assert "doc0" not in states and "fresh" in states and states["doc1"].passages == 4
        assert (tmp_path / "vectors-2.faiss.delta").is_file()
    else:
        assert "doc0" in states and "fresh" not in states and states["doc1"].passages == 10
    assert store.check(deep=True) == []
    assert_same(held(store), stored(store))
    with store.writer() as w:  # the next publish works and clears what the crash left
        w.add_document(*synthetic("after", 1, 700))
        w.commit()
    generation = 3 if point == "committed" else 2
    expected = ["vectors-1.faiss"] + [f"vectors-{g}.faiss.delta" for g in range(2, generation + 1)]
    assert vector_files(tmp_path) == expected
    assert store.check(deep=True) == []
    store.close()


def test_a_writer_started_inside_a_snapshot_leaves_the_snapshot_its_vectors(
    tmp_path: Path,
) -> None:
    def counts() -> tuple[int, int, int]:
        stats = store.stats()
        return stats.documents, stats.passages, stats.vectors

    store = build(tmp_path)
    with store.snapshot():
        before = counts()
        writer = store.writer()
        writer.add_document(*synthetic("w", 2, 800))
        assert counts() == before  # the snapshot still sees (and holds) its state
        writer.commit()
        assert counts() == before
    assert counts() == (before[0] + 1, before[1] + 2, before[2] + 2)
    store.close()


def test_a_store_searched_in_one_thread_while_written_in_another(tmp_path: Path) -> None:
    """The writer borrows the store's loaded vectors only when no search is using them; searches
    on the same store and snapshots of a second store stay whole through delta and full
    publishes alike."""
    import threading

    store = build(tmp_path)
    follower = LocalStore.open(tmp_path)
    done = threading.Event()
    errors: list[BaseException] = []

    def write_many() -> None:
        try:
            for i in range(25):
                with store.writer() as w:
                    w.remove_document(f"doc{i}")
                    w.add_document(*synthetic(f"new{i}", 1 + i % 9, 900 + i))
                    w.commit()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=write_many)
    thread.start()
    rng = np.random.default_rng(9)
    searches = 0
    while not done.is_set():
        query = rng.normal(size=(1, DIM)).astype(np.float32)
        assert len(store.search_vectors(query, 20)) == 20
        with follower.snapshot():
            stats = follower.stats()
            hits = follower.search_vectors(query, 20)
            texts = follower.passages([i for i, _s in hits])
        assert stats.vectors == stats.passages and len(texts) == len(hits)
        searches += 1
    thread.join()
    assert not errors, errors
    assert searches > 0
    fresh = LocalStore.open(tmp_path)
    for reader in (store, follower, fresh):
        reader.refresh()
        assert reader.check(deep=True) == []
        assert_same(held(reader), stored(fresh))
        reader.close()


def test_a_delta_that_does_not_fit_on_disk_leaves_the_index_intact(tmp_path: Path) -> None:
    """The kernel refuses to grow files past RLIMIT_FSIZE (EFBIG, as on a full disk): the delta
    write fails, the update rolls back, nothing is left behind, and the next try succeeds."""
    import resource

    from askcorpus.errors import IndexWriteError

    store = build(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name != "writer.lock"}
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    writer = store.writer()
    writer.add_document(*synthetic("big", 5, 1000))
    resource.setrlimit(resource.RLIMIT_FSIZE, (256, hard))  # the delta needs ~400 bytes
    try:
        with pytest.raises(IndexWriteError) as caught:
            writer.commit()
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert "the disk is full; the previous index is intact" in caught.value.user_message()
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name != "writer.lock"}
    assert after.keys() == before.keys()  # no delta, no temporary file
    fresh = LocalStore.open(tmp_path)
    assert "big" not in fresh.document_states() and fresh.check(deep=True) == []
    with store.writer() as w:
        w.add_document(*synthetic("big", 5, 1000))
        w.commit()
    assert vector_files(tmp_path) == ["vectors-1.faiss", "vectors-2.faiss.delta"]
    assert fresh.refresh() and "big" in fresh.document_states()
    assert_same(held(fresh), stored(fresh))
    store.close()
    fresh.close()


def test_deltas_on_an_approximate_index(tmp_path: Path) -> None:
    """Above the exact limit (lowered to 300 here) the index is IVF; deltas replay onto it the
    same way, for a reader opened with the same limit."""
    store = build(tmp_path, exact_limit=300)
    assert store.stats().vector_index.startswith("IndexIVFFlat")
    with store.writer() as w:
        w.add_document(*synthetic("ivf", 6, 1100))
        w.remove_document("doc5")
        w.commit()
    assert vector_files(tmp_path) == ["vectors-1.faiss", "vectors-2.faiss.delta"]
    fresh = LocalStore.open(tmp_path, exact_limit=300)
    assert fresh.stats().vector_index == store.stats().vector_index
    assert_same(held(fresh), held(store))
    assert_same(held(fresh), stored(fresh))
    query = synthetic("ivf", 6, 1100)[2][:1]
    assert fresh.search_vectors(query, 1)[0][1] == pytest.approx(1.0, abs=1e-5)
    assert fresh.check(deep=True) == []
    store.close()
    fresh.close()


def test_a_change_of_faiss_structure_writes_a_full_file(tmp_path: Path) -> None:
    """Crossing the exact limit (1,010 here) turns the index approximate: small as the change
    is, the new structure is published as a full file, not as a delta."""
    store = build(tmp_path, exact_limit=1_010)
    assert store.stats().vector_index == "IndexFlatIP"
    with store.writer() as w:
        w.add_document(*synthetic("cross", 20, 1200))  # 20 changes: small enough for a delta
        w.commit()
    assert vector_files(tmp_path) == ["vectors-2.faiss"]
    fresh = LocalStore.open(tmp_path, exact_limit=1_010)
    assert fresh.stats().vector_index.startswith("IndexIVFFlat")
    assert_same(held(fresh), stored(fresh))
    store.close()
    fresh.close()
