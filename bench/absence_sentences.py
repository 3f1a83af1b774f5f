"""Sentence-level evidence for "not in this corpus", measured in session 9 and not adopted
(``bench/absence_relation.py`` prints the figures): whether one sentence, or two neighbouring
ones, of the best passages holds the question's key terms together, and whether those
sentences hold the kind of token the question asks for (a number for "how many", a year for
"when", a name for "who" or "where").

A question whose every word occurs in the corpus can still ask for a relation the passages
lack ("What did Xi Jinping say at the forum in Moscow in 2016?": the forum's passage names
Lavrov, not Xi): :func:`~askcorpus.search.absence_evidence.key_together` reads whole passages,
these read their sentences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from askcorpus.search.absence_terms import KEY_SPECIFICITY, is_specific, specificity
from askcorpus.search.highlight import text_words
from askcorpus.text.terms import term_key, term_keys

EXTRA = ("sent_key", "win_key", "sent_all", "win_all", "type_missing", "type_asked")

_KINDS = (
    (
        "number",
        re.compile(
            r"\bhow (?:many|much|large|big|long|far|often|old)\b|\bby how much\b|"
            r"\bwhat (?:percentage|share|proportion|number|amount|value|price|size|sum)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "date",
        re.compile(
            r"\bwhen\b|\b(?:what|which) (?:year|date|month|decade)\b|\bsince when\b",
            re.IGNORECASE,
        ),
    ),
    ("person", re.compile(r"\bwho(?:m|se)?\b", re.IGNORECASE)),
    (
        "place",
        re.compile(
            r"\bwhere\b|\b(?:which|what) (?:city|cities|country|countries|place|region|town)\b",
            re.IGNORECASE,
        ),
    ),
)
_NUMBER = re.compile(
    r"\b\d[\d,.]*\d\b|\b\d\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundreds?|thousands?|millions?|billions?|dozens?|half|several)\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\b(?:1\d{3}|20\d{2})s?\b|\b(?:January|February|March|April|May|June|July|August|"
    r"September|October|November|December)\b"
)
_CAPITAL = re.compile(r"\b[A-Z][\w'’-]+")


def answer_kind(question: str) -> str | None:
    """The kind of answer the question's form asks for: "number", "date", "person", "place",
    or None (the first that matches, in that order)."""
    for kind, pattern in _KINDS:
        if pattern.search(question):
            return kind
    return None


def _holds(kind: str, text: str, question_keys: frozenset[str]) -> bool:
    """Whether ``text`` holds a token of ``kind`` that the question does not contain (its own
    year or number answers nothing): a number, a date, or for a person or place a capitalised
    word inside it."""
    pattern = {"number": _NUMBER, "date": _DATE}.get(kind, _CAPITAL)
    return any(
        (kind in ("number", "date") or m.start() > 0)
        and term_key(m.group(0).lower()) not in question_keys
        for m in pattern.finditer(text)
    )


def sentence_evidence(
    terms: Sequence[str], question: str, passages: Sequence[tuple[str, str]]
) -> tuple[float, ...]:
    """:data:`EXTRA` for ``question`` (cleaned) with terms ``terms`` over ``passages`` (title,
    text) of the best candidates: the largest specificity-weighted share of the key terms (as
    :func:`key_together` counts them) and of all terms held by one sentence and by two
    neighbouring sentences (each with its passage's title), whether the question asks a kind
    of answer the best key-terms window lacks, and whether it asks one at all."""
    kind = answer_kind(question)
    asked = float(kind is not None)
    if not terms or not passages:
        return (1.0, 1.0, 1.0, 1.0, 0.0, asked)
    weights = np.array([max(specificity(t), 0.05) for t in terms])
    key = np.array([is_specific(t, question) or specificity(t) >= KEY_SPECIFICITY for t in terms])
    kw = weights * key if key.any() else weights
    keys = [term_key(t) for t in terms]
    qkeys = frozenset(keys)
    best = {"sent_key": 0.0, "win_key": 0.0, "sent_all": 0.0, "win_all": 0.0}
    windows: list[tuple[float, str]] = []
    for title, text in passages:
        words = text_words(text)
        head = frozenset(term_keys(title))
        held = [
            np.array([k in (ks | head) for k in keys], dtype=float) for ks in words.sentence_keys
        ]
        spans = words.spans
        for i, h in enumerate(held):
            s_key, s_all = float(kw @ h), float(weights @ h)
            best["sent_key"] = max(best["sent_key"], s_key)
            best["sent_all"] = max(best["sent_all"], s_all)
            both = np.maximum(h, held[i + 1]) if i + 1 < len(held) else h
            w_key, w_all = float(kw @ both), float(weights @ both)
            best["win_key"] = max(best["win_key"], w_key)
            best["win_all"] = max(best["win_all"], w_all)
            windows.append((s_key, text[spans[i][0] : spans[i][1]]))
    missing = 0.0
    if kind is not None and windows:
        top = max(w for w, _t in windows)
        missing = float(not any(_holds(kind, t, qkeys) for w, t in windows if w >= top - 1e-9))
    return (
        best["sent_key"] / float(kw.sum()),
        best["win_key"] / float(kw.sum()),
        best["sent_all"] / float(weights.sum()),
        best["win_all"] / float(weights.sum()),
        missing,
        asked,
    )
