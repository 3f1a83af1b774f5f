"""The question's terms against the corpus, for "not in this corpus": how specific each is in
general text (its document frequency in public text, ``background.txt``), how many passages
hold it (one keyword look-up per term), which are found nowhere, and which of those carry the
question's specific content (names, numbers, rare words: what the user is told is missing).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from askcorpus.records import KeywordQuery
from askcorpus.store.base import Store
from askcorpus.text.query import keyword_query, query_terms
from askcorpus.text.spelling import fold

# Matches counted per term for its rarity in the corpus; a term this frequent is common here.
DF_CAP = 200

# A word at least this specific in general text (or a name, or a number) is one of the
# question's key terms: what :func:`key_together` looks for in one passage.
KEY_SPECIFICITY = 0.6
_NUMBER = re.compile(r"\d")
_DECADE = re.compile(r"\d{3}0s")


@functools.cache
def background() -> tuple[int, dict[str, int]]:
    """The public background text's document count and each word's document frequency."""
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
    docs, table = background()
    if _NUMBER.search(term):
        return 1.0
    word = fold(term.lower())
    df = next((table[w] for w in (word, word[:-1], word[:-2]) if w in table), 2)
    return math.log((docs + 1) / (df + 1)) / math.log(docs + 1)


def corpus_match(term: str) -> KeywordQuery:
    """The keyword query finding ``term`` anywhere; a decade ("2000s") matches its years."""
    if _DECADE.fullmatch(term):
        years = tuple((f"{term[:3]}{d}",) for d in range(10))
        return KeywordQuery((*years, (term,)))
    return keyword_query(term)


def is_specific(term: str, question: str) -> bool:
    """A number, or a word written with a capital inside the question (a name)."""
    if _NUMBER.search(term):
        return True
    return any(question[at].isupper() for at in occurrences(term, question) if at > 0)


def occurrences(term: str, question: str) -> list[int]:
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
    dfs = np.array([store.match_count(corpus_match(t), DF_CAP) for t in terms], dtype=np.int64)
    absent = tuple(t for t, df in zip(terms, dfs, strict=True) if df == 0)
    return TermCounts(terms, dfs, absent, _without(question, absent))


def _without(question: str, absent: Sequence[str]) -> str:
    """``question`` with the words ``absent`` taken out ("" when none is, or nothing is left)."""
    if not absent:
        return ""
    pattern = r"\b(?:" + "|".join(re.escape(t) for t in absent) + r")\b"
    return " ".join(re.sub(pattern, " ", question, flags=re.IGNORECASE).split())


def key_absent_terms(question: str, absent: Sequence[str]) -> tuple[str, ...]:
    """The terms of ``absent`` (found nowhere in the corpus) that carry the question's specific
    content: names and numbers as asked, and words of specificity >= :data:`KEY_SPECIFICITY`
    ("tourists", not "expected"). Shown even when the corpus is judged to answer, since such a
    word is often the very thing asked."""
    return tuple(t for t in absent if is_specific(t, question) or specificity(t) >= KEY_SPECIFICITY)
