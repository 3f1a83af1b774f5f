"""Ranking levers swept without re-running searches: candidates cached once, re-fused in Python.

    python -m bench.crowd_levers cache --index DIR (--beir FOLDER [--split test] | --questions F..)
        --out FILE.pkl
    python -m bench.crowd_levers sweep FILE.pkl ... (see ``sweep --help``)
    python -m bench.crowd_levers cost --index DIR --beir FOLDER [--queries 30]
    python -m bench.crowd_levers evidence-cost --index DIR --questions FILE ...

``cache`` asks every query of a BEIR split (or every answerable labelled question) of one
index and stores what fusion sees: the dense list, the keyword list of the question's words
and that of its adjacent word pairs (kept apart so the pair weight can move), the exact
cosine of keyword candidates the dense list missed, and per candidate passage its document,
length and the share of the question's specific terms it holds. ``sweep`` re-fuses those
lists under lever settings and scores them as ``askcorpus eval`` does (BEIR: documents by
their best passage, nDCG@10; questions: hit@1 over the merged hits of
:meth:`askcorpus.search.index.Index.present`), on the even and odd halves of the sorted
query ids, so a setting is chosen on one half and reported on the other.
"""

from __future__ import annotations

import argparse
import itertools
import os
import pickle
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from askcorpus.embed.embedder import Embedder
from askcorpus.eval.beir import load_set
from askcorpus.eval.metrics import doc_ranking, hit_at, ndcg_at
from askcorpus.eval.run import BEIR_CANDIDATES, is_correct, load_questions
from askcorpus.search import absence, evidence, fusion
from askcorpus.search.fusion import Fused
from askcorpus.search.index import CANDIDATES, Index, read_question
from askcorpus.settings import Settings
from askcorpus.store.base import StoredPassage
from askcorpus.text.query import clean_question, keyword_query, pair_query, query_terms
from askcorpus.text.terms import term_key, term_keys


@dataclass
class Query:
    """One cached query: its id, cleaned text, candidate lists and relevance."""

    qid: str
    text: str
    dense: list[tuple[int, float]]
    words: list[tuple[int, float]]
    pairs: list[tuple[int, float]]
    extra: dict[int, float]
    rels: dict[str, int] = field(default_factory=dict)  # BEIR judgments
    cover: dict[int, float] = field(default_factory=dict)  # pid -> specific-term share
    labelled: object = None  # eval.run.Labelled for questions


@dataclass
class Cache:
    """All queries of one index, plus what is known about their candidate passages."""

    kind: str  # "beir" or "questions"
    index: str
    queries: list[Query]
    source: dict[int, str]
    length: dict[int, int]  # words
    doc_passages: dict[str, int]
    span: dict[int, tuple[int, int]] = field(default_factory=dict)  # pid -> (start, end)


def _cover(text: str, passages: dict) -> dict[int, float]:
    terms = [(term_key(t), absence.specificity(t)) for t in query_terms(text)]
    total = sum(s for _k, s in terms) or 1.0
    out = {}
    for pid, p in passages.items():
        keys = term_keys(p.text)
        out[pid] = sum(s for k, s in terms if k in keys) / total
    return out


def cache(args: argparse.Namespace) -> None:
    """Ask every query once and pickle the candidate lists (the ``cache`` command)."""
    settings = Settings()
    index = Index.open(args.index, settings, Embedder(settings))
    store = index.store
    items: list[tuple[str, str, dict[str, int], object]] = []
    if args.beir:
        data = load_set(args.beir, args.split)
        items = [(q, clean_question(t)[0], data.qrels[q], None) for q, t in data.queries.items()]
        n = BEIR_CANDIDATES
        vecs = index.embedder.encode_passages([t for _q, t, _r, _l in items])
    else:
        for path in args.questions:
            for q in load_questions(path):
                if q.answerable:
                    text = read_question(q.question, 10, None, True)[1]
                    items.append((f"{path.stem}:{len(items):03d}", text, {}, q))
        n = CANDIDATES
        vecs = np.vstack([index.embedder.encode_query(t) for _q, t, _r, _l in items])
    queries, source, length, span = [], {}, {}, {}
    for i, (qid, text, rels, lab) in enumerate(items):
        vec = vecs[i : i + 1]
        dense = store.search_vectors(vec, n)
        words = store.search_lexical(keyword_query(text), n)
        pq = pair_query(text)
        pairs = store.search_lexical(pq, n) if pq else []
        in_dense = {p for p, _s in dense}
        missing = sorted({p for p, _s in words + pairs} - in_dense)
        extra = {}
        if missing:
            scores = store.passage_vectors(missing) @ vec.ravel()
            extra = dict(zip(missing, scores.tolist(), strict=True))
        ids = sorted(in_dense | set(missing))
        # Texts are read only when needed: for the coverage lever, or a passage not seen yet.
        passages = store.passages(ids if args.cover else [i for i in ids if i not in source])
        for pid, p in passages.items():
            source[pid] = p.source
            length[pid] = len(p.text.split())
            span[pid] = (p.start, p.end)
        cover = _cover(text, passages) if args.cover else {}
        q = Query(qid, text, dense, words, pairs, extra, rels, cover, lab)
        queries.append(q)
        if i % 100 == 0:
            print(f"{i}/{len(items)}", file=sys.stderr, flush=True)
    doc_passages: dict[str, int] = {}
    for s in {source[p] for p in source}:
        doc_passages[s] = 0
    # Passages per document among everything seen (enough for the doc-evidence lever).
    for _p, s in source.items():
        doc_passages[s] += 1
    kind = "beir" if args.beir else "questions"
    out = Cache(kind, str(args.index), queries, source, length, doc_passages, span)
    index.close()
    with open(args.out, "wb") as f:
        pickle.dump(out, f)


