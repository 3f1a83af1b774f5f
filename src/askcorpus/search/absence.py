"""Is the answer in this corpus? A calibrated probability, and which question terms are absent.

One cosine cannot tell a question *about the corpus's subject* whose answer is missing ("How
many Chinese tourists visited Russia in 2019?" asked of articles on Russian–Chinese politics)
from one it answers: the best passage shares the topic, so its cosine is high. What differs is
the question's *specific* content — its rare words, names, numbers — which the corpus lacks.
So the decision reads several pieces of evidence (:class:`Evidence`):

* how much of the question's content the best passages hold, each term weighted by how
  specific it is in general English (its document frequency in public text, ``background.txt``)
  or by its rarity in this corpus;
* which terms occur nowhere in the corpus (the explanation shown to the user), and whether one
  of them is a name or a number;
* the dense side: the best cosine and its margin over the run of the candidates;
* whether the keyword and dense sides agree on the first passage;
* whether one of the best passages holds the question's key terms (names, numbers, specific
  words) *together*: a question about an event the corpus lacks often finds each of its
  terms somewhere, but not in one place.

A small logistic model turns them into a probability (``absence_model.json``, fitted by
``bench/absence.py`` on public data only: probes made from SciFact and ArguAna sentences, and
SciFact claims whose answering abstracts are or are not in the corpus; docs/quality.md). An
index may carry its own fit in its manifest (:mod:`askcorpus.search.calibration`, opt-in);
:func:`model_for` picks it. :func:`caveats` says what an absence may hide in (unreadable
files, an interrupted build).
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from importlib import resources

import numpy as np

from askcorpus.records import KeywordQuery
from askcorpus.search.fusion import Fused
from askcorpus.search.highlight import text_words
from askcorpus.store.base import EXCLUDED_LABEL, Store
from askcorpus.text.query import keyword_query, query_terms
from askcorpus.text.spelling import fold
from askcorpus.text.terms import term_key, term_keys

# Passages read as "the best passages": enough to hold an answer split over neighbours.
TOP_PASSAGES = 3
# Candidates whose best cosine is the dense evidence (fixed, so the probability does not
# depend on how many hits the user asked for).
DENSE_WINDOW = 5
# Matches counted per term for its rarity in the corpus; a term this frequent is common here.
DF_CAP = 200
# A probability at or above this means "likely answered". Telling a user a real answer is
# missing costs more than missing an absence, so the operating point is the highest (in steps
# of 0.05) that keeps >= 0.97 of the answerable *development* questions (eval/questions.jsonl,
# questions-more.jsonl; bench/absence_sweep.py, docs/quality.md); held-out sets were only
# reported. For this model that is 0.5, where its class-balanced fit is calibrated.
THRESHOLD = 0.5
FEATURES = (
    "dense_top",
    "dense_margin",
    "cover_top",
    "cover_best",
    "cover_corpus_idf",
    "absent_share",
    "absent_max",
    "absent_specific",
    "agree",
    "ablation_gain",
    "absent_plain_max",
    "key_together",
)
# A word at least this specific in general text (or a name, or a number) is one of the
# question's key terms: what :func:`key_together` looks for in one passage.
KEY_SPECIFICITY = 0.6
_NUMBER = re.compile(r"\d")
# Endings of verb, adjective and adverb forms ("reacted", "expensive", "usually"): words a
# question uses to rephrase, more often than to name what it asks about (a noun, a name).
_REPHRASING = re.compile(r"(?:ed|ing|ly|ive|ous|ful|able|ible|ish|ise|ize|ent|ant)$")
_DECADE = re.compile(r"\d{3}0s")


@dataclass(frozen=True, slots=True)
class Evidence:
    """The features of one question against one corpus, plus the terms found nowhere."""

    values: tuple[float, ...]
    absent_terms: tuple[str, ...]

    def as_dict(self) -> dict[str, float]:
        """Feature name to value (for the calibration script and debugging)."""
        return dict(zip(FEATURES, self.values, strict=True))


@dataclass(frozen=True, slots=True)
class Model:
    """A logistic model over standardised :data:`FEATURES`."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    def probability(self, evidence: Evidence) -> float:
        """P(answered) for ``evidence``."""
        x = (np.asarray(evidence.values) - np.asarray(self.mean)) / np.asarray(self.scale)
        z = float(x @ np.asarray(self.coef)) + self.intercept
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    def to_json(self) -> str:
        """The model as the JSON the package ships."""
        return json.dumps(
            {
                "features": list(FEATURES),
                "mean": list(self.mean),
                "scale": list(self.scale),
                "coef": list(self.coef),
                "intercept": self.intercept,
            },
            indent=1,
        )

    def to_mapping(self, probes: int) -> dict[str, float]:
        """The model as the flat name-to-number mapping an index manifest stores
        (``Manifest.absence_calibration``), with the number of probes it was fitted on."""
        out = {"probes": float(probes), "intercept": self.intercept}
        for name, m, s, c in zip(FEATURES, self.mean, self.scale, self.coef, strict=True):
            out |= {f"mean.{name}": m, f"scale.{name}": s, f"coef.{name}": c}
        return out

    @classmethod
    def from_mapping(cls, data: dict[str, float]) -> Model | None:
        """The model of :meth:`to_mapping`; None when ``data`` is empty or was fitted on other
        features (an index calibrated by another version: the default model applies)."""
        try:
            return cls(
                tuple(data[f"mean.{n}"] for n in FEATURES),
                tuple(data[f"scale.{n}"] for n in FEATURES),
                tuple(data[f"coef.{n}"] for n in FEATURES),
                data["intercept"],
            )
        except KeyError:
            return None

    @classmethod
    def from_json(cls, text: str) -> Model:
        """Read a model written by :meth:`to_json` (features must match this version)."""
        data = json.loads(text)
        if tuple(data["features"]) != FEATURES:
            raise ValueError("absence model was fitted on other features")
        return cls(
            tuple(data["mean"]), tuple(data["scale"]), tuple(data["coef"]), data["intercept"]
        )


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, prior: Model | None = None) -> Model:
    """Fit a :class:`Model` to feature rows ``x`` and labels ``y`` (1 = answered): logistic
    regression with an L2 penalty, by Newton steps, the two classes weighted equally (so the
    probability is calibrated for a balanced mix of answerable and unanswerable questions).

    With a ``prior`` (the default model) the fit keeps its standardisation and pulls the
    weights towards the prior's instead of towards zero (the intercept too, ten times more
    loosely): a few dozen probes of one corpus then move the model only where they disagree
    with it (:mod:`askcorpus.search.calibration`).
    """
    if prior is None:
        mean, scale = x.mean(0), x.std(0) + 1e-6
        beta0 = np.zeros(x.shape[1] + 1)
    else:
        mean, scale = np.asarray(prior.mean), np.asarray(prior.scale)
        beta0 = np.array([*prior.coef, prior.intercept])
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    beta = beta0.copy()
    reg = np.full(z.shape[1], l2)
    reg[-1] = 0.0 if prior is None else l2 / 10
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ beta))
        grad = z.T @ (w * (p - y)) + reg * (beta - beta0)
        hess = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return Model(tuple(mean), tuple(scale), tuple(beta[:-1]), float(beta[-1]))


