"""Calibrate and measure "not in this corpus" (askcorpus.search.absence).

    python -m bench.absence background          # rebuild search/background.txt
    python -m bench.absence fit                 # fit search/absence_model.json on public data
    python -m bench.absence report              # dev and held-out tables (docs/quality.md)
    python -m bench.absence report --dev        # the development sets only
    python -m bench.absence fit --encoder multilingual-e5-small   # the multilingual encoder's
    python -m bench.absence report --encoder multilingual-e5-small --shipped E5_INDEX

``fit`` uses only public data: probes made from the sentences of two small sub-corpora of
SciFact and ArguAna (bench/absence_data.py) — answerable ones that keep a sentence's key term,
unanswerable ones with it swapped for a name, number or word the corpus lacks — plus SciFact
*train* claims whose answering abstracts are or are not in the sub-corpus, and the other
benchmark's questions as off-topic ones. ``report`` measures on what the fit never saw: our
held-out questions on the shipped corpus and SciFact *test* claims. Sub-corpus indexes are
built once under ``--work`` (default bench/out/absence/sub, ``sub-<encoder>`` for another
encoder) and reused. ``--encoder`` fits and reports the calibration of another encoder's
indexes (its own file, ``absence_model.DEFAULT_FILES``), on the same rows.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from askcorpus.embed.embedder import Embedder
from askcorpus.eval.beir import build_index
from askcorpus.eval.run import load_questions
from askcorpus.search import absence, calibration
from askcorpus.search.absence_model import DEFAULT_FILES
from askcorpus.search.index import CANDIDATES, Index
from askcorpus.settings import ENCODER_CHOICES, MODEL_NAME, MULTILINGUAL, Settings
from askcorpus.text.query import clean_question, keyword_query
from askcorpus.text.sentences import sentence_spans
from askcorpus.text.spelling import fold
from bench.absence_data import BENCHMARKS, make_subsets

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "askcorpus" / "search"
TEMPLATES = ("What about {}?", "What is said about {}?", "Which {}?", "How {}?", "When {}?")
# Development sets (looked at while designing the features and choosing the threshold) and
# held-out ones (reported). Each session's held-out sets were reported at its end and joined
# the development data in the next: the session-5 ones (questions-more, unanswerable-heldout)
# in session 6, session 6's (heldout2) in session 8, session 8's (heldout3) in session 9,
# whose held-out sets (heldout4) were written before any change of that session
# (eval/README.md).
DEV = (
    "questions",
    "unanswerable",
    "questions-more",
    "unanswerable-heldout",
    "questions-heldout2",
    "unanswerable-heldout2",
    "questions-heldout3",
    "unanswerable-heldout3",
)
HELD_OUT = ("questions-heldout4", "unanswerable-heldout4")
# L2 penalty of the default fit (standardised features, classes weighted to one each): chosen
# on the development sets among 1-300 (docs/quality.md); the public rows alone are fitted.
L2 = 30.0
PLAIN = re.compile(r"\w+")


def build_background() -> None:
    """Document frequency of each word (lower case, one spelling) in SciFact + ArguAna,
    words of 8+ documents."""
    df: Counter[str] = Counter()
    n = 0
    for name in ("scifact", "arguana"):
        with gzip.open(BENCHMARKS / name / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
            for record in map(json.loads, fh):
                n += 1
                text = f"{record.get('title') or ''} {record['text']}"
                words = {fold(w) for w in PLAIN.findall(text.lower())}
                df.update(w for w in words if len(w) > 1 and not re.search(r"\d", w))
    rows = sorted(((k, v) for k, v in df.items() if v >= 8), key=lambda kv: (-kv[1], kv[0]))
    with open(PACKAGE / "background.txt", "w", encoding="utf-8") as fh:
        fh.write(
            "# document frequencies of words (lower case, askcorpus.text.spelling.fold) in the "
            f"{n} documents of BEIR SciFact + ArguAna; built by bench/absence.py background\n"
        )
        fh.write(f"{n}\n")
        fh.writelines(f"{k} {v}\n" for k, v in rows)
    build_names()


def build_names() -> None:
    """Names written with a capital inside sentences of SciFact + ArguAna, most frequent first:
    what an index-time probe swaps a corpus's name for (search/names.txt)."""
    names: Counter[str] = Counter()
    for name in ("scifact", "arguana"):
        with gzip.open(BENCHMARKS / name / "corpus.jsonl.gz", "rt", encoding="utf-8") as fh:
            for record in map(json.loads, fh):
                names.update(re.findall(r"(?<=[a-z,] )[A-Z][a-z]{3,}\b", record["text"]))
    with open(PACKAGE / "names.txt", "w", encoding="utf-8") as fh:
        fh.write(
            "# names (capitalised inside sentences) of BEIR SciFact + ArguAna, most frequent\n"
        )
        fh.write("# first; built by bench/absence.py background\n")
        fh.writelines(f"{w}\n" for w, _c in names.most_common(800))


