"""The measuring half of bench/million.py: latency with one and four readers, recall@10 against
exhaustive search, nDCG@10 on the generated questions, and adding one document."""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from askcorpus.embed.embedder import ONNX_VECTORS
from bench.common import median, percentile
from bench.million_data import PASSAGES_PER_DOC, Corpus, Question

CANDIDATES = 50


class GeneratedEmbedder:
    """The embedder the search layer calls, answering the benchmark's questions with their
    generated vectors (any other text, e.g. a sentence to highlight, gets a hashed vector)."""

    model_name = "all-MiniLM-L6-v2"
    loaded = True
    dimension = 384
    max_tokens = 256
    backend = ONNX_VECTORS

    def __init__(self, vectors: dict[str, np.ndarray]):
        self.vectors = vectors

    def load(self) -> None:
        """Nothing to load."""

    def match_index(
        self, backend: str, strict: bool = False, where: Path | None = None
    ) -> GeneratedEmbedder:
        """Whatever made the index."""
        return self

    def encode_query(self, text: str) -> np.ndarray:
        """The question's generated vector."""
        if text in self.vectors:
            return self.vectors[text]
        v = np.random.default_rng(abs(hash(text)) % 2**32).standard_normal(384)
        return (v / np.linalg.norm(v)).astype(np.float32).reshape(1, -1)

    def encode_passages(self, texts: list[str], **_: Any) -> np.ndarray:
        """One hashed vector per text."""
        return np.vstack([self.encode_query(t) for t in texts])


def open_index(target: Any, questions: list[tuple[str, np.ndarray]]) -> Any:
    """The search layer's :class:`Index` over ``target`` with the generated embedder."""
    from askcorpus.search.index import Index
    from askcorpus.settings import Settings
    from askcorpus.store.factory import open_index as open_store

    embedder = GeneratedEmbedder(dict(questions))
    return Index(open_store(target), Settings(), embedder)  # type: ignore[arg-type]


@contextlib.contextmanager
def exhaustive_keywords() -> Iterator[None]:
    """Every term ranked, on both backends (no frequent-term pruning)."""
    from askcorpus.store.local import lexical as local_lexical

    modules: list[Any] = [local_lexical]
    with contextlib.suppress(ImportError):
        from askcorpus.store.postgres import lexical as pg_lexical

        modules.append(pg_lexical)
    saved = [m.PRUNE_MIN_PASSAGES for m in modules]
    for m in modules:
        m.PRUNE_MIN_PASSAGES = 10**12
    try:
        yield
    finally:
        for m, value in zip(modules, saved, strict=True):
            m.PRUNE_MIN_PASSAGES = value


def ndcg10(ranked: list[int], relevant: int) -> float:
    """nDCG@10 with one relevant passage."""
    for i, pid in enumerate(ranked[:10]):
        if pid == relevant:
            return 1.0 / math.log2(i + 2)
    return 0.0


def timings(xs: list[float]) -> dict[str, float]:
    """p50/p95 of milliseconds."""
    return {"p50_ms": median(xs), "p95_ms": percentile(xs, 95), "n": len(xs)}


def _reader(args: tuple[str, list[tuple[str, list[float]]], int]) -> list[float]:
    """One reader process: open the index, ask every question ``rounds`` times."""
    target, raw, rounds = args
    questions = [(t, np.asarray(v, np.float32).reshape(1, -1)) for t, v in raw]
    index = open_index(target, questions)
    out = []
    for _ in range(rounds):
        for text, vec in questions:
            t0 = time.perf_counter()
            index.retrieve(text, CANDIDATES, "hybrid", vec)
            out.append((time.perf_counter() - t0) * 1000)
    index.close()
    return out


def concurrent(target: str, questions: list[Question], readers: int) -> dict[str, Any]:
    """``readers`` processes, each asking its share of the questions; queries per second."""
    shares = [
        (target, [(q.text, q.vector.ravel().tolist()) for q in questions[i::readers]], 1)
        for i in range(readers)
    ]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(readers) as pool:
        # Open the index in every process first (not timed), then time the questions.
        pool.map(_reader, [(t, q[:2], 1) for t, q, _r in shares])
        t0 = time.perf_counter()
        lat = pool.map(_reader, shares)
        wall = time.perf_counter() - t0
    flat = [x for xs in lat for x in xs]
    return {"readers": readers, "qps": len(flat) / wall, **timings(flat)}


def add_one(target: Any, corpus: Corpus, documents: int) -> dict[str, Any]:
    """Add one new document (10 passages, its vectors precomputed) to the index and commit,
    timed from opening the store to the commit; then remove it again (also timed)."""
    from askcorpus.store.factory import locate
    from bench.million import document

    record, passages = document(corpus, documents)  # the next document: not in the index
    vectors = corpus.vectors(range(documents, documents + 1))
    location = locate(target)
    out: dict[str, Any] = {}
    for step in ("add", "remove"):
        t0 = time.perf_counter()
        with location.lock() as lock:
            store = location.open()
            opened = time.perf_counter() - t0
            with store.writer(lock) as writer:
                if step == "add":
                    writer.add_document(record, passages, vectors)
                else:
                    writer.remove_document(record.source)
                writer.commit()
            store.close()
        out[f"{step}_s"] = time.perf_counter() - t0
        out[f"{step}_open_s"] = opened
    return out