@functools.cache
def default_model() -> Model:
    """The shipped calibration (public data; see the module docstring)."""
    text = resources.files("askcorpus.search").joinpath("absence_model.json").read_text("utf-8")
    return Model.from_json(text)


@functools.cache
def _background() -> tuple[int, dict[str, int]]:
    lines = resources.files("askcorpus.search").joinpath("background.txt").read_text("utf-8")
    rows = [line for line in lines.splitlines() if line and not line.startswith("#")]
    table = {}
    for row in rows[1:]:
        key, _sep, df = row.partition(" ")
        table[key] = int(df)
    return int(rows[0]), table


def specificity(term: str) -> float:
    """How specific a word is in general text, 0 (in every document) to 1 (in none): its
    inverse document frequency in the public background text, scaled; numbers count fully."""
    docs, table = _background()
    if _NUMBER.search(term):
        return 1.0
    word = fold(term.lower())
    df = next((table[w] for w in (word, word[:-1], word[:-2]) if w in table), 2)
    return math.log((docs + 1) / (df + 1)) / math.log(docs + 1)


def _corpus_match(term: str) -> KeywordQuery:
    """The keyword query finding ``term`` anywhere; a decade ("2000s") matches its years."""
    if _DECADE.fullmatch(term):
        years = tuple((f"{term[:3]}{d}",) for d in range(10))
        return KeywordQuery((*years, (term,)))
    return keyword_query(term)


