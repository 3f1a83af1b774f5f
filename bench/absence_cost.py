"""What the index-time absence calibration costs (askcorpus.search.calibration), side by side
with the indexing it follows.

    python -m bench.absence_cost [--corpus corpus] [--index EXISTING_INDEX ...] [--runs 3]

For ``--corpus`` (default: the shipped corpus) the folder is indexed from scratch into a
temporary folder ``--runs`` times, and the calibration is timed on the result as many times:
medians and their ratio. For each ``--index`` (a large index, e.g. SciFact's, never written
to) only the calibration is timed, since re-indexing it would take minutes.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from askcorpus.embed.embedder import Embedder
from askcorpus.indexer.update import update_index
from askcorpus.search import calibration
from askcorpus.settings import Settings
from askcorpus.store.factory import open_index

ROOT = Path(__file__).resolve().parents[1]


def _calibrate_seconds(folder: Path, settings: Settings, embedder: Embedder) -> tuple[float, int]:
    store = open_index(folder)
    try:
        t0 = time.perf_counter()
        fitted = calibration.calibrate(store, settings, embedder)
        return time.perf_counter() - t0, int(fitted.get("probes", 0))
    finally:
        store.close()


def main() -> None:
    """Print the medians (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--index", type=Path, action="append", default=[])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    embedder = Embedder(Settings())
    embedder.load()
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
