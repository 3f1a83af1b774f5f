"""Evidence that might see a missing *relation* or detail (issue #17, session 9), measured
against the shipped absence model: does one sentence (or two neighbouring ones) of the best
passages hold the question's key terms together, and does that sentence hold the kind of
token the question asks for (a number for "how many", a year for "when", a name for "who")?

    python -m bench.absence_relation cache [--work W] [--shipped S] [--held-out]
    python -m bench.absence_relation cosines [--work W] [--shipped S] [--held-out]
    python -m bench.absence_relation measure [--types] [--mix]

``cache`` computes, once per question, the shipped features and the candidate ones for the
public training rows (bench/absence.py ``training_set``, plus answer-type probes made from
the sub-corpora's own sentences: :func:`type_probes`), the development sets on the shipped
corpus and the SciFact test claims on the sub-corpus; ``--held-out`` adds the held-out sets
(scored once, after the decision); ``cosines`` adds each question's cosine with its best
key-terms sentences, embedded as passages (a second pass). Rows are cached under
bench/out/absence/relation. ``measure`` (``--types``, ``--mix``: fit with the answer-type
or the relation probes too, :func:`type_probes`, :func:`mix_probes`) prints each candidate's AUC on the development
sets alone and among the questions the shipped model is unsure of (p 0.3-0.9), and the
development figures of the model refitted on public data with it (L2 10, 30, 100; the
threshold the highest in steps of 0.05 keeping >= 0.97 of the development answerable ones).
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from askcorpus.embed.embedder import Embedder
from askcorpus.eval.run import load_questions
from askcorpus.search import absence
from askcorpus.search.absence_evidence import passage_keys
from askcorpus.search.absence_terms import is_specific
from askcorpus.search.fusion import Fused
from askcorpus.search.highlight import text_words
from askcorpus.search.index import CANDIDATES, Index
from askcorpus.settings import Settings
from askcorpus.text.query import clean_question, keyword_query
from askcorpus.text.sentences import sentence_spans
from askcorpus.text.terms import term_key
from bench.absence import DEV, HELD_OUT, ROOT, TEMPLATES, each_index, training_set
from bench.absence_data import make_subsets
from bench.absence_sentences import EXTRA, sentence_evidence

CACHE = Path("bench/out/absence/relation")
KEEP = 0.97
COS = ("sent_cos1", "sent_cos3", "cos1_gain", "cos3_gain")
THRESHOLDS = tuple(round(0.05 * k, 2) for k in range(19, 1, -1))
_NUMBERISH = re.compile(r"\b\d[\d,.]*\b")


def _rows_of(work: Path, shipped: Path, held_out: bool) -> dict[str, list[tuple[str, str, bool]]]:
    settings = Settings()
    embedder = Embedder(settings)
    sets: dict[str, list[tuple[str, str, bool]]] = {
        "train": training_set(work, settings, embedder),
        "train-types": type_probes(work, settings, embedder),
        "train-mix": mix_probes(work, settings, embedder),
    }
    for name in DEV + (HELD_OUT if held_out else ()):
        qs = load_questions(ROOT / "eval" / f"{name}.jsonl")
        sets[name] = [(str(shipped), q.question, q.answerable) for q in qs]
    claims = make_subsets(work)
    sets["scifact-test"] = [("scifact-sub", c.text, c.answerable) for c in claims["test"]]
    return sets


def type_probes(work: Path, settings: Settings, embedder: Embedder) -> list[tuple[str, str, bool]]:
    """Answer-type probes from the sub-corpora's sentences: a sentence holding a number gives
    "How many <2-4 of its words>?" (answerable); a sentence of the same corpus holding no
    number gives the same form from its words (unanswerable, unless another passage holding
    those words has a number: then it is dropped). Years give "When ...?" the same way."""
    rng = random.Random(5)
    out: list[tuple[str, str, bool]] = []
    for name in ("scifact-sub", "arguana-sub"):
        index = Index.open(work / f"{name}-index", settings, embedder)
        try:
            sources = sorted(index.store.document_states())
            made = {"num": [0, 0], "year": [0, 0]}
            tries = 0
            while min(min(v) for v in made.values()) < 60 and tries < 6000:
                tries += 1
                doc = index.store.document(rng.choice(sources))
                if doc is None:
                    continue
                spans = [(a, b) for a, b in sentence_spans(doc.text) if 8 <= b - a <= 400]
                if not spans:
                    continue
                a, b = rng.choice(spans)
                sentence = doc.text[a:b]
                words = [
                    w
                    for w in re.findall(r"[A-Za-z][A-Za-z-]{4,}", sentence)
                    if absence.specificity(w) >= 0.3
                ]
                if len(words) < 3:
                    continue
                kept = rng.sample(words, min(len(words), rng.randint(2, 4)))
                has_year = re.search(r"\b(1[89]\d\d|20[0-2]\d)\b", sentence) is not None
                has_num = _NUMBERISH.search(sentence) is not None
                kind = rng.choice(("num", "year"))
                form = "How many {}?" if kind == "num" else "When {}?"
                present = has_num if kind == "num" else has_year
                if present:
                    if made[kind][0] >= 60:
                        continue
                    made[kind][0] += 1
                    out.append((name, form.format(" ".join(kept)), True))
                elif not has_num:
                    if made[kind][1] >= 60:
                        continue
                    # Unanswerable only if no passage holding these words has a number.
                    q = " ".join(kept)
                    hits = index.store.search_lexical(keyword_query(q), 20)
                    found = index.store.passages([h for h, _s in hits])
                    keys = {term_key(w.lower()) for w in kept}
                    if any(
                        keys <= passage_keys(t.title, t.text) and _NUMBERISH.search(t.text)
                        for t in found.values()
                    ):
                        continue
                    made[kind][1] += 1
                    out.append((name, form.format(q), False))
        finally:
            index.close()
    return out


def _specific_words(index: Index, sources: list[str], rng: random.Random) -> list[str]:
    """The distinct words of 5+ letters and specificity >= 0.3 of a random sentence."""
    doc = index.store.document(rng.choice(sources))
    if doc is None:
        return []
    spans = [(a, b) for a, b in sentence_spans(doc.text) if 40 <= b - a <= 400]
    if not spans:
        return []
    a, b = rng.choice(spans)
    words = re.findall(r"[A-Za-z][A-Za-z-]{4,}", doc.text[a:b])
    return list(dict.fromkeys(w for w in words if absence.specificity(w) >= 0.3))


def mix_probes(work: Path, settings: Settings, embedder: Embedder) -> list[tuple[str, str, bool]]:
    """Relation probes from the sub-corpora's sentences: four specific words of one sentence
    (answerable), and two of one sentence with two of another document's (unanswerable when no
    passage among the 20 best keyword matches holds all four): every word is in the corpus,
    but not together, as in a question asking for a relation the corpus lacks."""
    rng = random.Random(9)
    out: list[tuple[str, str, bool]] = []
    for name in ("scifact-sub", "arguana-sub"):
        index = Index.open(work / f"{name}-index", settings, embedder)
        try:
            sources = sorted(index.store.document_states())

            made = 0
            while made < 200:
                one, other = (
                    _specific_words(index, sources, rng),
                    _specific_words(index, sources, rng),
                )
                if len(one) < 4 or len(other) < 2:
                    continue
                mixed = rng.sample(one, 2) + rng.sample(other, 2)
                rng.shuffle(mixed)
                hits = index.store.search_lexical(keyword_query(" ".join(mixed)), 20)
                found = index.store.passages([h for h, _s in hits])
                keys = {term_key(w.lower()) for w in mixed}
                if any(keys <= passage_keys(t.title, t.text) for t in found.values()):
                    continue
                template = rng.choice(TEMPLATES)
                out.append((name, template.format(" ".join(rng.sample(one, 4))), True))
                out.append((name, template.format(" ".join(mixed)), False))
                made += 1
        finally:
            index.close()
    return out


def _best_passages(
    index: Index, question: str
) -> tuple[str, list[Fused], np.ndarray, list[str], list[tuple[str, str]]]:
    """The cleaned question, its fused candidates and vector, its counted terms and the
    (title, text) of the best passages the absence estimate reads."""
    text, _note = clean_question(question)
    fused, vec = index.retrieve(text, CANDIDATES)
    if vec is None:
        raise RuntimeError("the absence benchmarks need a dense index")
    terms = absence.count_terms(index.store, text).terms
    top = list(fused[: absence.DENSE_WINDOW])
    found = index.store.passages([f.id for f in top])
    return (
        text,
        list(fused),
        vec,
        list(terms),
        [(found[f.id].title, found[f.id].text) for f in top if f.id in found],
    )


def features(
    rows: Sequence[tuple[str, str, bool]], work: Path, settings: Settings, embedder: Embedder
) -> tuple[np.ndarray, np.ndarray]:
    """The shipped evidence and the candidate evidence of every row."""
    base, extra = [], []
    for index, question in each_index(rows, work, settings, embedder):
        text, fused, vec, terms, texts = _best_passages(index, question)
        ev = absence.gather(
            index.store, text, fused, index.stats().passages, vec, index.embedder.encode_query
        )
        base.append(ev.values)
        extra.append(sentence_evidence(terms, text, texts))
    return np.asarray(base), np.asarray(extra)


def best_sentences(
    terms: Sequence[str], question: str, passages: Sequence[tuple[str, str]], n: int = 3
) -> list[str]:
    """The ``n`` sentences of ``passages`` holding the largest weighted share of the
    question's key terms (as :func:`sentence_evidence` counts them), best first."""
    if not terms:
        return []
    weights = np.array([max(absence.specificity(t), 0.05) for t in terms])
    key = np.array(
        [
            is_specific(t, question) or absence.specificity(t) >= absence.KEY_SPECIFICITY
            for t in terms
        ]
    )
    kw = weights * key if key.any() else weights
    keys = [term_key(t) for t in terms]
    scored = []
    for rank, (_title, text) in enumerate(passages):
        words = text_words(text)
        for (a, b), ks in zip(words.spans, words.sentence_keys, strict=True):
            held = float(kw @ np.array([k in ks for k in keys], dtype=float))
            scored.append((-held, rank, text[a:b]))
    return [t for _h, _r, t in sorted(scored)[:n]]