def _is_specific(term: str, question: str) -> bool:
    """A number, or a word written with a capital inside the question (a name)."""
    if _NUMBER.search(term):
        return True
    return any(question[at].isupper() for at in _occurrences(term, question) if at > 0)


def _occurrences(term: str, question: str) -> list[int]:
    """Where ``term`` stands in ``question`` as a whole word, in any case (``\\bterm\\b``
    ignoring case). ASCII text is searched with ``str.find`` on lower-cased copies, which is the
    same there and needs no pattern compiled per term (most of this function's cost, since
    each question brings new terms); other text with the pattern."""
    if not (term.isascii() and question.isascii() and _is_word(term[:1]) and _is_word(term[-1:])):
        pattern = rf"\b{re.escape(term)}\b"
        return [m.start() for m in re.finditer(pattern, question, re.IGNORECASE)]
    low, word = question.lower(), term.lower()
    found = []
    at = low.find(word)
    while at >= 0:
        end = at + len(word)
        # \b on either side, for a term that begins and ends with a word character.
        if (at == 0 or not _is_word(low[at - 1])) and (end == len(low) or not _is_word(low[end])):
            found.append(at)
        at = low.find(word, at + 1)
    return found


def _is_word(c: str) -> bool:
    """Whether the ASCII character ``c`` is a regex word character (``\\w``); False for ""."""
    return c.isalnum() or c == "_"


def passage_keys(title: str, text: str) -> frozenset[str]:
    """The term keys of a passage as indexed (``title`` + newline + ``text``). A newline
    joins no words and lower-cases nothing differently on either side, so these are the
    keys of the title and of the text, each read once (cached) however often it is asked."""
    return _title_keys(title) | text_words(text).keys


@functools.lru_cache(maxsize=1024)
def _title_keys(title: str) -> frozenset[str]:
    """:func:`term_keys` of a passage's title (titles repeat across its passages)."""
    return frozenset(term_keys(title))


@dataclass(frozen=True, slots=True)
class TermCounts:
    """How many passages hold each of a question's terms (up to :data:`DF_CAP`), the terms
    found nowhere, and the question without them (what the ablation embeds; "" when none is
    absent or nothing is left). Needs no candidate and no embedding, so a search counts them
    while the question is being encoded and starts the ablation's embedding at once."""

    terms: tuple[str, ...]
    dfs: np.ndarray
    absent: tuple[str, ...]
    ablated: str


def count_terms(store: Store, question: str) -> TermCounts:
    """The :class:`TermCounts` of ``question`` (cleaned) in ``store``."""
    terms = tuple(query_terms(question))
    dfs = np.array([store.match_count(_corpus_match(t), DF_CAP) for t in terms], dtype=np.int64)
    absent = tuple(t for t, df in zip(terms, dfs, strict=True) if df == 0)
    return TermCounts(terms, dfs, absent, _without(question, absent))


def _without(question: str, absent: Sequence[str]) -> str:
    """``question`` with the words ``absent`` taken out ("" when none is, or nothing is left)."""
    if not absent:
        return ""
    pattern = r"\b(?:" + "|".join(re.escape(t) for t in absent) + r")\b"
    return " ".join(re.sub(pattern, " ", question, flags=re.IGNORECASE).split())


