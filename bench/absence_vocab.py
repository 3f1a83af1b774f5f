"""Does a vocabulary neighbour tell "the asked-about thing is absent" from "a paraphrase word is
absent"? (session 8, docs/quality.md "Not in this corpus").

    python -m bench.absence_vocab cache    # evidence + absent terms of every row, once
    python -m bench.absence_vocab measure  # candidate features: refit, dev figures

For each question word found nowhere in the corpus, its best cosine with the embeddings of the
corpus's own words ("expensive" has "prices"/"costly"; "tourists" has none, or "tourism")
and with the words of the best passages. ``cache`` computes the shipped features of the
training rows (bench/absence.py ``training_set``: public data only), of the development sets
on the shipped corpus and of the SciFact test claims, with their absent terms and best passage
ids; ``measure`` encodes each corpus's words once, adds candidate features, refits with the
penalty of the default fit and prints dev kept / flagged / balanced at the threshold chosen on
dev (highest keeping >= 0.97 of dev answerable), as bench/absence_sweep.py does. Held-out sets
are not touched here.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from askcorpus.embed.embedder import Embedder
from askcorpus.eval.run import load_questions
from askcorpus.search import absence
from askcorpus.search.index import CANDIDATES, Index
from askcorpus.settings import Settings
from askcorpus.text.query import clean_question
from askcorpus.text.terms import term_key
from bench.absence import DEV, L2, ROOT, training_set
from bench.absence_data import make_subsets

WORK = Path("/work/scratch8/absence")
WORDS = re.compile(r"[^\W\d_]{2,}")
THRESHOLDS = (0.7, 0.65, 0.6, 0.55, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15, 0.1)


@dataclass(frozen=True, slots=True)
class Row:
    """One question asked of one index, with what the shipped evidence saw."""

    index: str
    group: str
    text: str
    answerable: bool
    values: tuple[float, ...]
    absent: tuple[str, ...]
    top: tuple[int, ...]


def _folder(name: str, work: Path) -> Path:
    return work / "sub" / f"{name}-index" if name.endswith("-sub") else Path(name)


def cache(work: Path, shipped: Path) -> None:
    """Compute and save every :class:`Row` (training, dev, SciFact test)."""
    settings = Settings()
    embedder = Embedder(settings)
    todo: list[tuple[str, str, str, bool]] = []
    for name, q, a in training_set(work / "sub", settings, embedder):
        todo.append((name, "train", q, a))
    for name in DEV:
        for lq in load_questions(ROOT / "eval" / f"{name}.jsonl"):
            todo.append((str(shipped), name, lq.question, lq.answerable))
    for c in make_subsets(work / "sub")["test"]:
        todo.append(("scifact-sub", "scifact-test", c.text, c.answerable))
    indexes: dict[str, Index] = {}
    rows = []
    try:
        for name, group, question, a in todo:
            if name not in indexes:
                indexes[name] = Index.open(_folder(name, work), settings, embedder)
            index = indexes[name]
            text, _note = clean_question(question)
            fused, vec = index.retrieve(text, CANDIDATES)
            assert vec is not None
            ev = absence.gather(
                index.store, text, fused, index.stats().passages, vec, embedder.encode_query
            )
            top = tuple(f.id for f in fused[: absence.DENSE_WINDOW])
            rows.append(Row(name, group, text, a, ev.values, ev.absent_terms, top))
    finally:
        for index in indexes.values():
            index.close()
    save_rows(rows, work / "rows.jsonl")


def save_rows(rows: list[Row], path: Path) -> None:
    """Write :class:`Row` records as JSON lines."""
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(dataclasses.asdict(r)) + "\n")


def load_rows(path: Path) -> list[Row]:
    """Read what :func:`save_rows` wrote."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            d |= {k: tuple(d[k]) for k in ("values", "absent", "top")}
            out.append(Row(**d))
    return out


def vocabulary(index: Index) -> Counter[str]:
    """Lower-case words of the corpus (letters only) and their document frequency."""
    df: Counter[str] = Counter()
    for source in sorted(index.store.document_states()):
        doc = index.store.document(source)
        if doc is not None:
            df.update({w.lower() for w in WORDS.findall(doc.text)})
    return df


class Neighbours:
    """Word embeddings of one corpus's vocabulary, and nearest-neighbour look-ups."""

    def __init__(self, words: list[str], encode: Callable[[list[str]], np.ndarray]):
        self.words = words
        self.keys = [term_key(w) for w in words]
        self.matrix = encode(words)
        self._encode = encode
        self._memo: dict[str, np.ndarray] = {}

    def vector(self, word: str) -> np.ndarray:
        """The embedding of ``word`` (memoised)."""
        if word not in self._memo:
            self._memo[word] = self._encode([word])[0]
        return self._memo[word]

    def best(self, word: str, among: set[str] | None = None) -> tuple[float, str]:
        """Best cosine of ``word`` with the vocabulary (or the words ``among``) and which."""
        sims = self.matrix @ self.vector(word)
        if among is not None:
            mask = np.array([w in among for w in self.words])
            if not mask.any():
                return 0.0, ""
            sims = np.where(mask, sims, -1.0)
        i = int(np.argmax(sims))
        return float(sims[i]), self.words[i]


