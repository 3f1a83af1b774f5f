"""BM25's k1 and b swept on cached candidates: the keyword lists recomputed per setting in numpy.

    python -m bench.bm25_params vectors --index DIR --cache FILE.pkl --out FILE.npz
    python -m bench.bm25_params check --index DIR --cache FILE.pkl [--live 50]
    python -m bench.bm25_params sweep --index DIR --cache FILE.pkl --vectors FILE.npz \
        [--k1 0.6,0.9,1.2,1.5] [--b 0.3,0.4,0.5,0.6,0.75]

FTS5's ``bm25()`` is fixed at k1 = 1.2, b = 0.75. This tool reads, once per index, the postings
of every term the cached queries (:mod:`bench.crowd_levers` ``cache`` pickles) ask for, from
FTS5's ``fts5vocab`` instance table (passage and token offset of each occurrence), with FTS5's
passage lengths and averages, and scores the words' list and the adjacent-pair list (phrases:
consecutive offsets) with FTS5's formula under any k1 and b. ``check`` verifies that at 1.2 /
0.75 the lists equal the cached ones (and, for ``--live`` queries, FTS5's own ``bm25()``).
``sweep`` re-fuses each setting's lists with the cached dense list as the shipped pipeline does
(:func:`bench.crowd_levers.refuse`); a keyword candidate outside the dense list gets its exact
cosine from the stored vectors and the query's vector (``vectors``: encoded as ``askcorpus
eval`` encodes BEIR queries). Scores are nDCG@10 on all, even and odd halves of the sorted ids.
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import sqlite3
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from askcorpus.store.local.lexical import _quoted_clauses
from askcorpus.store.local.postings import _averages, _lengths, clause_tokens
from askcorpus.text.fts5 import tokens
from askcorpus.text.query import keyword_query, pair_query
from bench import crowd_levers
from bench.crowd_levers import Cache, Lever, halves

SHIFT = 20  # token offsets stay below 2**20 in a passage
Posting = tuple[np.ndarray, np.ndarray]  # passage ids, term frequency in each


class Postings:
    """The postings of the terms asked so far of one FTS5 index, with its lengths, in memory."""

    def __init__(self, db: Path) -> None:
        self.conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        self.conn.execute(
            "CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, passages_fts, instance)"
        )
        self.rows, total = _averages(self.conn)
        self.average = total / self.rows
        top = int(self.conn.execute("SELECT max(id) FROM passages").fetchone()[0])
        lengths = _lengths(self.conn, top)
        assert lengths is not None
        self.lengths = lengths.astype(np.float64)
        self._keys: dict[str, np.ndarray] = {}
        self._found: dict[tuple[str, ...], Posting] = {}
        self._titles: np.ndarray | None = None

    def keys(self, term: str) -> np.ndarray:
        """Sorted ``passage << SHIFT | offset`` of every occurrence of ``term``."""
        if term not in self._keys:
            docs, offs = self.conn.execute(
                "SELECT group_concat(doc), group_concat(offset) FROM temp.v WHERE term = ?",
                (term,),
            ).fetchone()
            if not docs:
                self._keys[term] = np.zeros(0, np.int64)
            else:
                d = np.fromstring(docs, dtype=np.int64, sep=",")
                o = np.fromstring(offs, dtype=np.int64, sep=",")
                self._keys[term] = np.sort((d << SHIFT) | o)
        return self._keys[term]

    def title_lengths(self) -> np.ndarray:
        """Each passage's title length in tokens (the first line of its indexed text)."""
        if self._titles is None:
            titles = np.zeros(self.lengths.size, np.float64)
            for pid, body in self.conn.execute("SELECT id, c0 FROM passages_fts_content"):
                titles[pid] = len(tokens(str(body).split("\n", 1)[0]))
            self._titles = titles
        return self._titles

    def title_clause(self, term: str) -> Posting:
        """Passages whose title holds ``term``, and how often."""
        keys = self.keys(term)
        docs = keys >> SHIFT
        inside = (keys & ((1 << SHIFT) - 1)) < self.title_lengths()[docs]
        found, tf = np.unique(docs[inside], return_counts=True)
        return found, tf.astype(np.float64)

    def clause(self, terms: tuple[str, ...]) -> Posting:
        """Passages holding the clause (a phrase: its tokens at consecutive offsets) and the
        number of times in each."""
        if terms not in self._found:
            keys = self.keys(terms[0])
            for i, t in enumerate(terms[1:], 1):
                keys = keys[np.isin(keys + i, self.keys(t))]
            docs, tf = np.unique(keys >> SHIFT, return_counts=True)
            self._found[terms] = (docs, tf.astype(np.float64))
        return self._found[terms]