def gather(
    store: Store,
    question: str,
    fused: Sequence[Fused],
    passages: int,
    query_vec: np.ndarray,
    encode: Callable[[str], np.ndarray],
    counts: TermCounts | None = None,
) -> Evidence:
    """The evidence for ``question`` (cleaned) from its fused candidates, best first.

    ``passages`` is the corpus's passage count (for rarity in it); ``query_vec`` the question's
    embedding and ``encode`` the encoder of questions (for the ablation below); ``counts`` the
    question's :func:`count_terms` when the caller has them already.
    """
    counts = counts if counts is not None else count_terms(store, question)
    terms = list(counts.terms)
    top = list(fused[:DENSE_WINDOW])
    dense_scores = sorted((f.dense_score for f in fused if f.dense_rank is not None), reverse=True)
    dense_top = max((f.dense_score for f in top), default=0.0)
    tail = dense_scores[5:15] or dense_scores[-1:] or [0.0]
    margin = dense_top - float(np.mean(tail))
    first = fused[0] if fused else None
    agree = float(
        first is not None
        and first.dense_rank is not None
        and first.lexical_rank is not None
        and first.dense_rank <= 10
        and first.lexical_rank <= 10
    )
    if not terms:
        values = (dense_top, margin, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, agree, 0.0, 0.0, 1.0)
        return Evidence(values, ())
    found = store.passages([f.id for f in top])
    keysets = [
        passage_keys(found[f.id].title, found[f.id].text) if f.id in found else frozenset()
        for f in top
    ]
    weights = np.array([max(specificity(t), 0.05) for t in terms])
    keys = [term_key(t) for t in terms]
    in_best3 = np.array([any(key in ks for ks in keysets[:TOP_PASSAGES]) for key in keys])
    per_passage = [np.array([key in ks for key in keys]) for ks in keysets] or [in_best3 * 0]
    cover_best = max(float(weights @ p) for p in per_passage) / weights.sum()
    dfs = counts.dfs
    absent = dfs == 0
    idf = np.log((passages + 1) / (dfs + 0.5)) / math.log((passages + 1) / 0.5)
    absent_terms = counts.absent
    values = (
        dense_top,
        margin,
        float(weights @ in_best3) / weights.sum(),
        cover_best,
        float(idf @ in_best3) / max(float(idf.sum()), 1e-9),
        float(weights @ absent) / weights.sum(),
        max((float(w) for w, a in zip(weights, absent, strict=True) if a), default=0.0),
        float(any(_is_specific(t, question) for t in absent_terms)),
        agree,
        _ablation_gain(store, counts.ablated, top, query_vec, encode),
        max(
            (
                float(w)
                for t, w, a in zip(terms, weights, absent, strict=True)
                if a and not _REPHRASING.search(t)
            ),
            default=0.0,
        ),
        key_together(terms, weights, question, keysets),
    )
    return Evidence(values, absent_terms)


def key_together(
    terms: Sequence[str], weights: np.ndarray, question: str, keysets: Sequence[AbstractSet[str]]
) -> float:
    """The largest share of the question's key terms (names, numbers, words of specificity
    >= :data:`KEY_SPECIFICITY`; specificity-weighted) that one passage holds, over the term
    keys of the best passages (``keysets``); 1.0 when the question has no key term.

    "Who was China's ambassador to Russia in 2018?" finds "China", "Russia" and "2018" in
    one passage but not "ambassador"; "What position did Kazakhstan take on the invasion of
    Ukraine?" finds "Kazakhstan" in one passage and "invasion" in another: the question's
    specific content is not in one place, so neither passage answers it (docs/quality.md).
    """
    key = np.array([_is_specific(t, question) or specificity(t) >= KEY_SPECIFICITY for t in terms])
    if not key.any():
        return 1.0
    w = weights * key
    keys = [term_key(t) for t in terms]
    held = (float(w @ np.array([k in ks for k in keys])) for ks in keysets)
    return max(held, default=0.0) / float(w.sum())


