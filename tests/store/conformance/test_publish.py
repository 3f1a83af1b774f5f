"""Conformance: atomic publishes. Readers see one committed state per snapshot; a writer's work
is invisible until it commits (or checkpoints, as an incomplete state); a rollback, an
exception or leaving the writer unfinished keeps the old state."""

from __future__ import annotations

import pytest

from askcorpus.store.base import Store, StoreLocation

from .conftest import make_document, manifest, words


@pytest.fixture
def base(location: StoreLocation) -> Store:
    """An index holding ``old.txt``, committed."""
    store = location.create(manifest())
    with store.writer() as w:
        w.add_document(*make_document("old.txt", words(3, "old"), seed=1))
        w.commit()
    return store


def test_an_uncommitted_update_is_invisible_to_readers(
    location: StoreLocation, base: Store
) -> None:
    reader = location.open()
    try:
        writer = base.writer()
        writer.remove_document("old.txt")
        writer.add_document(*make_document("new.txt", words(2, "new"), seed=2))
        assert not reader.refresh()
        assert set(reader.document_states()) == {"old.txt"}
        assert reader.stats().passages == reader.stats().vectors == 3
        with reader.snapshot():
            assert set(reader.document_states()) == {"old.txt"}
        writer.commit()
        assert reader.refresh()
        assert set(reader.document_states()) == {"new.txt"}
        assert reader.stats().passages == reader.stats().vectors == 2
        assert not reader.refresh()  # nothing new since
    finally:
        reader.close()
        base.close()


def test_a_snapshot_keeps_its_state_while_a_writer_commits(
    location: StoreLocation, base: Store
) -> None:
    reader = location.open()
    try:
        with reader.snapshot():
            before = reader.document_states()
            old_ids = [i for i, _s, _e in reader.document_passages("old.txt")]
            with base.writer() as w:
                w.remove_document("old.txt")
                w.add_document(*make_document("new.txt", words(4, "new"), seed=3))
                w.commit()
            assert reader.document_states() == before
            assert sorted(reader.passages(old_ids)) == sorted(old_ids)
            hits = reader.search_vectors(make_document("x", ["x"], seed=1)[2], 10)
            assert {i for i, _ in hits} <= set(old_ids)  # vectors of the same state
            assert reader.stats().passages == reader.stats().vectors == 3
        reader.refresh()
        assert set(reader.document_states()) == {"new.txt"}
    finally:
        reader.close()
        base.close()


def test_a_checkpoint_publishes_an_incomplete_state_until_the_commit(
    location: StoreLocation, base: Store
) -> None:
    reader = location.open()
    try:
        assert reader.complete
        with base.writer() as w:
            w.add_document(*make_document("first.txt", words(2, "first"), seed=4))
            assert w.checkpoints == 0
            w.checkpoint()
            assert w.checkpoints == 1
            assert reader.refresh()
            assert set(reader.document_states()) == {"old.txt", "first.txt"}
            assert not reader.complete
            assert not reader.stats().complete
            assert reader.stats().passages == reader.stats().vectors == 5
            w.add_document(*make_document("second.txt", words(1, "second"), seed=5))
            assert "second.txt" not in reader.document_states()
            w.commit()
        reader.refresh()
        assert set(reader.document_states()) == {"old.txt", "first.txt", "second.txt"}
        assert reader.complete and reader.stats().complete
        assert reader.check(deep=True) == []
    finally:
        reader.close()
        base.close()


def test_work_after_a_checkpoint_is_lost_by_a_rollback_and_the_checkpoint_kept(
    location: StoreLocation, base: Store
) -> None:
    with base.writer() as w:
        w.add_document(*make_document("kept.txt", words(2, "kept"), seed=6))
        w.checkpoint()
        w.add_document(*make_document("lost.txt", words(2, "lost"), seed=7))
        w.rollback()
    base.close()
    reopened = location.open()
    try:
        assert set(reopened.document_states()) == {"old.txt", "kept.txt"}
        assert not reopened.complete
        assert reopened.check(deep=True) == []
    finally:
        reopened.close()


def test_rollback_leaves_the_old_state(location: StoreLocation, base: Store) -> None:
    writer = base.writer()
    writer.remove_document("old.txt")
    writer.add_document(*make_document("new.txt", words(2, "new"), seed=8))
    writer.rollback()
    assert set(base.document_states()) == {"old.txt"}
    base.close()
    reopened = location.open()
    try:
        assert set(reopened.document_states()) == {"old.txt"}
        stats = reopened.stats()
        assert (stats.passages, stats.vectors) == (3, 3) and stats.complete
        assert reopened.check(deep=True) == []
    finally:
        reopened.close()


def test_leaving_a_writer_without_commit_or_by_an_error_rolls_back(
    location: StoreLocation, base: Store
) -> None:
    with base.writer() as w:
        w.add_document(*make_document("a.txt", words(1, "a"), seed=9))
    with pytest.raises(KeyError), base.writer() as w:
        w.add_document(*make_document("b.txt", words(1, "b"), seed=10))
        raise KeyError("the caller failed")
    assert set(base.document_states()) == {"old.txt"}
    with base.writer() as w:  # the lock was released each time
        w.add_document(*make_document("c.txt", words(1, "c"), seed=11))
        w.commit()
    assert set(base.document_states()) == {"old.txt", "c.txt"}
    base.close()


def test_write_errors_lets_other_errors_through_unchanged(base: Store) -> None:
    with pytest.raises(ZeroDivisionError), base.write_errors():
        raise ZeroDivisionError
    base.close()


def test_a_label_is_published_with_its_update_and_kept_by_a_rollback(
    location: StoreLocation, base: Store
) -> None:
    reader = location.open()
    try:
        assert reader.label("beir-source") is None
        with base.writer() as w:
            w.set_label("beir-source", '{"corpus": "a"}')
            assert reader.label("beir-source") is None  # not before the commit
            w.commit()
        assert reader.label("beir-source") == '{"corpus": "a"}'
        with base.writer() as w:
            w.set_label("beir-source", "changed")
            w.rollback()
        assert reader.label("beir-source") == '{"corpus": "a"}'
        with base.writer() as w:
            w.set_label("beir-source", None)
            w.commit()
        assert reader.label("beir-source") is None
        assert reader.label("manifest") is None  # labels never reach the store's own keys
    finally:
        reader.close()
        base.close()
