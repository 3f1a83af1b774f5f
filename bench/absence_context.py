"""Contextual evidence for an absent question word: does the best passage say it in other words?
(session 8, docs/quality.md "Not in this corpus"; an experiment, nothing in src uses it).

    python -m bench.absence_context dev      # per-question table of the development sets
    python -m bench.absence_context measure  # add the features, refit, dev figures

A word found nowhere in the corpus either rephrases what the best passage says ("expensive
oil" for "higher oil prices") or names what it lacks ("tourists"). bench/absence_vocab.py
compares the word alone with the corpus's words and finds no separation (single-word
embeddings mostly match spelling). Here the word is read *in the question*: the contextual
token vectors of all-MiniLM-L6-v2's last layer (sentence-transformers on torch, the reference
encoder) for the word's pieces, against those of the three best passages, BERTScore-style;
the best cosine says how well some passage token stands in for it. Rows come from
``python -m bench.absence_vocab cache``.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from askcorpus.embed.embedder import bundled_model_path
from askcorpus.search import absence
from askcorpus.search.index import Index
from askcorpus.settings import Settings
from bench.absence import DEV, L2
from bench.absence_vocab import (
    WORK,
    Row,
    _folder,
    evaluate,
    load_rows,
    separation,
    summarise,
)

WORDS = re.compile(r"[^\W\d_]{2,}")


class Tokens:
    """Contextual token vectors of texts (last layer, L2-normalised) with character offsets."""

    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        self.model: Any = SentenceTransformer(str(bundled_model_path()), device="cpu")
        self.tok: Any = self.model.tokenizer

    def encode(self, text: str) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """Vectors of the word pieces of ``text`` (special tokens dropped) and their spans."""
        enc = self.tok(text, return_offsets_mapping=True, truncation=True, max_length=256)
        out = self.model.encode(text, output_value="token_embeddings", convert_to_numpy=True)
        vecs = np.asarray(out)
        spans = [tuple(o) for o in enc["offset_mapping"]]
        keep = [i for i, (a, b) in enumerate(spans) if b > a]
        v = vecs[keep]
        v = v / (np.linalg.norm(v, axis=1, keepdims=True) + 1e-9)
        return v, [spans[i] for i in keep]


def word_vectors(
    question: str, vecs: np.ndarray, spans: Sequence[tuple[int, int]], word: str
) -> np.ndarray | None:
    """The mean vector of the pieces of ``word``'s first occurrence in ``question``."""
    m = re.search(rf"\b{re.escape(word)}\b", question, re.IGNORECASE)
    if m is None:
        return None
    rows = [i for i, (a, b) in enumerate(spans) if a >= m.start() and b <= m.end()]
    if not rows:
        return None
    v = vecs[rows].mean(0)
    return v / (np.linalg.norm(v) + 1e-9)


def features_of(
    row: Row, tokens: Tokens, passages: dict[int, str], memo: dict[int, np.ndarray]
) -> dict[str, float]:
    """Contextual stand-in cosines of the row's absent words against its best passages."""
    terms = [t for t in row.absent if WORDS.fullmatch(t)]
    if not terms:
        return {"ctx_min": 1.0, "ctx_spec": 1.0, "ctx_foreign": 0.0, "ctx_top1_min": 1.0}
    qv, qs = tokens.encode(row.text)
    mats = []
    for pid in row.top[:3]:
        if pid not in memo:
            memo[pid] = tokens.encode(passages.get(pid, ""))[0]
        mats.append(memo[pid])
    best: dict[str, float] = {}
    best1: dict[str, float] = {}
    for t in terms:
        v = word_vectors(row.text, qv, qs, t)
        if v is None:
            continue
        sims = [float((m @ v).max()) if len(m) else 0.0 for m in mats]
        best[t] = max(sims, default=0.0)
        best1[t] = sims[0] if sims else 0.0
    if not best:
        return {"ctx_min": 1.0, "ctx_spec": 1.0, "ctx_foreign": 0.0, "ctx_top1_min": 1.0}
    ctx_min, ctx_spec, ctx_foreign = summarise(best)
    return {
        "ctx_min": ctx_min,
        "ctx_spec": ctx_spec,
        "ctx_foreign": ctx_foreign,
        "ctx_top1_min": min(best1.values()),
    }


def passage_texts(rows: list[Row], work: Path) -> dict[str, dict[int, str]]:
    """The title + text of every best passage the rows name, per index."""
    settings = Settings()
    out: dict[str, dict[int, str]] = {}
    for name in sorted({r.index for r in rows}):
        index = Index.open(_folder(name, work), settings)
        try:
            ids = sorted({i for r in rows if r.index == name for i in r.top[:3]})
            out[name] = {i: f"{p.title}\n{p.text}" for i, p in index.store.passages(ids).items()}
        finally:
            index.close()
    return out


def compute(rows: list[Row], work: Path) -> list[dict[str, float]]:
    """The contextual features of every row."""
    tokens = Tokens()
    texts = passage_texts(rows, work)
    memo: dict[str, dict[int, np.ndarray]] = {}
    return [features_of(r, tokens, texts[r.index], memo.setdefault(r.index, {})) for r in rows]


def main() -> None:
    """The command line (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("dev", "measure"))
    ap.add_argument("--work", type=Path, default=WORK)
    args = ap.parse_args()
    rows = load_rows(args.work / "rows.jsonl")
    if args.step == "dev":
        dev = [r for r in rows if r.group in DEV]
        model = absence.default_model()
        for r, f in zip(dev, compute(dev, args.work), strict=True):
            if r.absent:
                p = model.probability(absence.Evidence(r.values, ()))
                cells = " ".join(f"{k}={v:.2f}" for k, v in f.items())
                print(f"{'A' if r.answerable else 'U'} p={p:.2f} {cells} | {r.text[:70]}")
        return
    cache = args.work / "context.json"
    if cache.exists():
        extra = json.loads(cache.read_text(encoding="utf-8"))
    else:
        extra = compute(rows, args.work)
        cache.write_text(json.dumps(extra), encoding="utf-8")
    separation(rows, extra)
    groups = sorted({r.group for r in rows})
    base = {g: np.array([r.values for r in rows if r.group == g]) for g in groups}
    y = {g: np.array([r.answerable for r in rows if r.group == g], dtype=float) for g in groups}
    for l2 in (10.0, L2, 100.0):
        evaluate("shipped features", base, y, l2)
        for name in extra[0]:
            col = {
                g: np.array([[e[name]] for r, e in zip(rows, extra, strict=True) if r.group == g])
                for g in groups
            }
            x = {g: np.hstack([base[g], col[g]]) for g in groups}
            evaluate(f"+ {name}", x, y, l2)


if __name__ == "__main__":
    main()