# -- re-fusion --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Lever:
    """One setting of every lever (the shipped pipeline is ``Lever()``)."""

    w: float = 0.5  # keyword share
    pair: float = 0.5  # pair-phrase BM25 share
    floor: float = 0.0  # cosine subtracted before normalising the dense side
    beta: float = 0.0  # + beta * best other passage of the same document
    gamma: float = 0.0  # + gamma * specific-term coverage of the passage
    delta: float = 0.0  # - delta * log(words / 120): length normalisation
    apart: float = 0.0  # > 0: only passages this many characters away count as evidence
    qmin: float = 0.0  # the length lever applies to queries of at least this many words
    long: float = 0.0  # only documents of at least this many passages get document evidence
    n: int = 0  # truncate lists to n (0: as cached)
    fact: float = evidence.DOCUMENT_WEIGHT  # document evidence, fact questions only (shipped)
    # Normalisation of both sides: 0 = score / best (shipped), 1 = TM2C2 (theoretical minimum:
    # cosine -1, BM25 0), 2 = min-max over the candidates, 3 = z-score over the candidates.
    norm: float = 0.0


def _normalisers(
    norm: float, dscore: dict[int, float], lscore: dict[int, float]
) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
    """(shift, scale) of the dense and keyword scores under ``norm`` (None: the shipped
    score / best with the floor)."""
    if not norm:
        return None, None
    d = np.array(list(dscore.values()) or [0.0])
    lx = np.array(list(lscore.values()) or [0.0])
    if norm == 1:  # TM2C2: the theoretical minimum of each side, the observed maximum
        return (-1.0, max(d.max() + 1.0, 1e-9)), (0.0, max(lx.max(), 1e-9))
    if norm == 2:  # min-max over the candidates (a passage the keyword list lacks: 0)
        lo = lx.min()
        return (d.min(), max(d.max() - d.min(), 1e-9)), (lo, max(lx.max() - lo, 1e-9))
    # z-score (an absent keyword score counts as 0)
    return (d.mean(), max(d.std(), 1e-9)), (lx.mean(), max(lx.std(), 1e-9))


