"""Session 12's levers for SciFact, each scored on train and test (docs/quality.md, Results).

    python -m bench.scifact_levers chunking --out DIR --target 160 --max 200 [--min 40 --overlap 1]
    python -m bench.scifact_levers docmean --index DIR [--mu 0,0.1,0.2,0.3,0.5,1]
    python -m bench.scifact_levers adaptive --index DIR
    python -m bench.scifact_levers sentences --index DIR --vectors FILE.npz [--mu 0,0.2,0.4]

``chunking`` builds SciFact's index with other passage sizes and scores the shipped pipeline on
both splits. ``docmean`` re-scores the dense side: a passage's cosine is averaged with the
cosine of its document's mean passage vector, ``(cos(q, p) + mu * cos(q, doc)) / (1 + mu)``,
then fused as shipped. ``adaptive`` picks the keyword weight per claim from features of the two
candidate lists (score gaps, overlap, agreement at the top, length) with a softmax policy over
weights 0.2-0.8 fitted on train (five-fold cross-validated there), and reports the per-claim
oracle over the same weights. ``sentences`` (session 13) adds each passage's best sentence to
its dense score, ``(1 - mu) * cos(q, p) + mu * max_s cos(q, s)``, with every sentence of the
index encoded alone once (kept in ``--vectors``). Choose on train; test is printed for the
record.
"""

from __future__ import annotations

import argparse
import dataclasses
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np

from askcorpus.embed.embedder import Embedder
from askcorpus.eval.beir import build_index, load_set
from askcorpus.eval.metrics import doc_ranking, ndcg_at
from askcorpus.eval.run import BEIR_CANDIDATES, evaluate_beir
from askcorpus.search import fusion
from askcorpus.search.highlight import sentence_texts
from askcorpus.search.index import Index, Sides, fuse
from askcorpus.settings import ChunkingParams, Settings
from askcorpus.text.query import clean_question

SCIFACT = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "scifact"
SPLITS = ("train", "test")
WEIGHTS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def chunking(args: argparse.Namespace) -> None:
    """The shipped pipeline on an index cut into passages of another size."""
    params = ChunkingParams(args.target, args.max, args.min, args.overlap)
    settings = dataclasses.replace(Settings.from_env(), chunking=params)
    embedder = Embedder(settings)
    build_index(SCIFACT, args.out, settings, embedder)
    index = Index.open(args.out, settings, embedder)
    try:
        for split in SPLITS:
            row = evaluate_beir(index, load_set(SCIFACT, split), "hybrid")
            print(f"{split}: nDCG@10 {row.metrics['ndcg@10']:.4f}", flush=True)
    finally:
        index.close()


def _claims(index: Index, split: str) -> tuple[list[str], list[str], np.ndarray, dict]:
    data = load_set(SCIFACT, split)
    qids = list(data.queries)
    texts = [clean_question(data.queries[q])[0] for q in qids]
    return qids, texts, index.embedder.encode_queries(texts), data.qrels


def _ndcg(index: Index, fused: list[fusion.Fused], qid: str, qrels: dict) -> float:
    sources = index.store.passages([f.id for f in fused])
    ranking = doc_ranking((sources[f.id].source for f in fused if f.id in sources), qid)
    return ndcg_at(ranking, qrels[qid], 10)


def docmean(args: argparse.Namespace) -> None:
    """Dense scores averaged with the document's mean vector's, fused as shipped."""
    index = Index.open(args.index, Settings.from_env())
    conn = sqlite3.connect(f"file:{args.index / 'askcorpus.sqlite3'}?mode=ro", uri=True)
    rows = conn.execute("SELECT id, doc_id FROM passages ORDER BY id").fetchall()
    ids = [r[0] for r in rows]
    _docs, member = np.unique(np.array([r[1] for r in rows]), return_inverse=True)
    vectors = index.store.passage_vectors(ids).astype(np.float32)
    means = np.zeros((member.max() + 1, vectors.shape[1]), np.float32)
    np.add.at(means, member, vectors)
    means /= np.linalg.norm(means, axis=1, keepdims=True)
    row_of = {p: i for i, p in enumerate(ids)}

    def mixer(qv: np.ndarray, cand: list[int]) -> Callable[[int, float, float], float]:
        doc = {p: float(means[member[row_of[p]]] @ qv.ravel()) for p in cand}
        return lambda p, s, mu: (s + mu * doc[p]) / (1 + mu)

    _sweep(index, [float(x) for x in args.mu.split(",")], mixer)