def neighbour_tables(
    rows: list[Row], work: Path, min_df: int
) -> tuple[dict[str, Neighbours], dict[str, dict[int, set[str]]]]:
    """Per index: the vocabulary's embeddings (words of df >= ``min_df``), and the words of
    each best passage the rows name."""
    settings = Settings()
    embedder = Embedder(settings)
    out: dict[str, Neighbours] = {}
    passages: dict[str, dict[int, set[str]]] = {}
    for name in sorted({r.index for r in rows}):
        index = Index.open(_folder(name, work), settings, embedder)
        try:
            df = vocabulary(index)
            words = sorted(w for w, n in df.items() if n >= min_df)
            out[name] = Neighbours(words, lambda ws: embedder.encode_passages(ws))
            ids = sorted({i for r in rows if r.index == name for i in r.top})
            found = index.store.passages(ids)
            passages[name] = {
                i: {w.lower() for w in WORDS.findall(f"{p.title}\n{p.text}")}
                for i, p in found.items()
            }
        finally:
            index.close()
        print(f"{name}: {len(out[name].words)} words (df >= {min_df})", flush=True)
    return out, passages


def summarise(scores: dict[str, float]) -> tuple[float, float, float]:
    """Of the absent terms' best cosines ``scores`` (one or more): the lowest, the most
    specific term's, and the largest specificity x (1 - cosine) ("foreign")."""
    spec = {t: absence.specificity(t) for t in scores}
    most = max(scores, key=spec.__getitem__)
    return min(scores.values()), scores[most], max(spec[t] * (1 - s) for t, s in scores.items())


def candidates(row: Row, nb: Neighbours, passages: dict[int, set[str]]) -> dict[str, float]:
    """Candidate features of one row from its absent terms' neighbours."""
    terms = [t for t in row.absent if WORDS.fullmatch(t)]
    if not terms:
        return {
            "nn_min": 1.0,
            "nn_spec": 1.0,
            "foreign": 0.0,
            "nn_top_min": 1.0,
            "foreign_top": 0.0,
        }
    top3: set[str] = set().union(*(passages.get(i, set()) for i in row.top[:3]))
    nn_min, nn_spec, foreign = summarise({t: nb.best(t)[0] for t in terms})
    nn_top_min, _spec, foreign_top = summarise({t: nb.best(t, top3)[0] for t in terms})
    return {
        "nn_min": nn_min,
        "nn_spec": nn_spec,
        "foreign": foreign,
        "nn_top_min": nn_top_min,
        "foreign_top": foreign_top,
    }


def _scores(p: np.ndarray, y: np.ndarray, t: float) -> tuple[float, float]:
    kept = float(np.mean(p[y == 1] >= t)) if (y == 1).any() else float("nan")
    flagged = float(np.mean(p[y == 0] < t)) if (y == 0).any() else float("nan")
    return kept, flagged


def evaluate(label: str, x: dict[str, np.ndarray], y: dict[str, np.ndarray], l2: float) -> None:
    """Fit on the training rows, choose the threshold on dev, print dev and SciFact-test."""
    model = absence.fit(x["train"], y["train"], l2=l2)

    def prob(m: np.ndarray) -> np.ndarray:
        z = ((m - np.asarray(model.mean)) / np.asarray(model.scale)) @ np.asarray(model.coef)
        return 1 / (1 + np.exp(-(z + model.intercept)))

    # On topic: every dev set but the off-topic questions of eval/questions.jsonl (16, all
    # flagged by every model tried), as docs/quality.md pools them.
    keep = {g: (y[g] == 1) | (g != "questions") for g in DEV}
    dev_p = np.concatenate([prob(x[g])[keep[g]] for g in DEV])
    dev_y = np.concatenate([y[g][keep[g]] for g in DEV])
    chosen = max((t for t in THRESHOLDS if _scores(dev_p, dev_y, t)[0] >= 0.97), default=0.1)
    kept, flagged = _scores(dev_p, dev_y, chosen)
    k5, f5 = _scores(dev_p, dev_y, 0.5)
    sk, sf = _scores(prob(x["scifact-test"]), y["scifact-test"], chosen)
    print(
        f"{label:28s} l2={l2:5.0f} t={chosen:.2f} dev kept {kept:.3f} flagged {flagged:.3f} "
        f"balanced {(kept + flagged) / 2:.3f} | t=0.5 {k5:.3f}/{f5:.3f} "
        f"| scifact-test {sk:.3f}/{sf:.3f}",
        flush=True,
    )


