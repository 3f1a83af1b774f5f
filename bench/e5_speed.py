"""The multilingual encoder's speed beside the default one's, interleaved in one run.

    python -m bench.e5_speed [--rounds 5] [--questions 60]

Both encode the shipped corpus's passages (``corpus/``, cut as ``askcorpus index`` cuts them,
through ``Embedder.encode_passages``) and one question at a time (SciFact test claims, each
asked once per round so the embedders' question caches never answer), alternating encoder
round by round; medians over the rounds. Then a whole search (``Index.search``, k=5, as the
window asks) of each of our answerable questions on an index of the shipped corpus made by each
encoder (built under ``--work``), the two indexes alternating question by question; every
question is asked once per index, so no cache answers. The machine's other load moves both
alike.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from pathlib import Path

from askcorpus.embed.embedder import Embedder
from askcorpus.eval.beir import load_set
from askcorpus.eval.run import load_questions
from askcorpus.indexer.update import update_index
from askcorpus.ingest.documents import iter_documents
from askcorpus.records import Document
from askcorpus.search.index import Index
from askcorpus.settings import MULTILINGUAL, Settings
from askcorpus.text.chunking import chunk_document
from askcorpus.text.query import clean_question

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """The command line (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--questions", type=int, default=60)
    ap.add_argument("--work", type=Path, required=True, help="where the two indexes are built")
    args = ap.parse_args()
    base = Settings.from_env()
    docs = [
        d for d in iter_documents(ROOT / "corpus", base.max_file_bytes) if isinstance(d, Document)
    ]
    texts = [p.search_text for doc in docs for p in chunk_document(doc, base.chunking)]
    claims = list(load_set(ROOT.parent / "shared" / "benchmarks" / "scifact").queries.values())
    claims = [clean_question(c)[0] for c in claims]
    embedders = {"minilm": Embedder(base), "e5": Embedder(Settings(encoder=MULTILINGUAL))}
    for e in embedders.values():
        e.load()
        e.encode_passages(texts[:2])
    passages: dict[str, list[float]] = {k: [] for k in embedders}
    questions: dict[str, list[float]] = {k: [] for k in embedders}
    n = args.questions
    for r in range(args.rounds):
        for name, e in embedders.items():
            t0 = time.perf_counter()
            e.encode_passages(texts)
            passages[name].append(len(texts) / (time.perf_counter() - t0))
            for claim in claims[r * n : (r + 1) * n]:  # never the same question twice
                t0 = time.perf_counter()
                e.encode_query(claim)
                questions[name].append((time.perf_counter() - t0) * 1000)
    print(f"{len(texts)} passages of the shipped corpus, {args.rounds} rounds, {n} questions each")
    print("encoder\tpassages/s (median)\tquestion ms p50\tquestion ms p95")
    for name in embedders:
        q = sorted(questions[name])
        p95 = q[int(0.95 * (len(q) - 1))]
        med = statistics.median(passages[name])
        print(f"{name}\t{med:.1f}\t{statistics.median(q):.1f}\t{p95:.1f}")
    ratio = statistics.median(passages["minilm"]) / statistics.median(passages["e5"])
    print(f"indexing: the default encoder is {ratio:.1f}x faster")
    searches(args.work, base, embedders)


def searches(work: Path, base: Settings, embedders: dict[str, Embedder]) -> None:
    """Whole searches of our questions on a shipped-corpus index of each encoder."""
    indexes = {}
    for name, embedder in embedders.items():
        settings = dataclasses.replace(
            base,
            corpus_dir=ROOT / "corpus",
            index_dir=work / name,
            encoder=embedder.settings.encoder,
        )
        update_index(settings, embedder)
        indexes[name] = Index.open(settings.index_dir, settings, embedder)
    asked = [
        q.question
        for f in sorted((ROOT / "eval").glob("questions*.jsonl"))
        for q in load_questions(f)
        if q.answerable
    ]
    took: dict[str, list[float]] = {k: [] for k in indexes}
    for question in asked:
        for name, index in indexes.items():
            t0 = time.perf_counter()
            index.search(question, 5)
            took[name].append((time.perf_counter() - t0) * 1000)
    print(f"Index.search of {len(asked)} questions, k=5, shipped corpus")
    for name, ms in took.items():
        q = sorted(ms)
        print(
            f"{name}\tp50 {statistics.median(q):.1f} ms\tp95 {q[int(0.95 * (len(q) - 1))]:.1f} ms"
        )
    for index in indexes.values():
        index.close()


if __name__ == "__main__":
    main()