def refuse(q: Query, c: Cache, lv: Lever) -> list[Fused]:
    """The candidates of ``q`` fused under ``lv``, best first."""
    n = lv.n or max(len(q.dense), len(q.words))
    dense = q.dense[:n]
    combined = dict(q.words[:n])
    if lv.pair:
        for pid, s in q.pairs[:n]:
            combined[pid] = combined.get(pid, 0.0) + lv.pair * s
    lexical = sorted(combined.items(), key=lambda it: (-it[1], it[0]))[:n]
    dscore = dict(dense)
    for pid, _s in lexical:
        if pid not in dscore:
            dscore[pid] = q.extra.get(pid, 0.0)
    lscore = dict(lexical)
    dmax = max(max(dscore.values(), default=0.0), 1e-9)
    lmax = max(max(lscore.values(), default=0.0), 1e-9)
    span = max(dmax - lv.floor, 1e-9)
    drank = {p: r for r, (p, _s) in enumerate(dense, 1)}
    lrank = {p: r for r, (p, _s) in enumerate(lexical, 1)}
    dnorm, lnorm = _normalisers(lv.norm, dscore, lscore)
    base = {}
    for pid in dscore:
        if dnorm is None or lnorm is None:
            d = max(dscore[pid] - lv.floor, 0.0) / span
            lx = max(lscore.get(pid, 0.0), 0.0) / lmax
        else:
            d = (dscore[pid] - dnorm[0]) / dnorm[1]
            lx = (lscore.get(pid, 0.0) - lnorm[0]) / lnorm[1]
            if lv.norm == 2:
                lx = max(lx, 0.0)
        s = (1 - lv.w) * d + lv.w * lx
        if lv.gamma:
            s += lv.gamma * q.cover.get(pid, 0.0)
        if lv.delta and len(q.text.split()) >= lv.qmin:
            s -= lv.delta * float(np.log(max(c.length.get(pid, 120), 10) / 120))
        base[pid] = s
    if lv.beta:
        by: dict[str, list[float]] = {}
        for pid, s in base.items():
            by.setdefault(c.source.get(pid, ""), []).append(s)
        for v in by.values():
            v.sort(reverse=True)
        members: dict[str, list[int]] = {}
        for pid in base:
            members.setdefault(c.source.get(pid, ""), []).append(pid)
        final = {}
        for pid, s in base.items():
            if lv.long and c.doc_passages.get(c.source.get(pid, ""), 1) < lv.long:
                final[pid] = s
                continue
            if lv.apart:
                a0, a1 = c.span.get(pid, (0, 0))
                others = [
                    base[o]
                    for o in members[c.source.get(pid, "")]
                    if o != pid and (c.span[o][0] > a1 + lv.apart or c.span[o][1] < a0 - lv.apart)
                ]
                other = max(others, default=0.0)
            else:
                v = by[c.source.get(pid, "")]
                other = v[1] if v[0] == s and len(v) > 1 else (v[0] if v[0] != s else 0.0)
            final[pid] = s + lv.beta * other
        base = final
    out = [
        Fused(p, s, dscore.get(p, 0.0), lscore.get(p, 0.0), drank.get(p), lrank.get(p))
        for p, s in base.items()
    ]
    out.sort(key=lambda f: (-f.score, f.id))
    if lv.fact and evidence.is_fact_question(q.text):
        where = {
            p: StoredPassage(p, c.source[p], "", *c.span[p], "", 0, None, None)
            for p in base
            if p in c.span
        }
        out = evidence.with_document_evidence(out, where, lv.fact)
    return out


def score(c: Cache, lv: Lever, index: Index | None = None) -> dict[str, float]:
    """Per-query metric (nDCG@10 for BEIR, hit@1 for questions) under ``lv``."""
    per = {}
    for q in c.queries:
        fused = refuse(q, c, lv)
        if c.kind == "beir":
            ranking = doc_ranking((c.source[f.id] for f in fused if f.id in c.source), q.qid)
            per[q.qid] = ndcg_at(ranking, q.rels, 10)
        else:
            assert index is not None
            hits = index.present(q.text, fused, 10)
            lab = q.labelled
            right = [str(h.rank) for h in hits if is_correct(lab, h.source, h.text)]  # type: ignore[arg-type]
            per[q.qid] = hit_at([str(h.rank) for h in hits], dict.fromkeys(right, 1), 1)
    return per


def halves(per: dict[str, float]) -> tuple[float, float, float]:
    """(all, even half, odd half) means over the sorted query ids."""
    ids = sorted(per)
    even, odd = ids[0::2], ids[1::2]
    mean = lambda xs: sum(per[i] for i in xs) / max(len(xs), 1)  # noqa: E731
    return mean(ids), mean(even), mean(odd)


def by_file(per: dict[str, float]) -> str:
    """Means per question file (the id's prefix before ``:``), as ``file=mean,...``."""
    files: dict[str, list[float]] = {}
    for qid, value in per.items():
        files.setdefault(qid.split(":", 1)[0], []).append(value)
    return ",".join(f"{f}={sum(v) / len(v):.3f}" for f, v in sorted(files.items()))


