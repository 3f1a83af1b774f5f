"""Conformance: adding, replacing, touching and removing a document's passages, and every
lookup of what is stored."""

from __future__ import annotations

import numpy as np

from askcorpus.records import KeywordQuery, SkippedFile
from askcorpus.store.base import Store

from .conftest import DIM, make_document, words


def add(store: Store, *docs: tuple) -> None:
    with store.writer() as w:
        for d in docs:
            w.add_document(*d)
        w.commit()


def test_an_added_document_reads_back_exactly(store: Store) -> None:
    doc, passages, vectors = make_document(
        "notes/a.txt", ["The harbour ledger.", "A second paragraph.", "Third."], seed=1
    )
    add(store, (doc, passages, vectors))
    states = store.document_states()
    assert list(states) == ["notes/a.txt"]
    state = states["notes/a.txt"]
    assert (state.content_hash, state.size, state.mtime, state.passages) == (
        doc.content_hash,
        doc.size,
        doc.mtime,
        3,
    )
    stored_doc = store.document("notes/a.txt")
    assert stored_doc == doc
    spans = store.document_passages("notes/a.txt")
    assert [(s, e) for _i, s, e in spans] == [(p.start, p.end) for p in passages]
    ids = [i for i, _s, _e in spans]
    found = store.passages(ids)
    assert sorted(found) == sorted(ids)
    for pid, p in zip(ids, passages, strict=True):
        got = found[pid]
        assert (got.source, got.title, got.start, got.end, got.text) == (
            p.source,
            doc.title,
            p.start,
            p.end,
            doc.text[p.start : p.end],
        )
        assert (got.paragraph, got.page, got.section) == (p.paragraph, p.page, p.section)
    np.testing.assert_allclose(store.passage_vectors(ids), vectors, atol=1e-6)
    assert store.passage_vectors(ids[::-1]).shape == (3, DIM)
    np.testing.assert_allclose(store.passage_vectors(ids[::-1]), vectors[::-1], atol=1e-6)
    stats = store.stats()
    assert (stats.documents, stats.passages, stats.vectors) == (1, 3, 3) and stats.healthy
    assert store.check(deep=True) == []


def test_unknown_lookups_find_nothing(store: Store) -> None:
    add(store, make_document("a.txt", words(2, "a")))
    assert store.document("missing.txt") is None
    assert store.document_passages("missing.txt") == []
    assert store.passages([]) == {}
    assert store.passages([10**9]) == {}


def test_adding_a_document_again_replaces_its_passages(store: Store) -> None:
    add(store, make_document("a.txt", words(4, "old"), seed=1), make_document("b.txt", ["b"]))
    old_ids = [i for i, _s, _e in store.document_passages("a.txt")]
    new = make_document("a.txt", ["new text", "and more"], seed=2, version="2")
    add(store, new)
    spans = store.document_passages("a.txt")
    assert len(spans) == 2
    assert store.document_states()["a.txt"].content_hash == "a.txt-2"
    assert store.passages(old_ids) == {}  # the old passages are gone, not shadowed
    texts = {p.text for p in store.passages([i for i, _s, _e in spans]).values()}
    assert texts == {"new text", "and more"}
    hits = store.search_vectors(new[2][0], 10)
    assert {i for i, _ in hits}.isdisjoint(old_ids)
    stats = store.stats()
    assert (stats.documents, stats.passages, stats.vectors) == (2, 3, 3)
    assert store.check(deep=True) == []


def test_removing_a_document_drops_its_passages_vectors_and_keywords(store: Store) -> None:
    add(
        store,
        make_document("a.txt", ["zebra crossing", "zebra herd"]),
        make_document("b.txt", ["b"]),
    )
    ids = [i for i, _s, _e in store.document_passages("a.txt")]
    with store.writer() as w:
        assert w.remove_document("a.txt") == 2
        assert w.remove_document("never-there.txt") == 0
        w.commit()
    assert set(store.document_states()) == {"b.txt"}
    assert store.document("a.txt") is None and store.document_passages("a.txt") == []
    assert store.passages(ids) == {}
    assert store.search_lexical(KeywordQuery((("zebra",),)), 10) == []
    assert {i for i, _ in store.search_vectors(np.ones(DIM, np.float32) / DIM**0.5, 10)}.isdisjoint(
        ids
    )
    assert store.stats().passages == store.stats().vectors == 1
    assert store.check(deep=True) == []


def test_a_document_without_passages_is_stored(store: Store) -> None:
    doc, _p, _v = make_document("empty.txt", ["x"])
    with store.writer() as w:
        w.add_document(doc, [], np.empty((0, DIM), np.float32))
        w.commit()
    assert store.document_states()["empty.txt"].passages == 0
    assert store.document("empty.txt") == doc


def test_touch_records_a_new_modification_time_only(store: Store) -> None:
    add(store, make_document("a.txt", words(2, "a")))
    before = store.document_states()["a.txt"]
    with store.writer() as w:
        w.touch_document("a.txt", 4242.5)
        w.commit()
    after = store.document_states()["a.txt"]
    assert after.mtime == 4242.5
    assert (after.content_hash, after.size, after.passages) == (
        before.content_hash,
        before.size,
        before.passages,
    )


def test_the_skipped_list_is_replaced_as_a_whole(store: Store) -> None:
    with store.writer() as w:
        w.set_skipped([SkippedFile("b.pdf", "no text"), SkippedFile("a.bin", "unsupported")])
        w.commit()
    assert sorted(store.skipped(), key=lambda s: s.source) == [
        SkippedFile("a.bin", "unsupported"),
        SkippedFile("b.pdf", "no text"),
    ]
    assert store.stats().skipped == 2
    with store.writer() as w:
        w.set_skipped([SkippedFile("c.doc", "damaged")])
        w.commit()
    assert store.skipped() == [SkippedFile("c.doc", "damaged")]