def sentence_cosines(
    rows: Sequence[tuple[str, str, bool]], work: Path, settings: Settings, embedder: Embedder
) -> np.ndarray:
    """Per row: the best cosine of the question with its best key-terms sentences (1 and 3),
    each sentence embedded as a passage (what a store of sentence vectors would hold)."""
    out = []
    for index, question in each_index(rows, work, settings, embedder):
        text, _fused, vec, terms, texts = _best_passages(index, question)
        best = best_sentences(terms, text, texts)
        if not best:
            out.append((0.0, 0.0))
            continue
        cos = embedder.encode_passages(best) @ vec.ravel()
        out.append((float(cos[0]), float(cos.max())))
    return np.asarray(out)


def cache_cosines(work: Path, shipped: Path, held_out: bool) -> None:
    """Add the sentence cosines to every cached row set (a second pass over the rows)."""
    settings = Settings()
    embedder = Embedder(settings)
    for name, rows in _rows_of(work, shipped, held_out).items():
        path = CACHE / f"{name}-cos.npy"
        if not path.exists():
            np.save(path, sentence_cosines(rows, work, settings, embedder))
            print(name, "cosines", flush=True)


def cache(work: Path, shipped: Path, held_out: bool) -> None:
    """Compute and save every row's features (see the module docstring)."""
    settings = Settings()
    embedder = Embedder(settings)
    CACHE.mkdir(parents=True, exist_ok=True)
    for name, rows in _rows_of(work, shipped, held_out).items():
        path = CACHE / f"{name}.npz"
        if path.exists():
            continue
        b, e = features(rows, work, settings, embedder)
        y = np.array([a for _n, _q, a in rows], dtype=float)
        q = np.array([q for _n, q, _a in rows])
        np.savez(path, base=b, extra=e, y=y, q=q)
        print(name, len(y), flush=True)