def clauses_of(text: str, pairs: bool) -> list[tuple[str, ...]]:
    """The token tuples of the clauses the shipped keyword side asks for ``text``."""
    query = pair_query(text) if pairs else keyword_query(text)
    if not query.clauses:
        return []
    return [t for t in clause_tokens(_quoted_clauses(query)) if t]


def bm25(
    p: Postings,
    clauses: list[tuple[str, ...]],
    n: int,
    k1: float,
    b: float,
    title: float = 0.0,
) -> list[tuple[int, float]]:
    """The ``n`` best passages for the OR of ``clauses`` under BM25(k1, b), in FTS5's formula
    (idf = ln((N - n + 0.5) / (n + 0.5)), at least 1e-6), best first, ties by id; ``title`` > 0
    adds that share of the one-word clauses' BM25 over the passage's title alone."""
    parts, order = [], []
    for c in clauses:
        docs, tf = p.clause(c)
        if not docs.size:
            continue
        idf = np.log((p.rows - docs.size + 0.5) / (docs.size + 0.5))
        idf = idf if idf > 0 else 1e-6
        size = p.lengths[docs]
        parts.append(idf * ((tf * (k1 + 1.0)) / (tf + k1 * (1 - b + b * size / p.average))))
        order.append(docs)
        if title and len(c) == 1:
            tdocs, ttf = p.title_clause(c[0])
            if tdocs.size:
                lengths = p.title_lengths()
                tsize = lengths[tdocs] / max(lengths[lengths > 0].mean(), 1.0)
                parts.append(title * idf * ttf * (k1 + 1.0) / (ttf + k1 * (1 - b + b * tsize)))
                order.append(tdocs)
    if not order:
        return []
    unique, where = np.unique(np.concatenate(order), return_inverse=True)
    scores = np.bincount(where, weights=np.concatenate(parts), minlength=unique.size)
    top = np.lexsort((unique, -scores))[:n]
    return list(zip(unique[top].tolist(), scores[top].tolist(), strict=True))


def _load(path: Path) -> Cache:
    with open(path, "rb") as f:
        return pickle.load(f)  # noqa: S301 -- a cache bench.crowd_levers wrote


def _same(a: list[tuple[int, float]], b: list[tuple[int, float]]) -> tuple[bool, float]:
    ids = [p for p, _s in a] == [p for p, _s in b]
    gap = max((abs(x - y) for (_p, x), (_q, y) in zip(a, b, strict=False)), default=0.0)
    return ids, gap


def check(args: argparse.Namespace) -> None:
    """At k1 = 1.2, b = 0.75 the recomputed lists must equal the cached ones and FTS5's."""
    c = _load(args.cache)
    p = Postings(args.index / "askcorpus.sqlite3")
    bad, worst = 0, 0.0
    for i, q in enumerate(c.queries):
        n = max(len(q.dense), 1)
        for pairs, cached in ((False, q.words), (True, q.pairs)):
            mine = bm25(p, clauses_of(q.text, pairs), n, 1.2, 0.75)
            ids, gap = _same(mine, cached[:n])
            worst = max(worst, gap)
            if not ids:
                bad += 1
            if i < args.live:
                match = " OR ".join(
                    _quoted_clauses(pair_query(q.text) if pairs else keyword_query(q.text))
                )
                live = (
                    p.conn.execute(
                        "SELECT rowid, -bm25(passages_fts) AS s FROM passages_fts WHERE "
                        "passages_fts MATCH ? ORDER BY s DESC, rowid LIMIT ?",
                        (match, n),
                    ).fetchall()
                    if match
                    else []
                )
                ids2, gap2 = _same(mine, [(int(r), float(s)) for r, s in live])
                worst = max(worst, gap2)
                bad += not ids2
    print(f"{len(c.queries)} queries: {bad} lists differ in order; largest score gap {worst:.3g}")


