"""Finding the sentence of a passage that best answers a question, and the matched terms.

Two signals pick the sentence: how many of the question's content words it shares (stemmed),
and, when the caller has them, the embedding similarity of the question with each sentence.
Term overlap alone misses paraphrases ("When did they agree?" vs "the deal was signed in
May"); similarity alone sometimes prefers a generic sentence over the one naming the thing
asked about, so the two are added.

A search highlights every hit it returns, so the question is read once (:class:`Question`) and
each hit's text once (:func:`read_hit`: its sentences, how many question terms each shares and
which terms it holds, from one pass over its words); the functions taking a question string
are the same computation for one-off callers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from askcorpus.text.fold import CJK_LETTERS
from askcorpus.text.query import query_terms
from askcorpus.text.sentences import sentence_spans
from askcorpus.text.terms import WORD
from askcorpus.text.terms import term_key as _key
from askcorpus.text.terms import term_keys as _keys

# How much a sentence sharing every question term gains over one sharing none, on the scale of
# cosine similarity (where answering sentences typically beat their neighbours by 0.1-0.3).
OVERLAP_WEIGHT = 0.1
#: Texts whose :func:`text_words` are kept (~10 KB each): a search reads its hits' texts and
#: the absence estimate its best passages', and the passages of one topic come back question
#: after question.
TEXTS_KEPT = 1024
_ASCII_WORD = re.compile(WORD.pattern, re.ASCII)

_CJK = re.compile(f"[{CJK_LETTERS}]")
#: What ends a sentence (a line ending in none of these, with a line after it, is a heading)
#: and the closing quotes and brackets that may follow the mark.
_ENDS = frozenset(".!?…。！？｡;；:：")
_CLOSERS = "\"'”’»)]」』）】》"


def headings(text: str, spans: Sequence[tuple[int, int]]) -> frozenset[int]:
    """The indexes of ``spans`` (sentences of ``text``, relative to it) that are headings: a
    line of its own ending in no sentence mark, with more text after it (a title, a byline).
    A heading names a topic; it answers nothing, so it wins a tie on shared terms with a
    sentence never, and is not embedded to break one (the cross-language case: no term
    shared, and a title always close to the question in meaning)."""
    out = []
    for i, (a, b) in enumerate(spans[:-1]):
        line = text[a:b].rstrip(_CLOSERS)
        if not line or line[-1] in _ENDS or not _line_of_its_own(text, a, b):
            continue
        out.append(i)
    return frozenset(out)


def _line_of_its_own(text: str, a: int, b: int) -> bool:
    """Whether ``text[a:b]`` has only blanks between it and the line breaks before and after
    it, and a line after it."""
    while a > 0 and text[a - 1] in " \t\r":
        a -= 1
    while b < len(text) and text[b] in " \t\r":
        b += 1
    return (a == 0 or text[a - 1] == "\n") and b < len(text) and text[b] == "\n"


@dataclass(frozen=True, slots=True)
class Question:
    """A question's content words (:func:`query_terms`, in order) and their term keys."""

    terms: tuple[str, ...]
    keys: frozenset[str]

    @classmethod
    def of(cls, question: str) -> Question:
        """Read ``question`` once for highlighting many texts."""
        terms = tuple(query_terms(question))
        return cls(terms, frozenset(_key(t) for t in terms))


@dataclass(frozen=True, slots=True)
class HitText:
    """What highlighting needs of one text: its sentence spans (relative to the text), how
    many question terms each sentence shares, and the question terms the text holds."""

    spans: list[tuple[int, int]]
    overlaps: list[int]
    matched: tuple[str, ...]
    headings: frozenset[int] = frozenset()  # spans that are headings (:func:`headings`)

    def sentences(self, text: str) -> list[str]:
        """The sentences of ``text`` (the text this was read from), as :func:`sentence_texts`."""
        return [text[a:b] for a, b in self.spans]


def _word_char(c: str) -> bool:
    """Whether ``c`` is a character of :data:`~askcorpus.text.terms.WORD` (``\\w``)."""
    return c.isalnum() or c == "_"


def _cuts_a_word(low: str, cuts: list[int]) -> bool:
    """Whether a word character stands on both sides of one of the positions ``cuts``."""
    return any(0 < x < len(low) and _word_char(low[x - 1]) and _word_char(low[x]) for x in cuts)


@dataclass(frozen=True, slots=True)
class TextWords:
    """What highlighting reads of a text whatever the question: its sentence spans (relative
    to the text), the term keys of each sentence's words, and the keys of all its words
    (:func:`~askcorpus.text.terms.term_keys` of the text)."""

    spans: tuple[tuple[int, int], ...]
    sentence_keys: tuple[frozenset[str], ...]
    keys: frozenset[str]
    headings: frozenset[int]  # :func:`headings` of the spans


