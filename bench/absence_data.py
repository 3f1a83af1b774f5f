"""Public data for calibrating and checking "not in this corpus" (bench/absence.py).

Two small BEIR-format sub-corpora, indexed like a user's folder:

* ``scifact-sub``: the abstracts that answer half of SciFact's claims (chosen by a hash of the
  claim id, train and test alike) plus 300 other abstracts. The other half of the claims have
  none of their answering abstracts in it, so they are real, on-topic questions the corpus
  cannot answer. Train claims calibrate; test claims are only reported.
* ``arguana-sub``: 500 ArguAna arguments, for probes made from its own sentences.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"


@dataclass(frozen=True, slots=True)
class Claim:
    """A SciFact claim asked of the sub-corpus: answerable when an answering abstract is in."""

    text: str
    split: str
    answerable: bool


def _half(qid: str) -> bool:
    return hashlib.sha256(qid.encode()).digest()[0] % 2 == 0


def _qrels(folder: Path, split: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for n, line in enumerate((folder / "qrels" / f"{split}.tsv").read_text().splitlines()):
        parts = line.split("\t")
        if n == 0 or len(parts) < 3:
            continue
        out.setdefault(parts[0], set()).add(parts[1])
    return out


def _corpus(folder: Path) -> dict[str, dict]:
    with gzip.open(folder / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        return {str(r["_id"]): r for r in map(json.loads, fh)}


def _write(folder: Path, records: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def make_subsets(out: Path) -> dict[str, list[Claim]]:
    """Write the two sub-corpora under ``out`` (idempotent) and return the SciFact claims."""
    folder = BENCHMARKS / "scifact"
    corpus = _corpus(folder)
    queries = {
        str(r["_id"]): r["text"]
        for r in map(json.loads, (folder / "queries.jsonl").read_text().splitlines())
    }
    qrels = {s: _qrels(folder, s) for s in ("train", "test")}
    keep: set[str] = set()
    for split in qrels:
        for qid, docs in qrels[split].items():
            if _half(qid):
                keep |= docs
    removed = {d for split in qrels for q, ds in qrels[split].items() if not _half(q) for d in ds}
    rng = random.Random(7)
    others = sorted(set(corpus) - keep - removed)
    keep |= set(rng.sample(others, 300))
    claims: dict[str, list[Claim]] = {}
    for split in qrels:
        claims[split] = [
            Claim(queries[q], split, bool(docs & keep)) for q, docs in sorted(qrels[split].items())
        ]
    _write(out / "scifact-sub", [corpus[d] for d in sorted(keep)])
    arguana = _corpus(BENCHMARKS / "arguana")
    picked = random.Random(11).sample(sorted(arguana), 500)
    _write(out / "arguana-sub", [arguana[d] for d in sorted(picked)])
    return claims