def vector_kind(store: Any) -> str:
    """What the store searches vectors with (the local store's FAISS index kind)."""
    loaded = getattr(store, "_loaded", None)
    return str(getattr(getattr(loaded, "index", None), "kind", type(store).__name__))


def measure(target: Any, documents: int, cfg: dict[str, Any]) -> dict[str, Any]:
    """Every measurement on one built index (see bench/million.py)."""
    from askcorpus.search.index import Sides, fuse

    corpus = Corpus()
    t0 = time.perf_counter()
    vectors = np.vstack([v for _docs, v in corpus.blocks(documents)])
    gen_s = time.perf_counter() - t0
    questions = corpus.questions(documents, cfg.get("million_queries", 200), vectors)
    index = open_index(target, [(q.text, q.vector) for q in questions])
    store = index.store
    # Passage ids are given in insertion order; check it on the questions' targets.
    targets = []
    for q in questions:
        spans = store.document_passages(f"gen/doc{q.doc:07d}.txt")
        targets.append(spans[q.ordinal][0])
    base_id = targets[0] - (questions[0].doc * PASSAGES_PER_DOC + questions[0].ordinal)
    for q, pid in zip(questions, targets, strict=True):
        if pid - base_id != q.doc * PASSAGES_PER_DOC + q.ordinal:
            raise RuntimeError("passage ids are not in insertion order; cannot map vectors")
    for q in questions[:5]:  # warm-up
        index.retrieve(q.text, CANDIDATES, "hybrid", q.vector)

    hybrid, keyword, dense, whole = [], [], [], []
    got: list[list[int]] = []
    kw_got: list[list[int]] = []
    for q in questions:
        t1 = time.perf_counter()
        fused, _v = index.retrieve(q.text, CANDIDATES, "hybrid", q.vector)
        hybrid.append((time.perf_counter() - t1) * 1000)
        got.append([f.id for f in fused[:10]])
        t1 = time.perf_counter()
        kw, _v = index.retrieve(q.text, CANDIDATES, "keyword", q.vector)
        keyword.append((time.perf_counter() - t1) * 1000)
        kw_got.append([f.id for f in kw[:10]])
        t1 = time.perf_counter()
        index.store.search_vectors(q.vector, CANDIDATES)
        dense.append((time.perf_counter() - t1) * 1000)
        t1 = time.perf_counter()
        index.search(q.text, 10)
        whole.append((time.perf_counter() - t1) * 1000)

    # Exhaustive: exact dense search over all vectors, every keyword term ranked.
    exact_got, exact_kw_got = [], []
    with exhaustive_keywords():
        for q in questions:
            scores = vectors @ q.vector.ravel()
            top = np.argpartition(-scores, CANDIDATES)[:CANDIDATES]
            top = top[np.argsort(-scores[top])]
            exact_dense = [(int(i) + base_id, float(scores[i])) for i in top]
            lexical = index._lexical(q.text, CANDIDATES)
            in_dense = {pid for pid, _s in exact_dense}
            extra = {
                pid: float(scores[pid - base_id]) for pid, _s in lexical if pid not in in_dense
            }
            fused = fuse(Sides(exact_dense, lexical, extra), "hybrid")
            exact_got.append([f.id for f in fused[:10]])
            exact_kw_got.append([pid for pid, _s in lexical[:10]])

    def recall(a: list[list[int]], b: list[list[int]]) -> float:
        return float(
            np.mean([len(set(x) & set(y)) / max(1, len(y)) for x, y in zip(a, b, strict=True)])
        )

    out: dict[str, Any] = {
        "vector_kind": vector_kind(store),
        "generate_vectors_s": gen_s,
        "queries": len(questions),
        "hybrid": timings(hybrid),
        "keyword": timings(keyword),
        "dense": timings(dense),
        "search": timings(whole),
        "recall10_hybrid_vs_exhaustive": recall(got, exact_got),
        "recall10_keyword_vs_exhaustive": recall(kw_got, exact_kw_got),
        "ndcg10": {
            "hybrid": float(np.mean([ndcg10(g, t) for g, t in zip(got, targets, strict=True)])),
            "hybrid_exhaustive": float(
                np.mean([ndcg10(g, t) for g, t in zip(exact_got, targets, strict=True)])
            ),
            "keyword": float(np.mean([ndcg10(g, t) for g, t in zip(kw_got, targets, strict=True)])),
            "keyword_exhaustive": float(
                np.mean([ndcg10(g, t) for g, t in zip(exact_kw_got, targets, strict=True)])
            ),
        },
    }
    index.close()
    del vectors
    for readers in cfg.get("million_readers", [1, 4]):
        if readers > 1:
            out[f"readers_{readers}"] = concurrent(str(target), questions, readers)
        else:
            out["readers_1"] = {"qps": 1000.0 / (sum(hybrid) / len(hybrid)), **timings(hybrid)}
    if cfg.get("million_add", True):
        out["add_one"] = add_one(target, corpus, documents)
    return out
