"""The operating point of "not in this corpus": answerable kept and unanswerable flagged at
several thresholds, on the development sets (where the threshold is chosen) and the held-out
ones (only reported). docs/quality.md, "Operating point".

    askcorpus index --corpus corpus --index /work/scratch5/absence/shipped
    python -m bench.absence_sweep [SHIPPED_INDEX]

Both calibrations: the default one and the shipped corpus's own (fitted now on probes made
of its sentences, as ``askcorpus index`` fits it).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from askcorpus.embed.embedder import Embedder
from askcorpus.eval.run import load_questions
from askcorpus.search import absence
from askcorpus.settings import Settings
from bench.absence import DEV, HELD_OUT, ROOT, calibrated_models, features

THRESHOLDS = (0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15, 0.1)


def main() -> None:
    """Print one line per threshold: kept and flagged for each question set."""
    shipped = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/scratch5/absence/shipped")
    settings = Settings()
    embedder = Embedder(settings)
    models = {
        "default": absence.default_model(),
        "per-corpus": calibrated_models({str(shipped)}, Path("/nonexistent"), settings, embedder)[
            str(shipped)
        ],
    }
    rows = {
        name: [
            (str(shipped), q.question, q.answerable)
            for q in load_questions(ROOT / "eval" / f"{name}.jsonl")
        ]
        for name in DEV + HELD_OUT
    }
    x = {name: features(r, Path("/nonexistent"), settings, embedder) for name, r in rows.items()}
    for label, model in models.items():
        print(f"{label} calibration")
        sets = {}
        for name, r in rows.items():
            p = np.array([model.probability(absence.Evidence(tuple(v), ())) for v in x[name]])
            sets[name] = (p, np.array([a for _i, _q, a in r], dtype=float))
        for t in THRESHOLDS:
            cells = [f"t={t:.2f}"]
            for name, (p, y) in sets.items():
                kept = float(np.mean(p[y == 1] >= t)) if (y == 1).any() else float("nan")
                flagged = float(np.mean(p[y == 0] < t)) if (y == 0).any() else float("nan")
                cells.append(f"{name}: kept {kept:.3f} flagged {flagged:.3f}")
            print(" | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
