"""One-word keyword queries ranked from FTS5's postings give FTS5's own bm25() ranking, score for
score, also after updates on a connection that read the passage lengths before
(store/local/postings.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from askcorpus.records import Document, KeywordQuery, Passage
from askcorpus.settings import SCHEMA_VERSION
from askcorpus.store.base import Manifest
from askcorpus.store.local import lexical, postings
from askcorpus.store.local.store import LocalStore

DIM = 8
# Words of very different frequencies, inflected so stems matter ("running" -> "run").
VOCAB = ["cell", "cells", "running", "runs", "protein", "gene", "zebra", "quokka", "ionic"]


def text_of(rng: np.random.Generator, n: int) -> str:
    """A passage of ``n`` words: Zipf-like draws from VOCAB plus filler words."""
    weights = 1.0 / np.arange(1, len(VOCAB) + 1)
    words = [
        VOCAB[rng.choice(len(VOCAB), p=weights / weights.sum())]
        if rng.random() < 0.4
        else f"w{rng.integers(0, 200)}"
        for _ in range(n)
    ]
    return " ".join(words)


def add(store: LocalStore, rng: np.random.Generator, names: range) -> None:
    with store.writer() as w:
        for n in names:
            text = text_of(rng, int(rng.integers(3, 400)))  # 1- and 2-byte size records
            doc = Document(f"d{n}", Path(f"d{n}"), f"d{n}", text, f"h{n}", len(text), 1.0)
            vec = rng.normal(size=(1, DIM)).astype(np.float32)
            w.add_document(doc, [Passage(f"d{n}", 0, 0, len(text), text, 1)], vec)
        w.commit()


def fts5(conn: sqlite3.Connection, clauses: list[str], k: int) -> list[tuple[int, float]]:
    rows = conn.execute(
        "SELECT rowid, -bm25(passages_fts) AS s FROM passages_fts WHERE passages_fts MATCH ? "
        "ORDER BY s DESC, rowid LIMIT ?",
        (" OR ".join(clauses), k),
    ).fetchall()
    return [(int(i), float(s)) for i, s in rows]


QUERIES = [
    ['"cell"'],
    ['"cells"', '"protein"'],
    ['"running"', '"gene"', '"zebra"'],
    ['"quokka"', '"ionic"', '"runs"', '"cell"'],
    ['"w3"', '"gene"', '"absent"'],
]


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    s = LocalStore.create(tmp_path, Manifest(SCHEMA_VERSION, "m", DIM, {}, "t", "t"))
    add(s, np.random.default_rng(1), range(120))
    return s


def test_postings_rank_exactly_as_fts5_bm25(store: LocalStore) -> None:
    conn = store._conn
    for clauses in QUERIES:
        for k in (1, 5, 50, 500):
            assert postings.ranked(conn, clauses, k) == fts5(conn, clauses, k)


def test_ranking_stays_exact_after_updates_read_on_the_same_connection(
    store: LocalStore,
) -> None:
    conn = store._conn
    before = [postings.ranked(conn, c, 20) for c in QUERIES]  # reads (and keeps) the lengths
    assert before == [fts5(conn, c, 20) for c in QUERIES]
    with store.writer() as w:
        for n in range(0, 120, 3):
            w.remove_document(f"d{n}")
        w.commit()
    add(store, np.random.default_rng(2), range(200, 260))
    after = [postings.ranked(conn, c, 20) for c in QUERIES]
    assert after == [fts5(conn, c, 20) for c in QUERIES]
    assert after != before
    fresh = LocalStore.open(store.folder)
    try:
        assert [postings.ranked(fresh._conn, c, 20) for c in QUERIES] == after
    finally:
        fresh.close()


def test_phrases_rank_exactly_as_fts5_bm25(store: LocalStore) -> None:
    conn = store._conn
    for clauses in (
        ['"cell protein"', '"gene"'],
        ['"running gene"', '"cells protein"', '"w1 w2"', '"runs"'],
        ['"x-ray"', '"cell"', '"runs"'],  # FTS5 makes "x-ray" a phrase
        ['"gene cell"', '"zebra quokka"', '"protein"', '"absent word"'],
    ):
        assert postings.ranked(conn, clauses, 40) == fts5(conn, clauses, 40)


def test_queries_of_phrases_only_are_left_to_fts5(store: LocalStore) -> None:
    assert postings.ranked(store._conn, ['"cell protein"', '"running gene"'], 10) is None


def test_phrases_matching_many_passages_are_left_to_fts5(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    clauses = ['"cell cell"', '"gene"']
    assert len(fts5(store._conn, ['"cell cell"'], 10)) > 1
    monkeypatch.setattr(postings, "PHRASE_ROWS", 10_000)
    assert postings.ranked(store._conn, clauses, 10) == fts5(store._conn, clauses, 10)
    monkeypatch.setattr(postings, "PHRASE_ROWS", 1)
    assert postings.ranked(store._conn, clauses, 10) is None


def test_search_lexical_gives_the_same_hits_either_way(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = KeywordQuery((("running",), ("gene",), ("cell", "protein"), ("zebra",)))
    words = KeywordQuery((("running",), ("gene",), ("zebra",), ("cells",)))
    got = [store.search_lexical(q, 30) for q in (query, words)]
    monkeypatch.setattr(lexical, "FROM_POSTINGS", False)
    assert [store.search_lexical(q, 30) for q in (query, words)] == got


def test_a_reader_stays_read_only(store: LocalStore) -> None:
    reader = LocalStore.open(store.folder)
    try:
        assert postings.ranked(reader._conn, ['"cell"'], 5)
        assert reader._conn.execute("PRAGMA query_only").fetchone()[0] == 1
        with pytest.raises(sqlite3.OperationalError):
            reader._conn.execute("DELETE FROM skipped")
    finally:
        reader.close()


def test_varints_of_one_to_three_bytes_are_decoded() -> None:
    values = [0, 1, 127, 128, 300, 16383, 16384, 2_000_000]
    raw = bytearray()
    for v in values:
        groups = [v & 0x7F]
        v >>= 7
        while v:
            groups.append((v & 0x7F) | 0x80)
            v >>= 7
        raw += bytes(reversed(groups))
    decoded = postings._varints(np.frombuffer(bytes(raw), np.uint8))
    assert decoded is not None and decoded.tolist() == values
    four = np.frombuffer(bytes([0x81, 0x80, 0x80, 0x00]), np.uint8)
    assert postings._varints(four) is None


def test_first_search_inside_a_snapshot_while_a_writer_holds_its_transaction(
    store: LocalStore,
) -> None:
    reader = LocalStore.open(store.folder)
    try:
        with store.writer() as w:  # BEGIN IMMEDIATE, uncommitted rows
            w.remove_document("d1")
            reader._conn.execute("PRAGMA busy_timeout = 0")  # waiting would be the bug
            with reader.snapshot():
                hits = reader.search_lexical(KeywordQuery((("cell",), ("gene",))), 5)
                assert hits == fts5(reader._conn, ['"cell"', '"gene"'], 5)
            w.rollback()
    finally:
        reader.close()


def test_cjk_bigrams_diacritics_and_hyphens_rank_as_in_fts5(tmp_path: Path) -> None:
    from askcorpus.text.fold import keyword_text

    store = LocalStore.create(tmp_path, Manifest(SCHEMA_VERSION, "m", DIM, {}, "t", "t"))
    texts = [
        "研究表明咖啡因 caffeine Müller naïve x-ray x-ray",
        "咖啡 咖啡因 and the naive Muller studies",
        "X-ray of a café: Müller's naïveté, ray ray x",
        "unrelated words only",
    ]
    rng = np.random.default_rng(3)
    with store.writer() as w:
        for n, raw in enumerate(texts):
            doc = Document(f"c{n}", Path(f"c{n}"), f"c{n}", raw, f"h{n}", len(raw), 1.0)
            vec = rng.normal(size=(1, DIM)).astype(np.float32)
            w.add_document(doc, [Passage(f"c{n}", 0, 0, len(raw), raw, 1)], vec)
        w.commit()
    try:
        conn = store._conn
        assert "咖啡" in keyword_text(texts[0])
        for clauses in (
            ['"咖啡"', '"啡因"', '"muller"'],
            ['"x ray"', '"naive"', '"cafe"'],
            ['"咖啡 啡因"', '"müller"', '"ray"'],
        ):
            expected = fts5(conn, clauses, 10)
            assert len(expected) >= 2
            assert postings.ranked(conn, clauses, 10) == expected
    finally:
        store.close()


def test_parsed_postings_are_kept_until_another_connection_commits(store: LocalStore) -> None:
    reader = LocalStore.open(store.folder)
    try:
        conn = reader._conn
        with reader.snapshot():
            first = postings.word_postings(conn, ["zebra"])[("zebra",)]
            again = postings.word_postings(conn, ["zebra"])[("zebra",)]
        assert again[0] is first[0]  # the same arrays: kept, not parsed again
        with store.writer() as w:  # another connection adds a passage holding "zebra"
            text = "zebra zebra zebra"
            doc = Document("z", Path("z"), "z", text, "hz", len(text), 1.0)
            vec = np.ones((1, DIM), np.float32)
            w.add_document(doc, [Passage("z", 0, 0, len(text), text, 1)], vec)
            w.commit()
        with reader.snapshot():
            after = postings.word_postings(conn, ["zebra"])[("zebra",)]
            assert after[0].size == first[0].size + 1
            assert postings.ranked(conn, ['"zebra"'], 5) == fts5(conn, ['"zebra"'], 5)
    finally:
        reader.close()


def test_counts_from_parsed_postings_equal_fts5_counts(store: LocalStore) -> None:
    conn = store._conn
    assert postings.cached_count(conn, ['"gene"'], 10) is None  # not parsed yet: FTS5 counts
    postings.word_postings(conn, ["gene", "cell", "zebra", "absent"])
    for clauses in (['"gene"'], ['"gene"', '"cell"'], ['"zebra"', '"gene"'], ['"absent"']):
        for cap in (1, 7, 10_000):
            expected = conn.execute(
                "SELECT count(*) FROM (SELECT rowid FROM passages_fts WHERE passages_fts MATCH ?"
                " LIMIT ?)",
                (" OR ".join(clauses), cap),
            ).fetchone()[0]
            assert postings.cached_count(conn, clauses, cap) == expected, (clauses, cap)
    assert postings.cached_count(conn, ['"gene cell"'], 10) is None  # a phrase: FTS5 counts


def test_the_postings_kept_stay_within_their_bound(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postings, "CACHE_OCCURRENCES", 60)
    conn = store._conn
    sizes = {w: postings.word_postings(conn, [w])[(w,)][0].size for w in VOCAB}
    kept = postings._PARSED.get(conn)
    assert kept is not None
    assert kept.size == sum(sizes[w] for w in kept) <= 60
    assert list(kept)[-1] == VOCAB[-1] or sizes[VOCAB[-1]] > 60  # newest kept last
    for clauses in QUERIES:  # whatever was dropped, the ranking is FTS5's
        assert postings.ranked(conn, clauses, 20) == fts5(conn, clauses, 20)


def test_nothing_is_kept_at_a_bound_of_zero(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = store._conn
    kept = postings.word_postings(conn, ["gene"])[("gene",)][0]
    monkeypatch.setattr(postings, "CACHE_OCCURRENCES", 0)
    fresh = postings.word_postings(conn, ["gene"])[("gene",)][0]
    assert fresh is not kept and (fresh == kept).all()  # parsed again, the same postings
    assert postings.cached_count(conn, ['"gene"'], 10) is None  # FTS5 counts
    assert postings.ranked(conn, ['"gene"'], 5) == fts5(conn, ['"gene"'], 5)
