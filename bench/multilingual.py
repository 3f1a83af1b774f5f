"""Russian and Chinese documents, asked in Russian, Chinese and English, with each encoder.

    python -m bench.multilingual --work DIR [--modes hybrid,dense]

``eval/multilingual/`` holds 12 short Russian documents and 12 Chinese ones on the same twelve
facts of Russian–Chinese relations (written for this check, not translations of each other),
and one question per fact in each language (``questions-{ru,zh,en}.jsonl``; a question is
answered by either language's document on its fact). Three corpora are indexed with each
encoder — the Russian documents alone, the Chinese alone, both together — and every question
set is asked of each: hit@1 and MRR@10 as ``askcorpus eval`` scores them. So the table shows
one language asked of its own documents, and across languages (an English question of Russian
passages), for the bundled English model and the multilingual one.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
from pathlib import Path

from askcorpus.embed.embedder import Embedder
from askcorpus.eval.run import evaluate_questions, load_questions
from askcorpus.indexer.update import update_index
from askcorpus.search.index import Index
from askcorpus.settings import MULTILINGUAL, Settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "eval" / "multilingual"
CORPORA = {"ru": "ru-", "zh": "zh-", "ru+zh": ""}
ENCODERS = ("auto", MULTILINGUAL)


def corpus(work: Path, name: str) -> Path:
    """A folder holding the documents of corpus ``name`` (copied once)."""
    folder = work / "corpus" / name.replace("+", "-")
    if not folder.exists():
        folder.mkdir(parents=True)
        for f in sorted((DATA / "corpus").iterdir()):
            if f.name.startswith(CORPORA[name]):
                shutil.copy2(f, folder / f.name)
    return folder


def main() -> None:
    """The command line (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--modes", default="hybrid,dense")
    args = ap.parse_args()
    base = Settings.from_env()
    sets = {lang: load_questions(DATA / f"questions-{lang}.jsonl") for lang in ("ru", "zh", "en")}
    print("encoder\tcorpus\tquestions\tmode\thit@1\tmrr@10")
    for encoder in ENCODERS:
        for name in CORPORA:
            folder = corpus(args.work, name)
            tag = "minilm" if encoder == "auto" else "e5"
            settings = dataclasses.replace(
                base,
                corpus_dir=folder,
                index_dir=args.work / "index" / f"{tag}-{name.replace('+', '-')}",
                encoder=encoder,  # type: ignore[arg-type]
            )
            embedder = Embedder(settings)
            update_index(settings, embedder)
            index = Index.open(settings.index_dir, settings, embedder)
            try:
                for lang, questions in sets.items():
                    for mode in args.modes.split(","):
                        row = evaluate_questions(index, questions, mode, lang)
                        m = row.metrics
                        print(
                            f"{tag}\t{name}\t{lang}\t{mode}\t{m['hit@1']:.3f}\t{m['mrr@10']:.3f}",
                            flush=True,
                        )
            finally:
                index.close()


if __name__ == "__main__":
    main()