def _absent(index: Index, word: str) -> bool:
    return not index.store.search_lexical(keyword_query(word), 1)


def probes(
    index: Index, rng: random.Random, n: int, names: list[str], words: list[str]
) -> list[tuple[str, bool]]:
    """``n`` answerable probes from the corpus's sentences and their swapped twins."""
    sources = sorted(index.store.document_states())
    out: list[tuple[str, bool]] = []
    tries = 0
    while len(out) < 2 * n and tries < 20 * n:
        tries += 1
        doc = index.store.document(rng.choice(sources))
        if doc is None:
            continue
        spans = [
            (a, b) for a, b in sentence_spans(doc.text) if 8 <= len(doc.text[a:b].split()) <= 45
        ]
        if not spans:
            continue
        a, b = rng.choice(spans)
        made = calibration.probe_words(doc.text[a:b], rng, words)
        if made is None:
            continue
        key, kept = made
        if re.search(r"\d", key):
            swap = str(rng.randint(10 ** (len(key) - 1) if len(key) > 1 else 1, 10 ** len(key) - 1))
        elif key[0].isupper():
            swap = rng.choice(names)
        else:
            swap = rng.choice(words[3000:])
        if swap.lower() == key.lower() or not _absent(index, swap):
            continue
        template = rng.choice(TEMPLATES)
        out.append((template.format(" ".join(kept)), True))
        out.append((template.format(" ".join(swap if w == key else w for w in kept)), False))
    return out


def evidence(index: Index, question: str) -> absence.Evidence:
    """The features of ``question`` asked of ``index`` (as a search computes them)."""
    text, _note = clean_question(question)
    fused, vec = index.retrieve(text, CANDIDATES)
    assert vec is not None
    encode = index.embedder.encode_query
    return absence.gather(index.store, text, fused, index.stats().passages, vec, encode)


def _names_and_words(folder: Path) -> tuple[list[str], list[str]]:
    """Capitalised words of a corpus (swap-in names) and background words, frequent first."""
    names: Counter[str] = Counter()
    with open(folder / "corpus.jsonl", encoding="utf-8") as fh:
        for record in map(json.loads, fh):
            names.update(re.findall(r"(?<=[a-z,] )[A-Z][a-z]{3,}", record["text"]))
    _docs, table = absence.background()
    return [w for w, _c in names.most_common(400)], sorted(table, key=lambda k: -table[k])


def training_set(work: Path, settings: Settings, embedder: Embedder) -> list[tuple[str, str, bool]]:
    """(index name, question, answerable) for the fit: public data only."""
    claims = make_subsets(work)
    for name in ("scifact-sub", "arguana-sub"):
        build_index(work / name, work / f"{name}-index", settings, embedder)
    rng = random.Random(3)
    sci_names, words = _names_and_words(work / "scifact-sub")
    arg_names, _w = _names_and_words(work / "arguana-sub")
    rows: list[tuple[str, str, bool]] = []
    for name, pool in (("scifact-sub", arg_names), ("arguana-sub", sci_names)):
        index = Index.open(work / f"{name}-index", settings, embedder)
        try:
            rows += [(name, q, a) for q, a in probes(index, rng, 300, pool, words)]
        finally:
            index.close()
    rows += [("scifact-sub", c.text, c.answerable) for c in claims["train"]]
    arg_queries = [json.loads(x)["text"] for x in (BENCHMARKS / "arguana" / "queries.jsonl").open()]
    rows += [("scifact-sub", q[:600], False) for q in rng.sample(arg_queries, 100)]
    rows += [("arguana-sub", c.text, False) for c in rng.sample(claims["train"], 100)]
    return rows