def sweep(args: argparse.Namespace) -> None:
    """Score every combination of the given lever values (the ``sweep`` command)."""
    caches = []
    for path in args.caches:
        with open(path, "rb") as f:
            c = pickle.load(f)  # noqa: S301 -- a cache this tool wrote itself
        index = None
        if c.kind == "questions":
            settings = Settings()
            index = Index.open(c.index, settings, Embedder(settings))
        if args.long != "0.0":
            # Every document's real passage count (the cache saw only candidates).
            settings = Settings()
            full = Index.open(c.index, settings, Embedder(settings))
            c.doc_passages = {
                s: len(full.store.document_passages(s)) for s in set(c.source.values())
            }
            full.close()
        caches.append((Path(path).stem, c, index))
    grid = {
        k: [float(x) for x in getattr(args, k).split(",")]
        for k in Lever.__dataclass_fields__
        if k != "n"
    }
    keys = list(grid)
    parts = ("all", "even", "odd")
    print(
        "\t".join(
            keys
            + [
                f"{name}:{h}"
                for name, c, _i in caches
                for h in parts + (("files",) if c.kind == "questions" else ())
            ]
        )
    )
    for values in itertools.product(*(grid[k] for k in keys)):
        lv = Lever(**dict(zip(keys, values, strict=True)))
        cells = [f"{v:g}" for v in values]
        for _name, c, index in caches:
            per = score(c, lv, index)
            cells += [f"{x:.4f}" for x in halves(per)]
            if c.kind == "questions":  # hit@1 of each question file too
                cells.append(by_file(per))
        print("\t".join(cells), flush=True)


def cost(args: argparse.Namespace) -> None:
    """Median ``retrieve`` time of long BEIR queries with and without length normalisation,
    interleaved in one run (the ``cost`` command)."""
    settings = Settings()
    index = Index.open(args.index, settings, Embedder(settings))
    data = load_set(args.beir, "test")
    texts = [clean_question(t)[0] for t in list(data.queries.values())[: args.queries]]
    vecs = [index.embedder.encode_query(t) for t in texts]
    times: dict[bool, list[float]] = {True: [], False: []}
    for _round in range(3):
        for text, vec in zip(texts, vecs, strict=True):
            for on in (True, False):
                fusion.LONG_QUERY_WORDS = 40 if on else 1 << 30
                t0 = time.perf_counter()
                index.retrieve(text, CANDIDATES, "hybrid", vec)
                times[on].append(time.perf_counter() - t0)
    on, off = statistics.median(times[True]), statistics.median(times[False])
    print(f"retrieve ({CANDIDATES} candidates): off {off * 1e3:.1f} ms, on {on * 1e3:.1f} ms")
    print(f"ratio {on / off:.3f}; load average {os.getloadavg()[0]:.1f}")
    index.close()


def evidence_cost(args: argparse.Namespace) -> None:
    """Median time of document evidence (:func:`askcorpus.search.evidence.reranked`) per fact
    question against the median of the whole ``search(k=10)``, in one run (the
    ``evidence-cost`` command)."""
    settings = Settings()
    index = Index.open(args.index, settings, Embedder(settings))
    texts = [
        read_question(q.question, 10, None, True)[1]
        for path in args.questions
        for q in load_questions(path)
        if q.answerable
    ]
    rerank: list[float] = []
    whole: list[float] = []
    for _round in range(3):
        for text in texts:
            t0 = time.perf_counter()
            index.search(text, 10)
            whole.append(time.perf_counter() - t0)
            fused, _vec = index.retrieve(text, CANDIDATES)
            t0 = time.perf_counter()
            evidence.reranked(index.store, text, fused, "hybrid")
            rerank.append(time.perf_counter() - t0)
    ev, total = statistics.median(rerank), statistics.median(whole)
    print(f"evidence {ev * 1e3:.2f} ms, search(k=10) {total * 1e3:.1f} ms, share {ev / total:.3f}")
    print(f"load average {os.getloadavg()[0]:.1f}")
    index.close()


def main() -> None:
    """The command line (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("cache")
    a.add_argument("--index", type=Path, required=True)
    a.add_argument("--beir", type=Path)
    a.add_argument("--split", default="test")
    a.add_argument("--questions", type=Path, nargs="*", default=[])
    a.add_argument("--out", type=Path, required=True)
    a.add_argument("--no-cover", dest="cover", action="store_false")
    b = sub.add_parser("sweep")
    b.add_argument("caches", nargs="+")
    for k, f in Lever.__dataclass_fields__.items():
        if k != "n":
            b.add_argument(f"--{k}", default=str(f.default))
    d = sub.add_parser("cost")
    d.add_argument("--index", type=Path, required=True)
    d.add_argument("--beir", type=Path, required=True)
    d.add_argument("--queries", type=int, default=30)
    e = sub.add_parser("evidence-cost")
    e.add_argument("--index", type=Path, required=True)
    e.add_argument("--questions", type=Path, nargs="+", required=True)
    args = ap.parse_args()
    commands = {"cache": cache, "sweep": sweep, "cost": cost, "evidence-cost": evidence_cost}
    commands[args.cmd](args)


if __name__ == "__main__":
    main()
