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

The parts live in their own modules: :mod:`~askcorpus.search.absence_terms` (the question's
terms against the corpus), :mod:`~askcorpus.search.absence_evidence` (the features of one
search), :mod:`~askcorpus.search.absence_model` (the model, its fit and the shipped
calibration). This module decides, and keeps the names other modules import from it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from askcorpus.search.absence_evidence import (
    DENSE_WINDOW,
    TOP_PASSAGES,
    gather,
    key_together,
    passage_keys,
)
from askcorpus.search.absence_model import (
    FEATURES,
    Evidence,
    Model,
    default_model,
    default_model_for,
    fit,
)
from askcorpus.search.absence_terms import (
    DF_CAP,
    KEY_SPECIFICITY,
    TermCounts,
    background,
    count_terms,
    key_absent_terms,
    occurrences,
    specificity,
)
from askcorpus.search.fusion import Fused
from askcorpus.settings import MODEL_NAME
from askcorpus.store.base import EXCLUDED_LABEL, Store

__all__ = [
    "DENSE_WINDOW",
    "DF_CAP",
    "FEATURES",
    "KEY_SPECIFICITY",
    "THRESHOLD",
    "TOP_PASSAGES",
    "Assessment",
    "Evidence",
    "Model",
    "TermCounts",
    "assess",
    "background",
    "calibration_name",
    "caveats",
    "count_terms",
    "default_model",
    "default_model_for",
    "defaults_apply",
    "fit",
    "gather",
    "key_absent_terms",
    "key_together",
    "model_for",
    "occurrences",
    "passage_keys",
    "specificity",
    "unjudged",
]


# A probability at or above this means "likely answered". Telling a user a real answer is
# missing costs more than missing an absence, so the operating point is the highest (in steps
# of 0.05) that keeps >= 0.97 of the answerable *development* questions (eval/questions.jsonl,
# questions-more.jsonl; bench/absence_sweep.py, docs/quality.md); held-out sets were only
# reported. For this model that is 0.5, where its class-balanced fit is calibrated.
THRESHOLD = 0.5


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
) -> Assessment | None:
    """Whether the corpus likely answers ``question`` (cleaned), from its fused candidates
    (``counts``: its :func:`count_terms`, when the caller has them already); None when no
    calibration fits the index (:func:`model_for`) or the question (:func:`defaults_apply`)."""
    stats = store.stats()
    model = _judge(store, question, stats.languages)
    if isinstance(model, str):
        return None
    passages = stats.passages
    evidence = gather(store, question, fused, passages, query_vec, encode, counts)
    p = model.probability(evidence)
    return Assessment(round(p, 4), p >= THRESHOLD, evidence.absent_terms)


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


def unjudged(store: Store, question: str) -> str | None:
    """Why :func:`assess` gives ``question`` (cleaned) asked of ``store`` no probability, a
    clause for the user ("“not in this corpus” is judged for questions in English only"); None
    when it gives one. So a reader is told the check did not run, rather than read its silence
    as "answered"."""
    judge = _judge(store, question, store.stats().languages)
    return judge if isinstance(judge, str) else None


def _judge(store: Store, question: str, languages: Sequence[tuple[str, int]]) -> Model | str:
    """The model deciding for ``question`` asked of ``store``, whose documents are in
    ``languages`` (:func:`model_for`), or why none does: the one rule :func:`assess` and
    :func:`unjudged` read. The default (cached, so one object) speaks English only
    (:func:`defaults_apply`); an index's own fit speaks its own."""
    model = model_for(store)
    name = store.manifest.model
    if model is None:
        return (
            f"there is no calibration for {name} indexes "
            "(`askcorpus index --rebuild --calibrate-absence` fits one)"
        )
    if model is not default_model_for(name):
        return model
    if not _mostly_latin(question):
        return "“not in this corpus” is judged for questions in English only"
    if not _holds_english(languages):
        return "“not in this corpus” is judged for corpora holding English documents only"
    return model


def defaults_apply(question: str, languages: Sequence[tuple[str, int]]) -> bool:
    """Whether a default calibration may decide for ``question`` asked of a corpus whose
    documents are in ``languages`` (``StoreStats.languages``; empty: not detected, an index
    from before detection). The defaults were fitted on English public text, and their words'
    specificity is English too (``background.txt``), so they decide for a question written
    mostly in the Latin alphabet asked of a corpus holding English documents. Any other gets
    no probability rather than a wrong one: asked in Russian of Russian documents, the English
    fit kept 7 of 12 answerable questions and flagged 1 of 8 unanswerable ones (no better than
    chance), and an English question of Russian and Chinese documents finds none of its words
    in them, whether answered or not (docs/quality.md)."""
    return _mostly_latin(question) and _holds_english(languages)


def _mostly_latin(question: str) -> bool:
    """Whether at least half the letters of ``question`` are Latin (or it has none)."""
    letters = [c for c in question if c.isalpha()]
    latin = sum(1 for c in letters if c.isascii() or "LATIN" in unicodedata.name(c, ""))
    return not letters or 2 * latin >= len(letters)


def _holds_english(languages: Sequence[tuple[str, int]]) -> bool:
    """Whether a corpus of ``languages`` holds English documents (or was never detected)."""
    return not languages or any(code == "en" for code, _n in languages)


def model_for(store: Store) -> Model | None:
    """The model deciding for ``store``: its own calibration (fitted at index time on probes
    made of its sentences, kept in the manifest) when it has one, else the default of its
    model (fitted on public data with that model's cosines). An index of a model with no
    default gets no probability rather than a wrong one: None."""
    own = Model.from_mapping(store.manifest.absence_calibration)
    if own is not None:
        return own
    return default_model_for(store.manifest.model)


def calibration_name(
    calibration: dict[str, float],
    model: str = MODEL_NAME,
    languages: Sequence[tuple[str, int]] = (),
) -> str:
    """Which calibration an index with manifest fields ``calibration`` and ``model`` uses, in
    words (see :func:`model_for`); ``languages`` (``StoreStats.languages``) tells whether the
    default one decides for any of its questions (:func:`defaults_apply`)."""
    if Model.from_mapping(calibration) is not None:
        return f"this corpus ({int(calibration.get('probes', 0))} probes)"
    if default_model_for(model) is None:
        return f"none for {model} (no probability; `askcorpus index --rebuild --calibrate-absence` fits one)"
    if not _holds_english(languages):
        return (
            "default (public data, English), so none for this corpus: no document is in "
            "English (`askcorpus index --rebuild --calibrate-absence` fits one)"
        )
    return "default (public data; questions in English)"
