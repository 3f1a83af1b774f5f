""" "Not in this corpus" when the shipped corpus is searched as several corpora.

    python -m bench.absence_multi --work DIR

Indexes the five shipped articles once as one corpus and once as two (the first two files, the
other three), asks every question set of bench/absence.py (development and held-out) of the
one index and of the two searched together (:class:`askcorpus.search.multi.MultiIndex`), and
prints answerable kept / on-topic unanswerable flagged / balanced for both, at the shipped
threshold. The same questions, the same passages: what differs is only that each index judges
its share and the likeliest wins. It also prints the median time of a search of each (warm,
every question once; run it with another tree's ``src`` on ``PYTHONPATH`` to compare).
docs/quality.md ("Not in this corpus", session 15).
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import time
from pathlib import Path

import numpy as np

from askcorpus.embed.embedder import Embedder
from askcorpus.eval.run import load_questions
from askcorpus.indexer.update import update_index
from askcorpus.search.index import Index
from askcorpus.search.multi import MultiIndex
from askcorpus.settings import Settings
from bench.absence import DEV, HELD_OUT, ROOT

SPLIT = 2  # files of the first corpus (sorted by name); the rest form the second


def _index(work: Path, name: str, files: list[Path], base: Settings, embedder: Embedder) -> Index:
    corpus = work / name / "corpus"
    if not corpus.exists():
        corpus.mkdir(parents=True)
        for f in files:
            shutil.copy2(f, corpus / f.name)
    settings = dataclasses.replace(base, corpus_dir=corpus, index_dir=work / name / "index")
    update_index(settings, embedder)
    return Index.open(settings.index_dir, settings, embedder)


def main() -> None:
    """The command line (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    args = ap.parse_args()
    base = Settings.from_env()
    embedder = Embedder(base)
    files = sorted(p for p in (ROOT / "corpus").iterdir() if p.suffix == ".txt")
    whole = _index(args.work, "whole", files, base, embedder)
    parts = [
        _index(args.work, "part1", files[:SPLIT], base, embedder),
        _index(args.work, "part2", files[SPLIT:], base, embedder),
    ]
    together = MultiIndex(parts)
    print("| sets | questions | one index: kept / flagged / balanced | two indexes together |")
    print("|---|---|---|---|")
    try:
        for label, names in (("development", DEV), ("held out", HELD_OUT)):
            said: dict[str, list[bool]] = {"one": [], "two": []}
            took: dict[str, list[float]] = {"one": [], "two": []}
            labels: list[bool] = []
            for name in names:
                for q in load_questions(ROOT / "eval" / f"{name}.jsonl"):
                    if not q.answerable and name == "questions":
                        continue  # its 16 off-topic questions: on-topic ones are measured
                    labels.append(q.answerable)
                    for key, searcher in (("one", whole), ("two", together)):
                        started = time.perf_counter()
                        said[key].append(searcher.search(q.question, 5).answer_likely)
                        took[key].append(time.perf_counter() - started)
            y = np.array(labels)
            cells = []
            for key in ("one", "two"):
                s = np.array(said[key])
                kept, flagged = s[y].mean(), (~s[~y]).mean()
                cells.append(f"{kept:.3f} / {flagged:.3f} / {(kept + flagged) / 2:.3f}")
            print(f"| {label} | {len(y)} | {cells[0]} | {cells[1]} |")
            ms = {key: 1000 * float(np.median(t)) for key, t in took.items()}
            print(f"  median search: one index {ms['one']:.1f} ms, two together {ms['two']:.1f} ms")
    finally:
        whole.close()
        together.close()


if __name__ == "__main__":
    main()