@functools.lru_cache(maxsize=TEXTS_KEPT)
def text_words(text: str) -> TextWords:
    """:class:`TextWords` of ``text``, kept for the last :data:`TEXTS_KEPT` texts read.

    The text is lower-cased once and each of its words read and keyed once, in C loops
    (``findall`` and ``map`` over the cached :func:`term_key`), sentence by sentence and the
    gaps between them, whose words together are the text's words when no sentence edge cuts a
    word. Slicing the lower-cased text equals lower-casing the slice when every character
    lower-cases to one character, independently of its neighbours: true of all but a few letters
    (``İ`` becomes two characters, ``Σ`` σ or ς by its neighbours); texts holding those, CJK
    text (whose keys include character bigrams) or texts whose sentence edges cut a word are
    read slice by slice with :func:`~askcorpus.text.terms.term_keys`.
    """
    spans = tuple(sentence_spans(text))
    low = text.lower()
    cuts = [x for span in spans for x in span]
    # CJK runs also give bigram keys (text/terms.term_keys): read those texts that way too.
    ascii = text.isascii()  # known to Python without a scan: no CJK, no letter like "İ"
    odd = not ascii and (len(low) != len(text) or "Σ" in text or _CJK.search(text) is not None)
    if odd or _cuts_a_word(low, cuts):
        each = tuple(frozenset(_keys(text[a:b])) for a, b in spans)
        return TextWords(spans, each, frozenset(_keys(text)), headings(text, spans))
    # ASCII text has the same words under the faster ASCII pattern.
    findall = (_ASCII_WORD if ascii else WORD).findall
    sentences = []
    every: set[str] = set()
    previous = 0
    for a, b in spans:
        if previous < a:  # words between sentences (rare) still count as the text's words
            every.update(map(_key, findall(low, previous, a)))
        keys = frozenset(map(_key, findall(low, a, b)))
        sentences.append(keys)
        every.update(keys)
        previous = b
    if previous < len(low):
        every.update(map(_key, findall(low, previous)))
    return TextWords(spans, tuple(sentences), frozenset(every), headings(text, spans))


def read_hit(question: Question, text: str) -> HitText:
    """Sentences, per-sentence term overlaps and matched terms of ``text``: equal to
    :func:`sentence_spans`, :func:`sentence_overlaps` and :func:`matched_terms`, from the
    text's :func:`text_words` (read once however many questions ask about it)."""
    words = text_words(text)
    keys = question.keys
    overlaps = [len(keys & s) for s in words.sentence_keys]
    present = keys & words.keys
    matched = tuple(t for t in question.terms if _key(t) in present)
    return HitText(list(words.spans), overlaps, matched, words.headings)


def matched_terms(question: str, text: str) -> tuple[str, ...]:
    """The question's content words that occur in ``text`` (stemmed, any British or American
    spelling), in question order."""
    present = _keys(text)
    return tuple(t for t in query_terms(question) if _key(t) in present)


def sentence_texts(text: str) -> list[str]:
    """The sentences of ``text``, as :func:`best_sentence` sees them (for embedding them)."""
    return [text[a:b] for a, b in sentence_spans(text)]


def _terms(question: str) -> set[str]:
    return {_key(t) for t in query_terms(question)}


def sentence_overlaps(question: str, text: str) -> list[int]:
    """How many question terms each sentence of ``text`` shares (stemmed), in sentence order."""
    terms = _terms(question)
    return [len(terms & _keys(text[a:b])) for a, b in sentence_spans(text)]


def best_sentence(
    question: str,
    text: str,
    offset: int = 0,
    similarities: Sequence[float] | None = None,
    overlaps: Sequence[int] | None = None,
) -> tuple[int, int] | None:
    """Document span of the sentence of ``text`` that best answers ``question``.

    ``offset`` is the position of ``text`` in its document. ``similarities``, when given, holds
    the question's cosine similarity with each sentence of :func:`sentence_texts` (same order);
    ``overlaps`` is :func:`sentence_overlaps` when the caller has it already.
    Ties go to the earlier sentence. Returns None for an empty text.
    """
    spans = sentence_spans(text)
    terms = _terms(question)
    if overlaps is None or len(overlaps) != len(spans):
        overlaps = [len(terms & _keys(text[a:b])) for a, b in spans]
    return pick_sentence(spans, overlaps, len(terms), offset, similarities, headings(text, spans))


def pick_sentence(
    spans: Sequence[tuple[int, int]],
    overlaps: Sequence[int],
    n_terms: int,
    offset: int = 0,
    similarities: Sequence[float] | None = None,
    heading_spans: frozenset[int] = frozenset(),
) -> tuple[int, int] | None:
    """The document span of the best of ``spans`` (relative to a text at ``offset``) given
    each one's term overlap (out of ``n_terms`` question terms) and, when given for every
    span, its similarity with the question. A heading (an index in ``heading_spans``) is
    picked only when it shares more terms than every other sentence. Ties go to the earlier
    sentence."""
    if not spans:
        return None
    use_dense = similarities is not None and len(similarities) == len(spans)
    others = [o for i, o in enumerate(overlaps) if i not in heading_spans]
    shared = max(others) if others else -1
    best, best_score = spans[0], float("-inf")
    for i, (a, b) in enumerate(spans):
        if i in heading_spans and overlaps[i] <= shared:
            continue
        overlap = overlaps[i] / n_terms if n_terms else 0.0
        score = OVERLAP_WEIGHT * overlap + (similarities[i] if use_dense else 0.0)  # type: ignore[index]
        if score > best_score + 1e-9:
            best, best_score = (a, b), score
    return best[0] + offset, best[1] + offset