def auc(score: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve of ``score`` for labels ``y`` (ties count half)."""
    pos, neg = score[y == 1], score[y == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    gt = (pos[:, None] > neg[None, :]).mean()
    eq = (pos[:, None] == neg[None, :]).mean()
    return float(gt + eq / 2)


def _load(name: str) -> dict[str, np.ndarray]:
    with np.load(CACHE / f"{name}.npz") as data:
        out = {k: data[k] for k in data.files}
    cos = CACHE / f"{name}-cos.npy"
    if cos.exists():
        c = np.load(cos)
        gain = c - out["base"][:, :1]  # the sentence's cosine over the best passage's
        out["extra"] = np.hstack([out["extra"], c, gain])
    return out


def _dev() -> dict[str, np.ndarray]:
    """The on-topic development rows pooled (questions.jsonl's off-topic ones left out)."""
    parts = []
    for name in DEV:
        d = _load(name)
        keep = (d["y"] == 1) | (name != "questions")
        parts.append({k: v[keep] for k, v in d.items()})
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _probs(model: absence.Model, x: np.ndarray) -> np.ndarray:
    return np.array([model.probability(absence.Evidence(tuple(v), ())) for v in x])


def _at(p: np.ndarray, y: np.ndarray, t: float) -> tuple[float, float, float]:
    kept = float(np.mean(p[y == 1] >= t))
    flagged = float(np.mean(p[y == 0] < t))
    return kept, flagged, (kept + flagged) / 2


def _choose(p: np.ndarray, y: np.ndarray) -> float:
    return max((t for t in THRESHOLDS if np.mean(p[y == 1] >= t) >= KEEP), default=0.1)


def measure(held_out: bool, extra_rows: Sequence[str]) -> None:
    """Print the tables of the module docstring (``extra_rows``: further probe sets to fit on,
    "train-types", "train-mix")."""
    train = _load("train")
    for more in extra_rows:
        tp = _load(more)
        train = {k: np.concatenate([train[k], tp[k]]) for k in ("base", "extra", "y")}
    dev, sci = _dev(), _load("scifact-test")
    shipped = absence.default_model()
    p0 = _probs(shipped, dev["base"])
    unsure = (p0 >= 0.3) & (p0 <= 0.9)
    t0 = _choose(p0, dev["y"])
    k, f, b = _at(p0, dev["y"], t0)
    print(
        f"dev {len(dev['y'])} on topic, unsure {unsure.sum()}; shipped AUC {auc(p0, dev['y']):.3f}"
    )
    print(f"shipped model: t={t0:.2f} dev kept {k:.3f} flagged {f:.3f} balanced {b:.3f}")
    print("| candidate | dev AUC | unsure AUC | train AUC |")
    print("|---|---|---|---|")
    names = [*EXTRA, *COS][: dev["extra"].shape[1]]
    for j, name in enumerate(names):
        print(
            f"| {name} | {auc(dev['extra'][:, j], dev['y']):.3f} "
            f"| {auc(dev['extra'][unsure, j], dev['y'][unsure]):.3f} "
            f"| {auc(train['extra'][:, j], train['y']):.3f} |"
        )
    print()
    print("| added | L2 | t | dev kept / flagged / balanced | SciFact test kept / flagged |")
    print("|---|---|---|---|---|")
    combos: list[tuple[str, list[int]]] = [("(none)", [])]
    combos += [(n, [j]) for j, n in enumerate(names)]
    combos += [("sent_key+type_missing", [EXTRA.index("sent_key"), EXTRA.index("type_missing")])]
    combos += [("win_key+type_missing", [EXTRA.index("win_key"), EXTRA.index("type_missing")])]
    for label, cols in combos:
        for l2 in (10.0, 30.0, 100.0):
            xt = np.hstack([train["base"], train["extra"][:, cols]])
            model = absence.fit(xt, train["y"], l2=l2)
            p = _probs(model, np.hstack([dev["base"], dev["extra"][:, cols]]))
            t = _choose(p, dev["y"])
            k, f, b = _at(p, dev["y"], t)
            ps = _probs(model, np.hstack([sci["base"], sci["extra"][:, cols]]))
            ks, fs, _b = _at(ps, sci["y"], t)
            print(
                f"| {label} | {l2:g} | {t:.2f} | {k:.3f} / {f:.3f} / {b:.3f} "
                f"| {ks:.3f} / {fs:.3f} |"
            )
    print()
    print("ceiling, not for shipping: fitted on the development rows themselves, leave-one-out")
    print("| added | dev kept / flagged / balanced at t=0.5 |")
    print("|---|---|")
    for label, cols in combos:
        x = np.hstack([dev["base"], dev["extra"][:, cols]])
        p = np.empty(len(x))
        for i in range(len(x)):
            rest = np.arange(len(x)) != i
            model = absence.fit(x[rest], dev["y"][rest], l2=30.0)
            p[i] = _probs(model, x[i : i + 1])[0]
        k, f, b = _at(p, dev["y"], 0.5)
        print(f"| {label} | {k:.3f} / {f:.3f} / {b:.3f} |")
    if held_out:
        print("held out: see bench.absence report")


def main() -> None:
    """The command line (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("cache", "cosines", "measure"))
    ap.add_argument("--work", type=Path, default=Path("bench/out/absence/sub"))
    ap.add_argument("--shipped", type=Path, default=Path("bench/out/absence/shipped"))
    ap.add_argument("--held-out", action="store_true")
    ap.add_argument("--types", action="store_true", help="fit with the answer-type probes too")
    ap.add_argument("--mix", action="store_true", help="fit with the relation probes too")
    args = ap.parse_args()
    if args.step == "cache":
        cache(args.work, args.shipped, args.held_out)
    elif args.step == "cosines":
        cache_cosines(args.work, args.shipped, args.held_out)
    else:
        more = [n for n, on in (("train-types", args.types), ("train-mix", args.mix)) if on]
        measure(args.held_out, more)


if __name__ == "__main__":
    main()