def vectors(args: argparse.Namespace) -> None:
    """Encode the cached queries as ``askcorpus eval`` does and store them with every passage
    vector of the index (the ``vectors`` command)."""
    from askcorpus.embed.embedder import Embedder
    from askcorpus.search.index import Index
    from askcorpus.settings import Settings

    c = _load(args.cache)
    settings = Settings()
    index = Index.open(args.index, settings, Embedder(settings))
    if c.kind == "beir":  # as askcorpus eval encodes BEIR queries; questions as asked
        q = index.embedder.encode_passages([x.text for x in c.queries])
    else:
        q = np.vstack([index.embedder.encode_query(x.text) for x in c.queries])
    conn = sqlite3.connect(f"file:{args.index / 'askcorpus.sqlite3'}?mode=ro", uri=True)
    ids = [r[0] for r in conn.execute("SELECT id FROM passages ORDER BY id")]
    top = max(ids)
    pv = np.zeros((top + 1, q.shape[1]), np.float32)
    pv[ids] = index.store.passage_vectors(ids)
    index.close()
    np.savez(args.out, queries=q.astype(np.float32), passages=pv)


def sweep(args: argparse.Namespace) -> None:
    """nDCG@10 of the shipped fusion under each (k1, b) (the ``sweep`` command)."""
    c = _load(args.cache)
    p = Postings(args.index / "askcorpus.sqlite3")
    vec = np.load(args.vectors)
    qv, pv = vec["queries"], vec["passages"]
    # The cached dense scores are the stored vectors' cosines: the vectors are the right ones.
    gap = max(
        abs(float(pv[d] @ qv[i]) - s) for i, q in enumerate(c.queries) for d, s in q.dense[:5]
    )
    print(f"# dense check: largest cosine gap {gap:.2g}", file=sys.stderr)
    words = [clauses_of(q.text, False) for q in c.queries]
    pairs = [clauses_of(q.text, True) for q in c.queries]
    index = None
    if c.kind == "questions":  # hit@1 over Index.present's merged hits, as crowd_levers scores
        from askcorpus.embed.embedder import Embedder
        from askcorpus.search.index import Index
        from askcorpus.settings import Settings

        c.index = str(args.index)
        index = Index.open(args.index, Settings(), Embedder(Settings()))
    floats = lambda text: [float(x) for x in text.split(",")]  # noqa: E731
    print("k1\tb\ttitle\tw\tnorm\tpair\tall\teven\todd")
    for k1, b, title in itertools.product(floats(args.k1), floats(args.b), floats(args.title)):
        qs = []
        for i, q in enumerate(c.queries):
            n = len(q.dense)
            w = bm25(p, words[i], n, k1, b, title)
            pk1, pb = (1.2, 0.75) if args.fixed_pairs else (k1, b)
            pr = bm25(p, pairs[i], n, pk1, pb) if pairs[i] else []
            in_dense = {d for d, _s in q.dense}
            missing = sorted({d for d, _s in w + pr} - in_dense)
            extra = dict(zip(missing, (pv[missing] @ qv[i]).tolist(), strict=True))
            qs.append(replace(q, words=w, pairs=pr, extra=extra))
        redone = replace(c, queries=qs)
        for wt, norm, pair in itertools.product(
            floats(args.w), floats(args.norm), floats(args.pair)
        ):
            lever = Lever(w=wt, pair=pair, norm=norm, delta=0.075, qmin=40)
            per = crowd_levers.score(redone, lever, index)
            a, e, o = halves(per)
            cells = f"{k1:g}\t{b:g}\t{title:g}\t{wt:g}\t{norm:g}\t{pair:g}"
            files = f"\t{crowd_levers.by_file(per)}" if index is not None else ""
            print(f"{cells}\t{a:.4f}\t{e:.4f}\t{o:.4f}{files}", flush=True)


def main() -> None:
    """The command line (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("vectors", "check", "sweep"):
        s = sub.add_parser(name)
        s.add_argument("--index", type=Path, required=True)
        s.add_argument("--cache", type=Path, required=True)
        if name == "vectors":
            s.add_argument("--out", type=Path, required=True)
        if name == "check":
            s.add_argument("--live", type=int, default=50)
        if name == "sweep":
            s.add_argument("--vectors", type=Path, required=True)
            s.add_argument("--k1", default="0.6,0.9,1.2,1.5")
            s.add_argument("--b", default="0.3,0.4,0.5,0.6,0.75")
            s.add_argument("--title", default="0", help="title-BM25 shares")
            s.add_argument("--w", default="0.5", help="keyword weights")
            s.add_argument("--norm", default="0", help="crowd_levers.Lever.norm codes")
            s.add_argument("--pair", default="0.5", help="pair-phrase weights")
            s.add_argument(
                "--fixed-pairs",
                action="store_true",
                help="pairs at FTS5's k1 = 1.2, b = 0.75 (as they rank today: FTS5's bm25())",
            )
    args = ap.parse_args()
    {"vectors": vectors, "check": check, "sweep": sweep}[args.cmd](args)


if __name__ == "__main__":
    main()