def auc(score: np.ndarray, answerable: np.ndarray) -> float:
    """Area under the ROC curve of ``score`` for telling answerable rows (ties not split)."""
    y = answerable.astype(bool)
    if y.all() or not y.any():
        return float("nan")
    ranks = np.argsort(np.argsort(score))
    return float((ranks[y].mean() - (y.sum() - 1) / 2) / (~y).sum())


def _on_topic_dev(row: Row) -> bool:
    return row.group in DEV and (row.answerable or row.group != "questions")


def separation(rows: list[Row], extra: list[dict[str, float]]) -> None:
    """How well each candidate alone tells answerable rows among those with an absent word
    (training, dev on topic, SciFact test); on dev, also among the rows the shipped model is
    unsure of (p 0.3-0.9, where a new feature would have to help), and a leave-one-out fit
    *on dev* of the shipped logit plus the candidate: an upper bound of what it could add."""
    model = absence.default_model()
    p = np.array([model.probability(absence.Evidence(r.values, ())) for r in rows])
    y = np.array([r.answerable for r in rows], dtype=float)
    worded = np.array([any(WORDS.fullmatch(t) for t in r.absent) for r in rows])
    masks = {
        "train": np.array([r.group == "train" for r in rows]) & worded,
        "dev": np.array([_on_topic_dev(r) for r in rows]) & worded,
        "scifact-test": np.array([r.group == "scifact-test" for r in rows]) & worded,
    }
    masks["dev, p 0.3-0.9"] = masks["dev"] & (p >= 0.3) & (p <= 0.9)
    dev = np.array([_on_topic_dev(r) for r in rows])
    print("AUC of each candidate alone (answerable high; <0.5 = reversed)")
    for name in ["shipped p", *extra[0]]:
        col = p if name == "shipped p" else np.array([e[name] for e in extra])
        cells = [f"{g} ({int(m.sum())}): {auc(col[m], y[m]):.3f}" for g, m in masks.items()]
        if name != "shipped p":
            cells.append(f"dev LOO upper bound: {_loo(p[dev], col[dev], y[dev])}")
        print(f"  {name:14s} " + " | ".join(cells), flush=True)


def _loo(p: np.ndarray, feature: np.ndarray, y: np.ndarray) -> str:
    """Leave-one-out logistic fit on [logit p, feature]; flagged at >= 0.97 kept."""
    x = np.c_[np.log(p / (1 - p)), feature]
    q = np.empty(len(y))
    for j in range(len(y)):
        rest = np.arange(len(y)) != j
        m = absence.fit(x[rest], y[rest], l2=1.0)
        q[j] = m.probability(absence.Evidence(tuple(x[j]), ()))
    ok = [t for t in np.arange(0.05, 0.95, 0.05) if np.mean(q[y == 1] >= t) >= 0.97]
    t = max(ok, default=0.05)
    return f"flagged {np.mean(q[y == 0] < t):.3f} at t={t:.2f}"


def measure(work: Path, min_df: int) -> None:
    """Print the dev figures of the shipped features and of each candidate added."""
    rows = load_rows(work / "rows.jsonl")
    nbs, passages = neighbour_tables(rows, work, min_df)
    extra = [candidates(r, nbs[r.index], passages[r.index]) for r in rows]
    groups = sorted({r.group for r in rows})
    base = {g: np.array([r.values for r in rows if r.group == g]) for g in groups}
    y = {g: np.array([r.answerable for r in rows if r.group == g], dtype=float) for g in groups}
    (work / f"vocab-{min_df}.json").write_text(json.dumps(extra), encoding="utf-8")
    separation(rows, extra)
    for l2 in (10.0, L2, 100.0):
        evaluate("shipped features", base, y, l2)
        for name in extra[0]:
            x = {
                g: np.hstack(
                    [
                        base[g],
                        np.array(
                            [[e[name]] for r, e in zip(rows, extra, strict=True) if r.group == g]
                        ),
                    ]
                )
                for g in groups
            }
            evaluate(f"+ {name}", x, y, l2)


def main() -> None:
    """The command line (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("cache", "measure"))
    ap.add_argument("--work", type=Path, default=WORK)
    ap.add_argument("--shipped", type=Path, default=WORK / "shipped")
    ap.add_argument("--min-df", type=int, default=1)
    args = ap.parse_args()
    if args.step == "cache":
        cache(args.work, args.shipped)
    else:
        measure(args.work, args.min_df)


if __name__ == "__main__":
    main()