def _ablation_gain(
    store: Store,
    ablated: str,
    top: Sequence[Fused],
    query_vec: np.ndarray,
    encode: Callable[[str], np.ndarray],
) -> float:
    """How much closer the best passages come to the question without its absent terms
    (``ablated``, :attr:`TermCounts.ablated`).

    An absent word that only rephrases what a passage says ("expensive oil" for "higher oil
    prices") leaves the match as it was; one naming what the passages lack ("tourists") pulls
    the question away from them, so dropping it brings them closer (docs/quality.md). Costs
    one more question embedding, only when some term is absent.
    """
    if not ablated or not top:
        return 0.0
    vectors = store.passage_vectors([f.id for f in top])
    before = float((vectors @ query_vec.ravel()).max())
    after = float((vectors @ encode(ablated).ravel()).max())
    return after - before


@dataclass(frozen=True, slots=True)
class Assessment:
    """The verdict for one search: P(answered), whether that is likely, terms found nowhere."""

    probability: float
    likely: bool
    absent_terms: tuple[str, ...]


def assess(
    store: Store,
    question: str,
    fused: Sequence[Fused],
    query_vec: np.ndarray,
    encode: Callable[[str], np.ndarray],
    counts: TermCounts | None = None,
) -> Assessment:
    """Whether the corpus likely answers ``question`` (cleaned), from its fused candidates
    (``counts``: its :func:`count_terms`, when the caller has them already)."""
    passages = store.stats().passages
    evidence = gather(store, question, fused, passages, query_vec, encode, counts)
    p = model_for(store).probability(evidence)
    return Assessment(round(p, 4), p >= THRESHOLD, evidence.absent_terms)


def key_absent_terms(question: str, absent: Sequence[str]) -> tuple[str, ...]:
    """The terms of ``absent`` (found nowhere in the corpus) that carry the question's specific
    content: names and numbers as asked, and words of specificity >= :data:`KEY_SPECIFICITY`
    ("tourists", not "expected"). Shown even when the corpus is judged to answer, since such a
    word is often the very thing asked."""
    return tuple(
        t for t in absent if _is_specific(t, question) or specificity(t) >= KEY_SPECIFICITY
    )


def caveats(store: Store) -> tuple[str, ...]:
    """What the index may be missing, to show beside "not in this corpus": files the last run
    could not read (named, with the reason of the first) and an interrupted build. Read from
    the store (no look at the corpus folder), so cheap enough for every absence."""
    out = []
    skipped = store.skipped()
    if skipped:
        named = ", ".join(s.source for s in skipped[:3]) + (", …" if len(skipped) > 3 else "")
        files = "1 file" if len(skipped) == 1 else f"{len(skipped)} files"
        out.append(f"{files} could not be read ({named}; {skipped[0].reason})")
    if not store.complete:
        out.append("the last indexing run was interrupted: run `askcorpus index` to finish")
    excluded = _exclusions(store.label(EXCLUDED_LABEL))
    if excluded:
        out.append(f"{excluded} left out by your rules (.askcorpusignore)")
    return tuple(out)


def _exclusions(label: str | None) -> str:
    """ "3 files and 1 folder" from the indexer's label ("3 1"), "" when none."""
    try:
        files, folders = (int(n) for n in (label or "").split())
    except ValueError:
        return ""
    parts = [
        f"{n} {word}{'' if n == 1 else 's'}"
        for n, word in ((files, "file"), (folders, "folder"))
        if n
    ]
    return " and ".join(parts)


def model_for(store: Store) -> Model:
    """The model deciding for ``store``: its own calibration (fitted at index time on probes
    made of its sentences, kept in the manifest) when it has one, else the default."""
    return Model.from_mapping(store.manifest.absence_calibration) or default_model()


def calibration_name(calibration: dict[str, float]) -> str:
    """Which calibration an index with manifest field ``calibration`` uses, in words."""
    if Model.from_mapping(calibration) is None:
        return "default (public data)"
    return f"this corpus ({int(calibration.get('probes', 0))} probes)"
