"""Why "not in this corpus" gives no probability for Russian and Chinese questions: each
feature's power there, measured.

    python -m bench.absence_languages --work DIR

Indexes ``eval/multilingual/``'s 24 documents (Russian and Chinese, on twelve facts) with the
multilingual encoder, asks its Russian and Chinese questions — the answerable ones
(``questions-{ru,zh}.jsonl``, paraphrased) and the on-topic unanswerable ones
(``unanswerable-{ru,zh}.jsonl``) — and computes the evidence a search computes
(:func:`askcorpus.search.absence.gather`), bypassing the gate that withholds the probability
(:func:`askcorpus.search.absence.defaults_apply`). Prints, per language, each feature's AUC
in the direction the default calibration reads it (answerable against unanswerable: 0.5 is
chance, below 0.5 points the wrong way), the default
calibration's kept / flagged at its threshold, and each question's probability and the terms
it found nowhere. docs/quality.md ("Not in this corpus", session 15) holds the table.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np

from askcorpus.embed.embedder import Embedder
from askcorpus.eval.run import load_questions
from askcorpus.indexer.update import update_index
from askcorpus.search import absence
from askcorpus.search.index import Index
from askcorpus.settings import MULTILINGUAL, Settings
from bench.absence import evidence, scores
from bench.multilingual import DATA, corpus

LANGUAGES = ("ru", "zh")


def auc(values: np.ndarray, answered: np.ndarray) -> float:
    """P(an answerable question's value > an unanswerable one's), ties counting half."""
    pos, neg = values[answered], values[~answered]
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).mean()
    ties = (pos[:, None] == neg[None, :]).mean()
    return float(greater + 0.5 * ties)


def main() -> None:
    """The command line (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--verbose", action="store_true", help="print every question")
    args = ap.parse_args()
    settings = dataclasses.replace(
        Settings.from_env(),
        corpus_dir=corpus(args.work, "ru+zh"),
        index_dir=args.work / "index" / "e5-ru-zh",
        encoder=MULTILINGUAL,
    )
    embedder = Embedder(settings)
    update_index(settings, embedder)
    index = Index.open(settings.index_dir, settings, embedder)
    model = absence.default_model_for(index.store.manifest.model)
    if model is None:
        raise SystemExit("no default calibration for the multilingual encoder")
    header = "| feature (its weight) | " + " | ".join(f"AUC, {lang}" for lang in LANGUAGES) + " |"
    columns: dict[str, list[str]] = {name: [] for name in (*absence.FEATURES, "probability")}
    summary = []
    try:
        for lang in LANGUAGES:
            rows = []
            for kind in ("questions", "unanswerable"):
                for q in load_questions(DATA / f"{kind}-{lang}.jsonl"):
                    ev = evidence(index, q.question)
                    p = model.probability(ev)
                    rows.append((ev.values, p, q.answerable))
                    if args.verbose:
                        print(
                            f"{lang} {int(q.answerable)} p={p:.2f} {q.question} {ev.absent_terms}"
                        )
            x = np.array([r[0] for r in rows])
            p = np.array([r[1] for r in rows])
            y = np.array([r[2] for r in rows], dtype=bool)
            for i, name in enumerate(absence.FEATURES):
                # Read as the calibration reads it: a feature it weighs negatively (words
                # found nowhere) should be lower for answerable questions.
                sign = 1.0 if model.coef[i] >= 0 else -1.0
                columns[name].append(f"{auc(sign * x[:, i], y):.3f}")
            columns["probability"].append(f"{auc(p, y):.3f}")
            s = scores(p, y.astype(float))
            summary.append(
                f"{lang}: {int(y.sum())} answerable, {int((~y).sum())} unanswerable; kept "
                f"{s['kept']:.3f}, flagged {s['flagged']:.3f}, balanced {s['balanced']:.3f}"
            )
    finally:
        index.close()
    print(header)
    print("|---|" + "---|" * len(LANGUAGES))
    for name, cells in columns.items():
        weight = dict(zip(absence.FEATURES, model.coef, strict=True)).get(name)
        label = name if weight is None else f"{name} ({weight:+.2f})"
        print(f"| {label} | " + " | ".join(cells) + " |")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
