"""Keyword search leaves the most frequent terms out of the ranking on large indexes only, and
only as many as it takes to bring the scan within budget (store_lexical)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from askcorpus.records import Document, KeywordQuery, Passage
from askcorpus.settings import SCHEMA_VERSION
from askcorpus.store.base import Manifest
from askcorpus.store.local import lexical as store_lexical
from askcorpus.store.local.store import LocalStore

DIM = 8


def build(folder: Path) -> LocalStore:
    """40 one-passage documents: "common" in all, "often" in 20, "rare" in 2, "unique" in 1."""
    store = LocalStore.create(folder, Manifest(SCHEMA_VERSION, "m", DIM, {}, "t", "t"))
    rng = np.random.default_rng(0)
    with store.writer() as w:
        for n in range(40):
            words = ["common", f"filler{n}"]
            if n % 2 == 0:
                words.append("often")
            if n in (3, 7):
                words.append("rare")
            if n == 7:
                words.append("unique")
            text = " ".join(words)
            doc = Document(f"d{n}", Path(f"d{n}"), f"d{n}", text, f"h{n}", len(text), 1.0)
            vec = rng.normal(size=(1, DIM)).astype(np.float32)
            w.add_document(doc, [Passage(f"d{n}", 0, 0, len(text), text, 1)], vec)
        w.commit()
    return store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    s = build(tmp_path)
    yield s
    s.close()


def ids(hits: list[tuple[int, float]]) -> set[int]:
    return {i for i, _s in hits}


def q(words: str) -> KeywordQuery:
    """One clause per word."""
    return KeywordQuery(tuple((w,) for w in words.split()))


MATCH = q("common often rare unique")


def test_small_indexes_rank_every_term(store: LocalStore) -> None:
    # Far over any budget, but 40 passages are below PRUNE_MIN_PASSAGES: "common" still counts.
    hits = store.search_lexical(MATCH, 100)
    assert len(hits) == 40 and hits[0][0] == store.search_lexical(q("unique"), 1)[0][0]


def test_frequent_terms_are_left_out_until_the_scan_fits(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_lexical, "PRUNE_MIN_PASSAGES", 10)
    monkeypatch.setattr(store_lexical, "SCAN_BUDGET", 25)  # 40 + 20 + 2 + 1 postings asked
    monkeypatch.setattr(store_lexical, "FREQUENT_SHARE", 0.1)
    # Dropping "common" (40) leaves 23 postings: "often" stays.
    # What is found is what the kept terms find (the scores then add the terms left out).
    pruned = store.search_lexical(MATCH, 100)
    assert ids(pruned) == ids(store.search_lexical(q("often rare unique"), 100))
    monkeypatch.setattr(store_lexical, "SCAN_BUDGET", 3)
    assert ids(store.search_lexical(MATCH, 100)) == ids(store.search_lexical(q("rare unique"), 100))
    assert ids(store.search_lexical(MATCH, 1)) == ids(store.search_lexical(q("unique"), 1))


def test_rare_terms_and_the_last_term_are_always_kept(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_lexical, "PRUNE_MIN_PASSAGES", 10)
    monkeypatch.setattr(store_lexical, "SCAN_BUDGET", 0)
    monkeypatch.setattr(store_lexical, "FREQUENT_SHARE", 0.1)
    # "rare" (2 of 40 passages) is not frequent: kept although over budget.
    assert ids(store.search_lexical(MATCH, 100)) == ids(store.search_lexical(q("rare unique"), 100))
    # Only frequent terms: the rarest of them stays.
    both = store.search_lexical(q("common often"), 100)
    assert ids(both) == ids(store.search_lexical(q("often"), 100)) and len(both) == 20


def test_query_words_are_never_fts5_syntax(store: LocalStore) -> None:
    # Operators, quotes and column filters inside a clause are matched as text, never run.
    hostile = (("common", "and"), ('"',), ("body:rare",), ("NEAR(often",), ("",))
    # Each is a phrase no passage holds ("body rare", "near often"): nothing, and no error.
    assert store.search_lexical(KeywordQuery(hostile), 100) == []
    with_rare = KeywordQuery((*hostile, ("rare",)))
    assert store.search_lexical(with_rare, 100) == store.search_lexical(q("rare"), 100)
    assert store.search_lexical(KeywordQuery(), 100) == []
    phrase = KeywordQuery((("common", "filler7"),))
    assert [pid for pid, _s in store.search_lexical(phrase, 100)] == [
        pid for pid, _s in store.search_lexical(q("unique"), 1)
    ]


def test_pruning_follows_counts_committed_after_earlier_searches(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Postings counts are cached per connection: a commit by the writer must refresh them.
    monkeypatch.setattr(store_lexical, "PRUNE_MIN_PASSAGES", 10)
    monkeypatch.setattr(store_lexical, "SCAN_BUDGET", 25)
    monkeypatch.setattr(store_lexical, "FREQUENT_SHARE", 0.1)
    asked = q("rare unique")
    assert ids(store.search_lexical(asked, 100)) == ids(store.search_lexical(q("rare unique"), 100))
    # 30 more passages holding "rare": now it is frequent (32 of 70) and over budget.
    with store.writer() as w:
        for n in range(40, 70):
            text = f"rare filler{n}"
            doc = Document(f"d{n}", Path(f"d{n}"), f"d{n}", text, f"h{n}", len(text), 1.0)
            vec = np.ones((1, DIM), np.float32)
            w.add_document(doc, [Passage(f"d{n}", 0, 0, len(text), text, 1)], vec)
        w.commit()
    store.refresh()
    after = store.search_lexical(asked, 100)
    assert ids(after) == ids(store.search_lexical(q("unique"), 100)) and len(after) == 1


def test_found_passages_are_rescored_with_the_terms_left_out(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    exact = dict(store.search_lexical(q("rare unique"), 100))  # 40 passages: every term ranked
    monkeypatch.setattr(store_lexical, "PRUNE_MIN_PASSAGES", 10)
    monkeypatch.setattr(store_lexical, "SCAN_BUDGET", 1)
    monkeypatch.setattr(store_lexical, "FREQUENT_SHARE", 0.01)
    # "rare" (2 passages) is left out: only passage 7 ("unique") is found, with its exact score.
    pruned = store.search_lexical(q("rare unique"), 100)
    assert len(pruned) == 1 and pruned[0][1] == pytest.approx(exact[pruned[0][0]], rel=1e-9)


def test_rescoring_reads_the_text_with_the_index_s_own_stems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A word left out is counted in the passages found as FTS5 counts it: "methodology"
    matches "methodologies" and "Methodológy" (FTS5's porter and diacritics), not by endings."""
    store = LocalStore.create(tmp_path, Manifest(SCHEMA_VERSION, "m", DIM, {}, "t", "t"))
    rng = np.random.default_rng(1)
    texts = {5: "methodologies unique methodology", 9: "Methodológy common", 12: "assembled"}
    with store.writer() as w:
        for n in range(30):
            text = texts.get(n, f"common filler{n}")
            doc = Document(f"d{n}", Path(f"d{n}"), f"d{n}", text, f"h{n}", len(text), 1.0)
            vec = rng.normal(size=(1, DIM)).astype(np.float32)
            w.add_document(doc, [Passage(f"d{n}", 0, 0, len(text), text, 1)], vec)
        w.commit()
    try:
        exact = dict(store.search_lexical(q("methodology unique"), 100))
        monkeypatch.setattr(store_lexical, "PRUNE_MIN_PASSAGES", 10)
        monkeypatch.setattr(store_lexical, "SCAN_BUDGET", 1)
        monkeypatch.setattr(store_lexical, "FREQUENT_SHARE", 0.01)
        pruned = store.search_lexical(q("methodology unique"), 100)
        assert len(pruned) == 1 and pruned[0][1] == pytest.approx(exact[pruned[0][0]], rel=1e-9)
    finally:
        store.close()
