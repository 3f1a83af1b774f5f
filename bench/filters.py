"""Filters inside retrieval at 100k passages (issue #14): a filter letting 1 %, 10 % or 50 % of
the passages through must still return its best k, fast.

The vector side is measured three ways side by side on the same queries: exact scoring of the
allowed passages' stored vectors with numpy (what the store does for narrow filters), a FAISS
search restricted by an ``IDSelectorBatch`` (broad filters), and the naive over-fetch that
searches unfiltered and widens k until k allowed passages turn up; then the store's own
``search_vectors(where=…)`` (its policy picks one) and the keyword side's filtered FTS5 query
against the unfiltered one. Each strategy is checked against exact brute force (recall@10).

Synthetic index: ``n`` passages in 1,000 documents of 100 passages; document ``d`` lies in
folder ``f{d % 100}``, so ``in:f0`` is 1 %, ``f0``-``f9`` 10 %; vectors are bench.scale's topic
mixture; passage text draws words from a Zipf vocabulary (plus named words at set rates, which
bench/mentions.py looks for). The built index is cached in bench/out/ for bench/mentions.py.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import numpy as np

from askcorpus.records import Document, KeywordQuery, Passage, PassageFilter
from askcorpus.settings import SCHEMA_VERSION
from askcorpus.store.base import Manifest
from askcorpus.store.local import filtering
from askcorpus.store.local.store import LocalStore
from bench.common import OUT, main, median, percentile, timed
from bench.scale import DIM, Topics

PER_DOC = 100
#: Named words and the share of passages holding each (bench/mentions.py).
NAMED = {"siberia": 0.001, "pipeline": 0.01, "treaty": 0.1}
K = 10


def folder_of(d: int) -> str:
    return f"f{d % 100}"


def build_store(n: int) -> Path:
    """The cached synthetic index of ``n`` passages (built on first use)."""
    folder = OUT / f"filters-index-{n}"
    if (folder / "done").is_file():
        return folder
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    store = LocalStore.create(folder, Manifest(SCHEMA_VERSION, "bench", DIM, {}, "t", "t"))
    rng = np.random.default_rng(1)
    vocab = np.array([f"w{i}" for i in range(20_000)])
    zipf = 1.0 / np.arange(1, len(vocab) + 1)
    zipf /= zipf.sum()
    vectors = Topics(0).draw(n, seed=2)
    with store.writer() as w:
        for d in range(n // PER_DOC):
            texts = []
            for _p in range(PER_DOC):
                words = list(vocab[rng.choice(len(vocab), 30, p=zipf)])
                for name, share in NAMED.items():
                    if rng.random() < share:
                        words.insert(int(rng.integers(0, 30)), name)
                texts.append(" ".join(words) + ".")
            text = "\n\n".join(texts)
            source = f"{folder_of(d)}/doc{d}.txt"
            year = 2000 + d % 24
            doc = Document(
                source, Path(source), source, text, f"h{d}", len(text), 1.0, date=f"{year}-06-01"
            )
            passages, pos = [], 0
            for i, t in enumerate(texts):
                passages.append(Passage(source, i, pos, pos + len(t), t, i + 1))
                pos += len(t) + 2
            w.add_document(doc, passages, vectors[d * PER_DOC : (d + 1) * PER_DOC])
        w.commit()
    store.close()
    (folder / "done").write_text("ok")
    return folder


def allowed_ids(store: LocalStore, where: PassageFilter) -> np.ndarray:
    cond = filtering.passage_condition(where)
    conn: sqlite3.Connection = store._conn  # the benchmark compares the store's own ways
    rows = conn.execute("SELECT p.id " + filtering._from(cond), cond.params).fetchall()
    return np.array([r[0] for r in rows], np.int64)


def over_fetch(store: LocalStore, query: np.ndarray, k: int, keep: set[int]) -> list[int]:
    """The naive way: search unfiltered, drop what the filter refuses, widen until k."""
    fetch = k
    vectors = store._loaded.index
    assert vectors is not None
    while True:
        hits = [i for i, _s in vectors.search(query, fetch) if i in keep][:k]
        if len(hits) >= k or fetch >= vectors.ntotal:
            return hits
        fetch *= 4


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    n = int(cfg.get("filters_passages", 100_000))
    t0 = time.perf_counter()
    folder = build_store(n)
    build_s = time.perf_counter() - t0
    store = LocalStore.open(folder)
    queries = Topics(0).draw(int(cfg.get("filters_queries", 30)), seed=99)
    ids_all, vecs_all = store._loaded.index.all_vectors()  # type: ignore[union-attr]
    filters = {
        "1%": PassageFilter(folder="f0"),
        "10%": PassageFilter(kinds=frozenset({"text"}), after="2000-01-01", before="2002-05-01"),
        "50%": PassageFilter(after="2012-01-01"),
    }
    out: dict[str, Any] = {"passages": n, "build_s": build_s, "k": K, "vector": {}, "keyword": {}}
    base = [timed(lambda q=q: store.search_vectors(q[None, :], K))[0] * 1000 for q in queries]
    out["vector"]["unfiltered"] = {"p50_ms": median(base), "p95_ms": percentile(base, 95)}
    for name, where in filters.items():
        ids = allowed_ids(store, where)
        keep = set(ids.tolist())
        mask = np.isin(ids_all, ids)
        sub_ids, sub_vecs = ids_all[mask], vecs_all[mask]
        row: dict[str, Any] = {"allowed": len(ids)}
        conn = store._conn
        cond = filtering.passage_condition(where)
        ways = {
            "numpy_exact": lambda q, c=cond, db=conn: filtering.exact_subset(db, q, K, c, DIM),
            "faiss_selector": lambda q, i=ids: filtering.selected(store._loaded.index, q, K, i),  # type: ignore[arg-type]
            "over_fetch": lambda q, s=keep: [(i, 0.0) for i in over_fetch(store, q, K, s)],
            "store_policy": lambda q, w=where: store.search_vectors(q[None, :], K, w),
        }
        for way, fn in ways.items():
            times, recall, full = [], [], True
            for q in queries:
                seconds, hits = timed(lambda fn=fn, q=q: fn(q))
                times.append(seconds * 1000)
                full = full and len(hits) == K
                exact = sub_ids[np.argsort(-(sub_vecs @ q))[:K]]
                recall.append(len({i for i, _s in hits} & set(exact.tolist())) / K)
            row[way] = {
                "p50_ms": median(times),
                "p95_ms": percentile(times, 95),
                "recall_at_10": float(np.mean(recall)),
                "always_k": full,
            }
        # The SQL share of the policy: counting and listing the allowed passages.
        t = [timed(lambda w=where: allowed_ids(store, w))[0] * 1000 for _ in range(5)]
        row["list_allowed_ids_ms"] = median(t)
        out["vector"][name] = row
    words = [("w3", "w17"), ("w250", "w1200"), ("pipeline",), ("w40", "siberia")]
    for name, where in {"unfiltered": PassageFilter(), **filters}.items():
        times, counts = [], []
        for ws in words:
            query = KeywordQuery(tuple((w,) for w in ws))
            for _ in range(3):
                seconds, hits = timed(lambda q=query, w=where: store.search_lexical(q, K, w))
                times.append(seconds * 1000)
            counts.append(len(hits))
        out["keyword"][name] = {
            "p50_ms": median(times),
            "p95_ms": percentile(times, 95),
            "min_hits": min(counts),
        }
    store.close()
    return out


if __name__ == "__main__":
    main("filters", run)
