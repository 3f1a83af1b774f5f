"""Finding the sentence(s) of a passage that best answer a question, and the matched terms."""

from __future__ import annotations

import re

from askcorpus.chunking import sentence_spans
from askcorpus.query import query_terms

_SUFFIXES = ("ing", "ed", "es", "s", "ly")


def stem(word: str) -> str:
    """A light stemmer, enough to match 'signed' with 'signing' for highlighting."""
    word = word.lower()
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def matched_terms(question: str, text: str) -> tuple[str, ...]:
    """The question's content words that occur (stemmed) in ``text``, in question order."""
    present = {stem(w) for w in re.findall(r"\w+", text.lower())}
    return tuple(t for t in query_terms(question) if stem(t) in present)


def best_sentence(question: str, text: str, offset: int = 0) -> tuple[int, int] | None:
    """Document span of the sentence of ``text`` sharing most question terms (first on ties).

    ``offset`` is the position of ``text`` in its document. Returns None for an empty text.
    """
    spans = sentence_spans(text)
    if not spans:
        return None
    terms = {stem(t) for t in query_terms(question)}
    best, best_score = spans[0], -1.0
    for a, b in spans:
        words = {stem(w) for w in re.findall(r"\w+", text[a:b].lower())}
        score = len(terms & words)
        if score > best_score:
            best, best_score = (a, b), score
    return best[0] + offset, best[1] + offset