def _sweep(
    index: Index,
    mus: list[float],
    mixer: Callable[[np.ndarray, list[int]], Callable[[int, float, float], float]],
) -> None:
    """nDCG@10 on each split for each ``mu``, the dense scores of a claim's candidates
    replaced by ``mixer(query vector, candidates)(passage, cosine, mu)``, fused as shipped."""
    for split in SPLITS:
        qids, texts, vecs, qrels = _claims(index, split)
        scores: dict[float, list[float]] = {mu: [] for mu in mus}
        for n, qid in enumerate(qids):
            qv = vecs[n : n + 1]
            sides, _ = index.sides(texts[n], BEIR_CANDIDATES, "hybrid", query_vec=qv)
            mix = mixer(qv, [p for p, _s in sides.dense] + list(sides.extra))
            for mu in mus:
                dense = sorted(
                    ((p, mix(p, s, mu)) for p, s in sides.dense), key=lambda t: (-t[1], t[0])
                )
                extra = {p: mix(p, s, mu) for p, s in sides.extra.items()}
                fused = fuse(Sides(dense, sides.lexical, extra), "hybrid")
                scores[mu].append(_ndcg(index, fused, qid, qrels))
        for mu in mus:
            print(f"{split} mu={mu:g}: nDCG@10 {np.mean(scores[mu]):.4f}", flush=True)
    index.close()


def _features(sides: Sides, source: dict[int, str], text: str) -> list[float]:
    d = [s for _p, s in sides.dense[:20]] + [0.0] * 20
    lx = [s for _p, s in sides.lexical[:20]] + [0.0] * 20
    top_d = [source.get(p) for p, _s in sides.dense[:10]]
    top_l = [source.get(p) for p, _s in sides.lexical[:10]]
    l1 = max(lx[0], 1e-9)
    return [
        d[0],
        d[0] - d[1],
        d[0] - float(np.mean(d[5:15])),
        (lx[0] - lx[1]) / l1,
        lx[0],
        (lx[0] - float(np.mean(lx[5:15]))) / l1,
        len(set(top_d) & set(top_l)) / 10,
        float(bool(top_l) and top_d[0] == top_l[0]),
        float(len(text.split())),
    ]


