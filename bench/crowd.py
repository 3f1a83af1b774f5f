"""Ranking in a crowd: our questions on the five shipped articles alone vs hidden in a benchmark.

    python -m bench.crowd --beir-index DIR --shipped DIR --out DIR [--questions FILE ...]

``--beir-index`` is a cached ``askcorpus eval --beir`` index (ArguAna's 8,674 arguments, or
SciFact's abstracts); it is copied to ``--out`` once and the five articles are added to the
copy through the store's writer, chunked and embedded exactly as ``askcorpus index`` does (the
documents are read back from the ``--shipped`` index, so their text is the indexed text). The
labelled questions are then scored (hit@1, hit@5, MRR@10 over merged hits, as ``askcorpus
eval``) on the articles alone and in the crowd, side by side.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from askcorpus.embed.embedder import Embedder
from askcorpus.eval.run import evaluate_questions, format_table, load_questions
from askcorpus.search.index import Index
from askcorpus.settings import Settings
from askcorpus.store.factory import locate
from askcorpus.text.chunking import chunk_document

ROOT = Path(__file__).resolve().parents[1]


def build_crowd(
    beir_index: Path, shipped: Path, out: Path, settings: Settings, embedder: Embedder
) -> None:
    """Copy ``beir_index`` to ``out`` and add the documents of ``shipped`` (once)."""
    if (out / "crowd-done").exists():
        return
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(
        beir_index, out, ignore=shutil.ignore_patterns("writer.lock", "beir-source.json")
    )
    source = locate(shipped).open()
    try:
        docs = [source.document(s) for s in sorted(source.document_states())]
    finally:
        source.close()
    location = locate(out)
    with location.lock() as lock:
        store = location.open()
        try:
            with store.writer(lock) as writer:
                for doc in docs:
                    if doc is None:  # removed from the shipped index meanwhile
                        continue
                    passages = chunk_document(doc, settings.chunking)
                    vectors = embedder.encode_passages([p.search_text for p in passages])
                    writer.add_document(doc, passages, vectors)
                writer.commit()
        finally:
            store.close()
    (out / "crowd-done").write_text("ok\n")


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
    build_crowd(args.beir_index, args.shipped, args.out, settings, embedder)
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
