"""When a word of a passage is a term of the question: one rule for the search's matched terms
and best sentence (:mod:`askcorpus.search.highlight`) and the window's bold words.

Two words are the same term when they share a :func:`term_key`: lower-cased, British and
American spellings folded alike, then lightly stemmed ("Defence" and "defense", "organised" and
"organizing", "signed" and "signing"; Russian words by Snowball, "Сибири" and "Сибирь").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator

from askcorpus.text.fold import CJK_LETTERS, cjk_bigrams, is_cyrillic_word, russian_stem
from askcorpus.text.spelling import fold

_SUFFIXES = ("ies", "ied", "ing", "ed", "es", "s", "ly")
WORD = re.compile(r"\w+")
_CJK_RUN = re.compile(f"[{CJK_LETTERS}]+")


def stem(word: str) -> str:
    """A light stemmer, enough to match 'signed' with 'signing' and 'deliveries' with
    'delivered' for highlighting (the keyword index itself uses FTS5's Porter stemmer); a
    Cyrillic word gets the Russian Snowball stem the keyword index holds
    (:mod:`askcorpus.text.fold`), so "газопровода" is marked for a question saying
    "газопровод"."""
    word = word.lower()
    if is_cyrillic_word(word):
        return russian_stem(word)
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    if len(word) > 4 and word[-1] in "eiy":
        word = word[:-1]
    return word


# Words repeat across the passages of a search (and searches), and keying a word is pure: a
# bounded cache turns most of the highlighting cost of a large k into dictionary look-ups.
@functools.lru_cache(maxsize=1 << 16)
def term_key(word: str) -> str:
    """What two words must share to count as the same term."""
    return stem(fold(word.lower()))


def term_keys(text: str) -> set[str]:
    """The keys of every word of ``text``; a run of CJK characters also gives its bigrams,
    the terms a Chinese or Japanese question has (:func:`askcorpus.text.query.query_terms`)."""
    words = set(WORD.findall(text.lower()))
    keys = {term_key(w) for w in words}
    for word in words:
        for run in _CJK_RUN.findall(word):
            keys.update(cjk_bigrams(run))
    return keys


def term_matches(text: str, terms: Iterable[str]) -> Iterator[re.Match[str]]:
    """The words of ``text`` that are one of ``terms`` (in any spelling or inflection)."""
    keys = {term_key(t) for t in terms}
    if not keys:
        return
    for m in WORD.finditer(text):
        if term_key(m.group(0)) in keys:
            yield m
