"""A sentence reader for "not in this corpus", trained on public data: measured, not adopted.

    python -m bench.absence_reader train --out DIR          # ~45 min on one core
    python -m bench.absence_reader cases --shipped INDEX --out CASES.json
    python -m bench.absence_reader report --model DIR --cases CASES.json [--held-out]

Every feature of the absence model reads words or one cosine, and none sees a *relation* the
passages lack ("What did Karaganov say about Taiwan?" when each name is in the articles, never
together in one statement): held-out set 4's 21 relation questions are flagged by none. A
reader would. No PyPI package ships one that loads offline, so this trains one from what we
have: all-MiniLM-L6-v2's weights fine-tuned as a cross-encoder (question, sentence) → "this
sentence speaks to it", on SciFact *train* claims (its queries file carries each claim's
rationale sentences): the rationale sentences are positives, the other sentences of the same
abstract (same topic, same words, another statement) and three sentences of each of the four
on-topic abstracts TF-IDF ranks highest but the judges did not mark are negatives. Two epochs,
one tenth of the claims held back for validation.

``cases`` asks the development and held-out question sets of bench/absence.py of the shipped
corpus and keeps, for each, the shipped calibration's probability and the sentences of its
three best passages; ``report`` scores them with the reader (its best sentence's logit) and
chooses, on the development sets only, a weight w for ``logit(p) + w · reader`` and the
threshold keeping >= 0.97 of the answerable ones, as the shipped threshold was chosen. The
held-out sets are read only with ``--held-out``. docs/quality.md ("Not in this corpus",
session 15) holds the figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from askcorpus.embed.embedder import Embedder
from askcorpus.eval.run import load_questions
from askcorpus.search import absence
from askcorpus.search.index import CANDIDATES, Index
from askcorpus.settings import Settings
from askcorpus.text.query import clean_question
from askcorpus.text.sentences import sentence_spans
from bench.absence import DEV, HELD_OUT, ROOT
from bench.absence_data import BENCHMARKS
from bench.absence_languages import auc

SCIFACT = BENCHMARKS / "scifact"
EPOCHS, BATCH, MAX_TOKENS, LEARNING_RATE, POSITIVE_WEIGHT = 2, 32, 128, 4e-5, 4.0
# Sentences of this many best passages are read (as the absence model reads three).
PASSAGES = 3
Row = tuple[str, str, str, int]  # claim id, claim, sentence, label


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def training_rows() -> list[Row]:
    """(claim id, claim, sentence, label) for every SciFact train claim with rationales."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

    with gzip.open(SCIFACT / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
        docs = {d["_id"]: d for d in map(json.loads, fh)}
    ids = list(docs)
    lines = (SCIFACT / "qrels" / "train.tsv").read_text().splitlines()[1:]
    train = {line.split("\t")[0] for line in lines}
    with open(SCIFACT / "queries.jsonl", encoding="utf-8") as fh:
        claims = [q for q in map(json.loads, fh) if q["_id"] in train and q["metadata"]]
    tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    matrix = tfidf.fit_transform([docs[i]["title"] + " " + docs[i]["text"] for i in ids])
    rng = random.Random(0)
    rows: list[Row] = []
    for claim in claims:
        judged = set(claim["metadata"])
        for doc_id, evidence in claim["metadata"].items():
            if doc_id not in docs:
                continue
            sentences = _sentences(docs[doc_id]["text"])
            rationale = {i for e in evidence for i in e["sentences"]}
            rows.extend(
                (claim["_id"], claim["text"], s, int(i in rationale))
                for i, s in enumerate(sentences)
            )
        sims = (matrix @ tfidf.transform([claim["text"]]).T).toarray().ravel()
        near = [ids[j] for j in np.argsort(-sims)[:8] if ids[j] not in judged][:4]
        for doc_id in near:
            sentences = _sentences(docs[doc_id]["text"])
            rows.extend(
                (claim["_id"], claim["text"], s, 0)
                for s in rng.sample(sentences, min(3, len(sentences)))
            )
    return rows


def train(out: Path) -> None:
    """Fine-tune the reader and save it (with its tokenizer) in ``out``."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from askcorpus.embed.embedder import bundled_model_path

    torch.manual_seed(0)
    rows = training_rows()
    claims = sorted({r[0] for r in rows})
    random.Random(0).shuffle(claims)
    held = set(claims[: len(claims) // 10])
    fit_rows = [r for r in rows if r[0] not in held]
    val_rows = [r for r in rows if r[0] in held]
    path = str(bundled_model_path())
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1)
    opt = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    steps = EPOCHS * (len(fit_rows) // BATCH)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, s / 50) * max(0.0, 1 - s / steps)
    )
    loss_of = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(POSITIVE_WEIGHT))
    started = time.perf_counter()
    for epoch in range(EPOCHS):
        random.Random(epoch).shuffle(fit_rows)
        model.train()
        for i in range(0, len(fit_rows) - BATCH + 1, BATCH):
            batch = fit_rows[i : i + BATCH]
            enc = tok(
                [r[1] for r in batch],
                [r[2] for r in batch],
                truncation=True,
                max_length=MAX_TOKENS,
                padding=True,
                return_tensors="pt",
            )
            labels = torch.tensor([float(r[3]) for r in batch])
            loss = loss_of(model(**enc).logits.ravel(), labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
        logits = _logits(model, tok, [(r[1], r[2]) for r in val_rows])
        labels_np = np.array([r[3] for r in val_rows], dtype=bool)
        print(
            f"epoch {epoch}: validation AUC {auc(logits, labels_np):.3f} "
            f"({len(val_rows)} pairs, {time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    model.save_pretrained(out)
    tok.save_pretrained(out)


def _logits(model: Any, tok: Any, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """The reader's logit for each (question, sentence) pair."""
    import torch

    model.eval()
    out: list[float] = []
    with torch.no_grad():
        for i in range(0, len(pairs), 64):
            chunk = pairs[i : i + 64]
            enc = tok(
                [a for a, _b in chunk],
                [b for _a, b in chunk],
                truncation=True,
                max_length=MAX_TOKENS,
                padding=True,
                return_tensors="pt",
            )
            out.extend(model(**enc).logits.ravel().tolist())
    return np.asarray(out)


def cases(shipped: Path, out: Path) -> None:
    """Each development and held-out question: its set, label, the shipped probability and the
    sentences of its best passages, written to ``out`` (JSON)."""
    settings = Settings()
    embedder = Embedder(settings)
    index = Index.open(shipped, settings, embedder)
    model = absence.default_model()
    rows = []
    passages = index.stats().passages
    try:
        for name in DEV + HELD_OUT:
            for q in load_questions(ROOT / "eval" / f"{name}.jsonl"):
                text, _note = clean_question(q.question)
                fused, vec = index.retrieve(text, CANDIDATES)
                if vec is None:
                    raise SystemExit("the shipped index has no vectors")
                ev = absence.gather(index.store, text, fused, passages, vec, embedder.encode_query)
                found = index.store.passages([f.id for f in fused[:PASSAGES]])
                sentences = [
                    s
                    for f in fused[:PASSAGES]
                    if f.id in found
                    for s in _sentences(found[f.id].text)
                ]
                rows.append(
                    {
                        "set": name,
                        "question": q.question,
                        "answerable": q.answerable,
                        "p": model.probability(ev),
                        "sentences": sentences,
                    }
                )
    finally:
        index.close()
    out.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


def _verdict(z: np.ndarray, y: np.ndarray, threshold: float) -> tuple[float, float]:
    said = 1 / (1 + np.exp(-z)) >= threshold
    return float(said[y].mean()), float((~said[~y]).mean())


def report(model_dir: Path, cases_file: Path, held_out: bool) -> None:
    """Score the cases with the reader, choose w and the threshold on the development sets,
    and print both (and the held-out sets' figures with ``held_out``)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(model_dir))
    reader = AutoModelForSequenceClassification.from_pretrained(str(model_dir))
    rows = json.loads(cases_file.read_text(encoding="utf-8"))
    # questions.jsonl also holds 16 off-topic questions: not what this is for (bench/absence.py).
    rows = [r for r in rows if r["answerable"] or r["set"] != "questions"]
    for r in rows:
        scores = _logits(reader, tok, [(r["question"], s) for s in r["sentences"]])
        r["reader"] = float(scores.max()) if len(scores) else -10.0

    def split(held: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        part = [r for r in rows if (r["set"] in HELD_OUT) == held]
        p = np.clip([r["p"] for r in part], 1e-6, 1 - 1e-6)
        y = np.array([r["answerable"] for r in part], dtype=bool)
        return y, np.log(p / (1 - p)), np.array([r["reader"] for r in part])

    y, z, reader_score = split(False)
    print(
        f"development ({len(y)} on topic): AUC calibrated {auc(z, y):.3f}, reader {auc(reader_score, y):.3f}"
    )
    best: tuple[float, float, float] | None = None
    for w in (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0):
        combined = z + w * reader_score
        feasible = [t for t in np.arange(0.01, 1.0, 0.01) if _verdict(combined, y, t)[0] >= 0.97]
        if not feasible:
            print(f"  w {w}: no threshold keeps 0.97 of the answerable")
            continue
        t = max(feasible)
        kept, flagged = _verdict(combined, y, t)
        print(
            f"  w {w}: threshold {t:.2f}, kept {kept:.3f}, flagged {flagged:.3f}, balanced {(kept + flagged) / 2:.3f}"
        )
        if best is None or (kept + flagged) / 2 > best[0] + 1e-9:
            best = ((kept + flagged) / 2, w, t)
    if best is None:
        return
    _b, w, t = best
    print(f"chosen on the development sets: w {w}, threshold {t:.2f}")
    if held_out:
        y, z, reader_score = split(True)
        print(
            f"held out ({len(y)}): AUC calibrated {auc(z, y):.3f}, reader {auc(reader_score, y):.3f}"
        )
        for label, (ww, tt) in (("shipped", (0.0, absence.THRESHOLD)), ("chosen", (w, t))):
            kept, flagged = _verdict(z + ww * reader_score, y, tt)
            print(
                f"  {label}: kept {kept:.3f}, flagged {flagged:.3f}, balanced {(kept + flagged) / 2:.3f}"
            )


def main() -> None:
    """The command line (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("train", "cases", "report"))
    ap.add_argument("--out", type=Path)
    ap.add_argument("--shipped", type=Path, default=Path("bench/out/absence/shipped"))
    ap.add_argument("--model", type=Path)
    ap.add_argument("--cases", type=Path)
    ap.add_argument("--held-out", action="store_true")
    args = ap.parse_args()
    if args.step == "train" and args.out:
        train(args.out)
    elif args.step == "cases" and args.out:
        cases(args.shipped, args.out)
    elif args.step == "report" and args.model and args.cases:
        report(args.model, args.cases, args.held_out)
    else:
        ap.error("train needs --out, cases --out, report --model and --cases")


if __name__ == "__main__":
    main()
