"""The operating point of "not in this corpus": answerable kept and unanswerable flagged at
several thresholds, on the development sets (where the threshold is chosen) and, unless
``--dev``, the held-out ones (only reported). docs/quality.md, "Operating point".

    askcorpus index --corpus corpus --index bench/out/absence/shipped
    python -m bench.absence_sweep [SHIPPED_INDEX] [--dev] [--per-corpus]

The chosen threshold is the highest that keeps >= 0.97 of the development sets' answerable
questions; the line says which. ``--per-corpus`` adds the shipped corpus's own calibration
(fitted now on probes made of its sentences, as ``askcorpus index --calibrate-absence`` does).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from askcorpus.embed.embedder import Embedder
from askcorpus.eval.run import load_questions
from askcorpus.search import absence
from askcorpus.settings import Settings
from bench.absence import DEV, HELD_OUT, ROOT, calibrated_models, features

THRESHOLDS = (0.6, 0.55, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15, 0.1)
KEEP = 0.97


def main() -> None:
    """Print one line per threshold: kept and flagged for each question set."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("shipped", nargs="?", type=Path, default=Path("bench/out/absence/shipped"))
    ap.add_argument("--dev", action="store_true", help="the development sets only")
    ap.add_argument("--per-corpus", action="store_true", help="also the per-corpus calibration")
    args = ap.parse_args()
    settings = Settings()
    embedder = Embedder(settings)
    models = {"default": absence.default_model()}
    if args.per_corpus:
        own = calibrated_models({str(args.shipped)}, Path("/nonexistent"), settings, embedder)
        models["per-corpus"] = own[str(args.shipped)]
    names = DEV if args.dev else DEV + HELD_OUT
    rows = {
        name: [
            (str(args.shipped), q.question, q.answerable)
            for q in load_questions(ROOT / "eval" / f"{name}.jsonl")
        ]
        for name in names
    }
    x = {name: features(r, Path("/nonexistent"), settings, embedder) for name, r in rows.items()}
    for label, model in models.items():
        print(f"{label} calibration")
        sets = {}
        for name, r in rows.items():
            p = np.array([model.probability(absence.Evidence(tuple(v), ())) for v in x[name]])
            sets[name] = (p, np.array([a for _i, _q, a in r], dtype=float))
        dev_p = np.concatenate([sets[n][0] for n in DEV])
        dev_y = np.concatenate([sets[n][1] for n in DEV])
        chosen = max((t for t in THRESHOLDS if np.mean(dev_p[dev_y == 1] >= t) >= KEEP), default=0)
        for t in THRESHOLDS:
            cells = [f"t={t:.2f}{' (chosen)' if t == chosen else ''}"]
            for name, (p, y) in sets.items():
                kept = float(np.mean(p[y == 1] >= t)) if (y == 1).any() else float("nan")
                flagged = float(np.mean(p[y == 0] < t)) if (y == 0).any() else float("nan")
                cells.append(f"{name}: kept {kept:.3f} flagged {flagged:.3f}")
            dk = float(np.mean(dev_p[dev_y == 1] >= t))
            cells.append(f"all dev answerable kept {dk:.3f}")
            print(" | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
