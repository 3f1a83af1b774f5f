"""The evidence for "not in this corpus" (:class:`~askcorpus.search.absence_model.Evidence`):
what the best passages of a search hold of the question's terms, the dense side's best cosine
and margin, whether the keyword and dense sides agree, the ablation (the question embedded
again without its absent terms), and whether one passage holds the key terms together.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet

import numpy as np

from askcorpus.search.absence_model import Evidence
from askcorpus.search.absence_terms import (
    KEY_SPECIFICITY,
    TermCounts,
    count_terms,
    is_specific,
    specificity,
)
from askcorpus.search.acronyms import expanded
from askcorpus.search.fusion import Fused
from askcorpus.search.highlight import text_words
from askcorpus.store.base import Store
from askcorpus.text.terms import term_key, term_keys

# Passages read as "the best passages": enough to hold an answer split over neighbours.
TOP_PASSAGES = 3
# Candidates whose best cosine is the dense evidence (fixed, so the probability does not
# depend on how many hits the user asked for).
DENSE_WINDOW = 5
# Endings of verb, adjective and adverb forms ("reacted", "expensive", "usually"): words a
# question uses to rephrase, more often than to name what it asks about (a noun, a name).
_REPHRASING = re.compile(r"(?:ed|ing|ly|ive|ous|ful|able|ible|ish|ise|ize|ent|ant)$")


def passage_keys(title: str, text: str) -> frozenset[str]:
    """The term keys of a passage as indexed (``title`` + newline + ``text``). A newline
    joins no words and lower-cases nothing differently on either side, so these are the
    keys of the title and of the text, each read once (cached) however often it is asked."""
    return _title_keys(title) | text_words(text).keys


@functools.lru_cache(maxsize=1024)
def _title_keys(title: str) -> frozenset[str]:
    """:func:`term_keys` of a passage's title (titles repeat across its passages)."""
    return frozenset(term_keys(title))


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
    top = list(fused[:DENSE_WINDOW])
    found = store.passages([f.id for f in top]) if counts.terms else {}
    # An acronym found nowhere that the best passages spell out is read as they write it.
    best = (found[f.id].text for f in top[:TOP_PASSAGES] if f.id in found)
    spelled = expanded(question, counts.absent, best)
    if spelled != question:
        question, counts = spelled, count_terms(store, spelled)
    terms = list(counts.terms)
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
        float(any(is_specific(t, question) for t in absent_terms)),
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
    key = np.array([is_specific(t, question) or specificity(t) >= KEY_SPECIFICITY for t in terms])
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
