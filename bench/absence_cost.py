"""What "not in this corpus" costs: the index-time calibration (askcorpus.search.calibration),
side by side with the indexing it follows, and the per-question assessment
(``absence.assess``), side by side with an earlier tree's.

    python -m bench.absence_cost [--corpus corpus] [--index EXISTING_INDEX ...] [--runs 3]
    python -m bench.absence_cost --assess INDEX [--before /work/wt6base/src] [--runs 5]

For ``--corpus`` (default: the shipped corpus) the folder is indexed from scratch into a
temporary folder ``--runs`` times, and the calibration is timed on the result as many times:
medians and their ratio. For each ``--index`` (a large index, e.g. SciFact's, never written
to) only the calibration is timed, since re-indexing it would take minutes.

``--assess`` retrieves every question of eval/*.jsonl once from INDEX (not timed), then times
``absence.assess`` on the same candidates ``--runs`` times, interleaved with the assessment of
the tree at ``--before`` (its ``search/absence.py`` and ``absence_model.json``): per-question
medians, then their median and 90th percentile, and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import numpy as np

from askcorpus.embed.embedder import Embedder
from askcorpus.eval.run import load_questions
from askcorpus.indexer.update import update_index
from askcorpus.search import absence, calibration
from askcorpus.search.index import CANDIDATES, Index
from askcorpus.settings import Settings
from askcorpus.store.factory import open_index
from askcorpus.text.query import clean_question

ROOT = Path(__file__).resolve().parents[1]


def _calibrate_seconds(folder: Path, settings: Settings, embedder: Embedder) -> tuple[float, int]:
    store = open_index(folder)
    try:
        t0 = time.perf_counter()
        fitted = calibration.calibrate(store, settings, embedder)
        return time.perf_counter() - t0, int(fitted.get("probes", 0))
    finally:
        store.close()


def _module_before(src: Path) -> ModuleType:
    """``askcorpus.search.absence`` of the tree at ``src``, with that tree's model."""
    spec = importlib.util.spec_from_file_location(
        "absence_before", src / "askcorpus" / "search" / "absence.py"
    )
    if spec is None or spec.loader is None:
        raise SystemExit(f"no absence module under {src}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    text = (src / "askcorpus" / "search" / "absence_model.json").read_text("utf-8")
    model = module.Model.from_json(text)
    module.default_model = lambda: model
    return module


def _time_assess(folder: Path, before: Path | None, runs: int, embedder: Embedder) -> None:
    """Per-question ``assess`` medians on ``folder``, this tree's and ``before``'s."""
    modules: dict[str, ModuleType] = {"after": absence}
    if before is not None:
        modules = {"before": _module_before(before), "after": absence}
    index = Index.open(folder, Settings(), embedder)
    try:
        questions = [
            q.question for f in sorted((ROOT / "eval").glob("*.jsonl")) for q in load_questions(f)
        ]
        asked = []
        for question in questions:
            text, _note = clean_question(question)
            fused, vec = index.retrieve(text, CANDIDATES)
            if vec is not None:
                asked.append((text, fused, vec))
        seconds: dict[str, list[list[float]]] = {k: [[] for _ in asked] for k in modules}
        # Not encode_query: the embedder keeps recent questions' vectors, so the tree timed
        # second would find the ablated question the first one encoded (measured: "after"
        # 0.31x "before" for identical code). In use the ablated question is new, so both
        # trees pay its encoding, as here.
        embedder = index.embedder

        def encode(text: str) -> np.ndarray:
            return embedder.encode_passages([text])[0]

        for _ in range(runs):
            for i, (text, fused, vec) in enumerate(asked):
                for name, module in modules.items():
                    t0 = time.perf_counter()
                    module.assess(index.store, text, fused, vec, encode)
                    seconds[name][i].append(time.perf_counter() - t0)
    finally:
        index.close()
    medians = {k: np.array([statistics.median(s) for s in v]) * 1000 for k, v in seconds.items()}
    for name, ms in medians.items():
        print(
            f"{folder} assess {name}: p50 {np.median(ms):.2f} ms, p90 {np.percentile(ms, 90):.2f} ms"
            f" ({len(ms)} questions, median of {runs} runs each)"
        )
    if "before" in medians:
        ratio = np.median(medians["after"]) / np.median(medians["before"])
        print(f"{folder} assess after / before (p50): {ratio:.2f}")


def main() -> None:
    """Print the medians (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--index", type=Path, action="append", default=[])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--assess", type=Path, help="time absence.assess on this index instead")
    ap.add_argument("--before", type=Path, help="src folder of the tree to compare with")
    args = ap.parse_args()
    embedder = Embedder(Settings())
    embedder.load()
    if args.assess is not None:
        _time_assess(args.assess, args.before, args.runs, embedder)
        return
    index_s, cal_s, probes = [], [], 0
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(corpus_dir=args.corpus, index_dir=Path(tmp) / "index")
            t0 = time.perf_counter()
            update_index(settings, embedder)
            index_s.append(time.perf_counter() - t0)
            seconds, probes = _calibrate_seconds(settings.index_dir, settings, embedder)
            cal_s.append(seconds)
    i, c = statistics.median(index_s), statistics.median(cal_s)
    print(
        f"{args.corpus}: index {i:.2f} s, calibration {c:.2f} s ({probes} probes), ratio {c / i:.2f}"
    )
    for folder in args.index:
        seconds, probes = _calibrate_seconds(folder, Settings(), embedder)
        print(f"{folder}: calibration {seconds:.2f} s ({probes} probes)")


if __name__ == "__main__":
    main()
