"""Ranking in a crowd: our questions on the five shipped articles alone vs hidden in a benchmark.

    python -m bench.crowd --beir-index DIR --shipped DIR --out DIR [--questions FILE ...]

``--beir-index`` is a cached ``askcorpus eval --beir`` index (ArguAna's 8,674 arguments, or
SciFact's abstracts); it is copied to ``--out`` and the five articles are added to the copy
(:func:`askcorpus.eval.crowd.hide_among`, what ``askcorpus eval --crowd`` does). The labelled
questions are then scored (hit@1, hit@5, MRR@10 over merged hits, as ``askcorpus eval``) on the
articles alone and in the crowd, side by side. ``askcorpus eval --questions F --crowd BEIR_DIR``
reports the same figures, and the drop.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from askcorpus.embed.embedder import Embedder
from askcorpus.eval.crowd import hide_among
from askcorpus.eval.run import evaluate_questions, format_table, load_questions
from askcorpus.search.index import Index
from askcorpus.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """The command line (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--beir-index", type=Path, required=True)
    ap.add_argument("--shipped", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--mode", default="hybrid")
    ap.add_argument(
        "--questions",
        type=Path,
        nargs="*",
        default=[ROOT / "eval" / "questions.jsonl", ROOT / "eval" / "questions-more.jsonl"],
    )
    args = ap.parse_args()
    settings = Settings()
    embedder = Embedder(settings)
    hide_among(args.beir_index, args.shipped, args.out, settings, embedder)
    rows = []
    for label, folder in (("alone", args.shipped), ("crowd", args.out)):
        index = Index.open(folder, settings, embedder)
        try:
            for path in args.questions:
                answerable = [q for q in load_questions(path) if q.answerable]
                for mode in args.mode.split(","):
                    rows.append(evaluate_questions(index, answerable, mode, f"{path.stem}:{label}"))
        finally:
            index.close()
    print(format_table(rows))


if __name__ == "__main__":
    main()