def each_index(
    rows: Sequence[tuple[str, str, bool]], work: Path, settings: Settings, embedder: Embedder
) -> Iterator[tuple[Index, str]]:
    """Each row's question with its index (a sub-corpus's under ``work``, else the row's
    folder), every index opened once and all closed at the end."""
    indexes: dict[str, Index] = {}
    try:
        for name, question, _a in rows:
            if name not in indexes:
                folder = work / f"{name}-index" if name.endswith("-sub") else Path(name)
                indexes[name] = Index.open(folder, settings, embedder)
            yield indexes[name], question
    finally:
        for index in indexes.values():
            index.close()


def features(
    rows: list[tuple[str, str, bool]], work: Path, settings: Settings, embedder: Embedder
) -> np.ndarray:
    """The evidence of every row, as a matrix."""
    out = [
        evidence(index, question).values
        for index, question in each_index(rows, work, settings, embedder)
    ]
    return np.asarray(out)


def reliability(
    p: np.ndarray, y: np.ndarray, edges: tuple[float, ...] = (0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0001)
) -> list[str]:
    """Markdown rows: predicted probability bin, questions, mean predicted, observed answered."""
    lines = ["| predicted | questions | mean predicted | observed answered |", "|---|---|---|---|"]
    for lo, hi in zip(edges, edges[1:], strict=False):
        m = (p >= lo) & (p < hi)
        if m.any():
            lines.append(
                f"| {lo:.1f}–{min(hi, 1):.1f} | {m.sum()} | {p[m].mean():.3f} | {y[m].mean():.3f} |"
            )
    return lines