def _fit(z: np.ndarray, gains: np.ndarray, penalty: float) -> np.ndarray:
    """Softmax policy over the weights maximising expected nDCG (gradient ascent)."""
    z = np.hstack([z, np.ones((len(z), 1))])
    coef = np.zeros((z.shape[1], gains.shape[1]))
    for _ in range(300):
        s = z @ coef
        p = np.exp(s - s.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        expected = (p * gains).sum(1, keepdims=True)
        coef += 0.5 * (z.T @ (p * (gains - expected)) / len(z) - penalty * 1e-3 * coef)
    return coef


def _chosen(z: np.ndarray, gains: np.ndarray, coef: np.ndarray) -> float:
    pick = (np.hstack([z, np.ones((len(z), 1))]) @ coef).argmax(1)
    return float(gains[np.arange(len(gains)), pick].mean())


def adaptive(args: argparse.Namespace) -> None:
    """A keyword weight per claim, learnt on train; the fixed weights and the oracle beside."""
    index = Index.open(args.index, Settings.from_env())
    data: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for split in SPLITS:
        qids, texts, vecs, qrels = _claims(index, split)
        feats, gains = [], []
        for n, qid in enumerate(qids):
            sides, _ = index.sides(texts[n], BEIR_CANDIDATES, "hybrid", query_vec=vecs[n : n + 1])
            ids = [p for p, _s in sides.dense[:10]] + [p for p, _s in sides.lexical[:10]]
            source = {p: r.source for p, r in index.store.passages(ids).items()}
            feats.append(_features(sides, source, texts[n]))
            gains.append(
                [
                    _ndcg(
                        index, fusion.convex(sides.dense, sides.lexical, sides.extra, w), qid, qrels
                    )
                    for w in WEIGHTS
                ]
            )
        data[split] = (np.array(feats), np.array(gains))
        fixed = " ".join(
            f"{w:g}:{g:.4f}" for w, g in zip(WEIGHTS, data[split][1].mean(0), strict=True)
        )
        print(f"{split}: fixed weights {fixed}; oracle {data[split][1].max(1).mean():.4f}")
    x, g = data["train"]
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = (x - mu) / sd
    folds = [np.arange(len(z))[k::5] for k in range(5)]
    for penalty in (0.1, 1.0, 10.0, 100.0):
        cv = 0.0
        for held in folds:
            rest = np.setdiff1d(np.arange(len(z)), held)
            cv += _chosen(z[held], g[held], _fit(z[rest], g[rest], penalty)) * len(held)
        coef = _fit(z, g, penalty)
        xt, gt = data["test"]
        test = _chosen((xt - mu) / sd, gt, coef)
        print(f"penalty {penalty:g}: train five-fold {cv / len(z):.4f}; test {test:.4f}")
    index.close()


def _sentence_vectors(
    index: Index, folder: Path, path: Path
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Every passage's sentences encoded alone: (vectors, passage row of each, passage ids);
    computed once and kept in ``path``."""
    if path.exists():
        z = np.load(path)
        return z["vectors"], z["owner"], [int(i) for i in z["ids"]]
    conn = sqlite3.connect(f"file:{folder / 'askcorpus.sqlite3'}?mode=ro", uri=True)
    ids = [r[0] for r in conn.execute("SELECT id FROM passages ORDER BY id")]
    texts: list[str] = []
    owner: list[int] = []
    stored = index.store.passages(ids)
    for row, pid in enumerate(ids):
        for sentence in sentence_texts(stored[pid].text):
            texts.append(sentence)
            owner.append(row)
    print(f"encoding {len(texts)} sentences of {len(ids)} passages", flush=True)
    vectors = index.embedder.encode_passages(texts).astype(np.float32)
    np.savez(path, vectors=vectors, owner=np.array(owner), ids=np.array(ids))
    return vectors, np.array(owner), ids


def sentences(args: argparse.Namespace) -> None:
    """Dense scores mixed with each passage's best sentence's cosine, fused as shipped."""
    index = Index.open(args.index, Settings.from_env())
    vectors, owner, ids = _sentence_vectors(index, args.index, args.vectors)
    row_of = {p: i for i, p in enumerate(ids)}
    order = np.argsort(owner, kind="stable")
    owner, vectors = owner[order], vectors[order]
    bounds = np.searchsorted(owner, np.arange(len(ids) + 1))

    def mixer(qv: np.ndarray, cand: list[int]) -> Callable[[int, float, float], float]:
        best = {}
        for p in cand:
            a, b = bounds[row_of[p]], bounds[row_of[p] + 1]
            best[p] = float((vectors[a:b] @ qv.ravel()).max()) if b > a else None

        def mix(p: int, s: float, mu: float) -> float:
            top = best[p]
            return s if top is None else (1 - mu) * s + mu * top

        return mix

    _sweep(index, [float(x) for x in args.mu.split(",")], mixer)


def main() -> None:
    """The command line (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("chunking")
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--target", type=int, required=True)
    c.add_argument("--max", type=int, required=True)
    c.add_argument("--min", type=int, default=40)
    c.add_argument("--overlap", type=int, default=1)
    d = sub.add_parser("docmean")
    d.add_argument("--index", type=Path, required=True)
    d.add_argument("--mu", default="0,0.1,0.2,0.3,0.5,1")
    a = sub.add_parser("adaptive")
    a.add_argument("--index", type=Path, required=True)
    s = sub.add_parser("sentences")
    s.add_argument("--index", type=Path, required=True)
    s.add_argument("--vectors", type=Path, required=True)
    s.add_argument("--mu", default="0,0.1,0.2,0.3,0.4,0.5,0.7")
    args = ap.parse_args()
    commands = {"chunking": chunking, "docmean": docmean, "adaptive": adaptive}
    commands["sentences"] = sentences
    commands[args.cmd](args)


if __name__ == "__main__":
    main()
