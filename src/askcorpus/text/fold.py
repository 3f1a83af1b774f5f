"""What the keyword index holds for a text, and the same folding for question words.

A backend-independent step before any store's own tokenizer (the local store's FTS5
``porter unicode61``), applied to the indexed body (:func:`keyword_text`) and to every word of a
keyword query (:func:`keyword_words`), so both sides always agree:

* a Cyrillic word becomes its Russian Snowball stem, lower case ("газопровода", "газопроводы"
  → "газопровод"; "Сибири" → "сибир"), so a question finds other inflections of its words;
  FTS5's Porter stemmer only knows English endings and leaves Cyrillic untouched;
* a run of Chinese or Japanese characters (written without spaces) becomes its overlapping
  character bigrams, space-separated ("北京是首都" → "北京 京是 是首 首都"; a single character
  stays itself), the usual unit of CJK keyword search: consecutive bigrams stay consecutive, so a
  quoted CJK phrase still matches as a phrase;
* everything else (Latin text, numbers, punctuation) is left exactly as it is.

A Cyrillic run glued to Latin letters (a mixed-script word, often a homoglyph typo) is left as
it is on both sides. The stems of all Cyrillic-script text are Russian ones: Ukrainian or
Bulgarian words are stemmed imperfectly but the same way in passages and questions.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterable
from typing import Any

#: Han ideographs (and extensions, compatibility forms) and kana: letters written without spaces.
CJK_LETTERS = (
    "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
)
_CYRILLIC = "\u0400-\u052f\u0300-\u036f"  # with combining marks (a decomposed й or ё)
_RUNS = re.compile(
    f"(?P<cjk>[{CJK_LETTERS}]+)"
    # A Cyrillic word: not glued to another letter on either side (digits may touch it).
    f"|(?<![^\\W\\d_])(?P<cyr>[\u0400-\u052f][{_CYRILLIC}]*)(?![^\\W\\d_])"
)
_local = threading.local()


def keyword_text(text: str) -> str:
    """``text`` as the keyword index stores it: Cyrillic words as their stems, CJK runs as
    space-separated bigrams, the rest unchanged (see the module docstring)."""
    if _RUNS.search(text) is None:  # English text: one scan, no copy
        return text
    return _RUNS.sub(_fold_match, text)


def keyword_words(word: str) -> tuple[str, ...]:
    """The index tokens one question word folds to (a CJK word gives several, in order): a
    clause of a :class:`~askcorpus.records.KeywordQuery` holds these, so it matches what
    :func:`keyword_text` stored."""
    return tuple(keyword_text(word).split())


def keyword_clause(words: Iterable[str]) -> tuple[str, ...]:
    """The index tokens of a phrase's words, in order: what a phrase clause (or a filter's
    required or excluded phrase, :class:`~askcorpus.records.PassageFilter`) must hold to match
    the folded index."""
    return tuple(token for word in words for token in keyword_words(word.lower()))


def cjk_bigrams(run: str) -> list[str]:
    """The overlapping character bigrams of a CJK run (a single character: itself)."""
    return [run[i : i + 2] for i in range(max(1, len(run) - 1))]


def is_cyrillic_word(word: str) -> bool:
    """True when ``word`` is a Cyrillic word that :func:`keyword_text` stems."""
    match = _RUNS.fullmatch(word)
    return match is not None and match.group("cyr") is not None


def _fold_match(match: re.Match[str]) -> str:
    run = match.group("cjk")
    if run is not None:
        return f" {' '.join(cjk_bigrams(run))} "
    return russian_stem(match.group("cyr"))


@functools.lru_cache(maxsize=1 << 17)
def russian_stem(word: str) -> str:
    """The Snowball Russian stem of ``word``, lower case (NFC first, so a decomposed й or ё
    stems like the composed one)."""
    return str(_stemmer().stemWord(unicodedata.normalize("NFC", word).lower()))


def _stemmer() -> Any:
    # A Snowball stemmer object keeps state while it stems: one per thread (the indexer's
    # worker and the window's searches stem at the same time).
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import snowballstemmer

        stemmer = _local.stemmer = snowballstemmer.stemmer("russian")
    return stemmer