def scores(p: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Answerable kept, unanswerable flagged, balanced accuracy at absence.THRESHOLD."""
    said = p >= absence.THRESHOLD
    kept = float(said[y == 1].mean()) if (y == 1).any() else float("nan")
    flagged = float((~said[y == 0]).mean()) if (y == 0).any() else float("nan")
    return {"kept": kept, "flagged": flagged, "balanced": (kept + flagged) / 2}


def main() -> None:
    """The command line (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("background", "fit", "report"))
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--shipped", type=Path, default=Path("bench/out/absence/shipped"))
    ap.add_argument("--dev", action="store_true", help="report only the development sets")
    ap.add_argument("--encoder", choices=ENCODER_CHOICES, default="auto")
    args = ap.parse_args()
    if args.step == "background":
        build_background()
        return
    settings = Settings(encoder=args.encoder)
    embedder = Embedder(settings)
    model_name = MULTILINGUAL if args.encoder == MULTILINGUAL else MODEL_NAME
    if args.work is None:
        suffix = "" if model_name == MODEL_NAME else f"-{model_name}"
        args.work = Path(f"bench/out/absence/sub{suffix}")
    if args.step == "fit":
        rows = training_set(args.work, settings, embedder)
        x = features(rows, args.work, settings, embedder)
        y = np.array([a for _n, _q, a in rows], dtype=float)
        np.save(args.work / "train-x.npy", x)
        np.save(args.work / "train-y.npy", y)
        model = absence.fit(x, y, l2=L2)
        (PACKAGE / DEFAULT_FILES[model_name]).write_text(model.to_json() + "\n", encoding="utf-8")
        p = np.array([model.probability(absence.Evidence(tuple(v), ())) for v in x])
        print("training", len(y), scores(p, y))
        print(dict(zip(absence.FEATURES, np.round(model.coef, 3), strict=True)))
        return
    report(args.work, args.shipped, settings, embedder, args.dev, model_name)


def calibrated_models(
    names: set[str], work: Path, settings: Settings, embedder: Embedder
) -> dict[str, absence.Model]:
    """Each index's own calibration, fitted now as ``askcorpus index`` fits it (the default
    model where its corpus is too small to probe)."""
    out = {}
    for name in sorted(names):
        folder = work / f"{name}-index" if name.endswith("-sub") else Path(name)
        index = Index.open(folder, settings, embedder)
        try:
            fitted = calibration.calibrate(index.store, settings, embedder)
        finally:
            index.close()
        fallback = absence.default_model_for(index.store.manifest.model) or absence.default_model()
        out[name] = absence.Model.from_mapping(fitted) or fallback
    return out


def report(
    work: Path,
    shipped: Path,
    settings: Settings,
    embedder: Embedder,
    dev: bool,
    model_name: str = MODEL_NAME,
) -> None:
    """Held-out tables: our questions on the shipped corpus, SciFact test claims on the
    sub-corpus; with the default calibration (of ``model_name``'s indexes) and with each
    corpus's own, side by side."""
    default = absence.default_model_for(model_name)
    if default is None:
        raise SystemExit(f"no default calibration for {model_name}: run `fit` first")
    sets: dict[str, list[tuple[str, str, bool]]] = {}
    names = DEV if dev else DEV + HELD_OUT
    for name in names:
        qs = load_questions(ROOT / "eval" / f"{name}.jsonl")
        sets[name] = [(str(shipped), q.question, q.answerable) for q in qs]
    claims = make_subsets(work)
    if not dev:
        sets["scifact-test"] = [("scifact-sub", c.text, c.answerable) for c in claims["test"]]
    own = calibrated_models(
        {r[0] for rows in sets.values() for r in rows}, work, settings, embedder
    )
    pooled: dict[str, list[np.ndarray]] = {"default": [], "own": [], "y": []}
    # The default calibration's probabilities and labels of our own question sets, for their
    # reliability tables: the held-out sets alone, and the on-topic development sets.
    ours: dict[str, list[np.ndarray]] = {"held-out": [], "held-out y": [], "dev": [], "dev y": []}
    print(
        "| set | questions | default: kept / flagged / balanced "
        "| per-corpus: kept / flagged / balanced |"
    )
    print("|---|---|---|---|")
    for name, rows in sets.items():
        x = features(rows, work, settings, embedder)
        y = np.array([a for _n, _q, a in rows], dtype=float)
        p = np.array([default.probability(absence.Evidence(tuple(v), ())) for v in x])
        q = np.array(
            [
                own[n].probability(absence.Evidence(tuple(v), ()))
                for (n, _q, _a), v in zip(rows, x, strict=True)
            ]
        )
        cells = []
        for probs in (p, q):
            s = scores(probs, y)
            cells.append(f"{s['kept']:.3f} / {s['flagged']:.3f} / {s['balanced']:.3f}")
        print(f"| {name} | {len(y)} | {cells[0]} | {cells[1]} |")
        if name in HELD_OUT:
            ours["held-out"].append(p)
            ours["held-out y"].append(y)
        elif name in DEV:
            on_topic = (y == 1) | (name != "questions")  # its 16 off-topic ones are not
            ours["dev"].append(p[on_topic])
            ours["dev y"].append(y[on_topic])
        if name in HELD_OUT or name == "scifact-test":
            pooled["default"].append(p)
            pooled["own"].append(q)
            pooled["y"].append(y)
        for (_n, text, a), pi, qi in zip(rows, p, q, strict=True):
            if (qi >= absence.THRESHOLD) != a:
                print(f"    miss p={pi:.2f} own={qi:.2f} answerable={a}: {text[:90]}")
    print()
    for label in ("held-out", "dev"):
        if ours[label]:
            p, y = np.concatenate(ours[label]), np.concatenate(ours[f"{label} y"])
            s = scores(p, y)
            print(
                f"our {label} sets pooled (on topic), default calibration: {len(y)} questions, "
                f"kept {s['kept']:.3f} flagged {s['flagged']:.3f} balanced {s['balanced']:.3f}"
            )
            print("\n".join(reliability(p, y)))
    if pooled["y"]:
        y = np.concatenate(pooled["y"])
        for label in ("default", "own"):
            print(f"reliability, {label} calibration, held-out sets pooled")
            print("\n".join(reliability(np.concatenate(pooled[label]), y)))


if __name__ == "__main__":
    main()
