"""Paragraphs, sentences and words of a text, as exact spans: what the chunker cuts at, what
the highlighter scores and what the reader tints.

Paragraphs are separated by blank lines; sentences end at ``.``, ``!``, ``?`` followed by a space
or the end, except after known abbreviations and initials, with fragments too short to stand
alone merged into their neighbours. Chinese and Japanese write no spaces: a sentence ends at
``。！？`` (and their full-width and half-width forms) wherever they stand, and every CJK
character counts as a word (:data:`WORD`). Text without CJK characters is cut exactly as before
they were handled (tests/text/reference_chunking_v1.py holds that oracle). Every function is
linear in the length of the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v\u00a0]*\n\s*")
# Han ideographs (with extensions and compatibility forms), kana, CJK punctuation (not U+3000,
# the ideographic space) and the full-width and half-width forms.
_CJK_CHARS = (
    "\u3001-\u303f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff01-\uffef\U00020000-\U0003ffff"
)
#: A word: a CJK character, or a run of other non-space characters (what word counts count).
#: The model's tokenizer gives each CJK character a token of its own, as it gives an English
#: word about 1.2, so a character is the word-equivalent; text without CJK characters has the
#: same words as ``\S+``.
WORD = re.compile(rf"[{_CJK_CHARS}]|[^\s{_CJK_CHARS}]+")
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets and footnote marks
# like [1]) and whitespace, when the next sentence starts like one. The match starts at the
# mark itself (a leading character set lets the regex engine skip to candidates; a look-behind
# made it try every position, the larger part of splitting a passage).
_MARKS = ".!?…"
_AFTER = r"[\"'”’»)\]]*(?:\[\d+\])*(?=\s+[\"'“‘«(\[]?[A-Z0-9А-ЯЁ\u4e00-\u9fff])"
_SENTENCE_END = re.compile(f"[{_MARKS}]" + _AFTER)
# What follows a mark just before the start of a slice, for the end it makes there.
_AFTER_MARK = re.compile(_AFTER)
# A CJK sentence ends at 。！？ (full-width, half-width, ideographic) and the closing quotes and
# brackets after them, whether or not a space follows.
_CJK_SENTENCE_END = re.compile(r"[。！？｡][」』”’）】》〉\"')\]]*")
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "jr",
        "sr",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "no",
        "fig",
        "al",
        "gen",
        "col",
        "lt",
        "sgt",
        "gov",
        "sen",
        "rep",
        "pp",
        "p",
        "vol",
        "ed",
        "inc",
        "ltd",
        "co",
        "corp",
        "u.s",
        "u.k",
        "u.n",
        "approx",
        "est",
        "dept",
        "univ",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
)


_CJK = re.compile(f"[{_CJK_CHARS}]")
_SPACED_WORD = re.compile(r"\S+")


def count_words(text: str) -> int:
    """Number of words (:data:`WORD`): whitespace-separated runs, each CJK character one."""
    return word_counter(text)(text)


def word_counter(text: str, start: int = 0, end: int | None = None) -> Callable[[str], int]:
    """:func:`count_words` for pieces of ``text[start:end]``: where it holds no CJK character
    (one scan) the plain whitespace count, which is faster than :data:`WORD` on English."""
    # An ASCII string (Python knows without a scan) holds no CJK character.
    if text.isascii() or _CJK.search(text, start, len(text) if end is None else end) is None:
        return lambda piece: len(_SPACED_WORD.findall(piece))
    return lambda piece: len(WORD.findall(piece))


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``(start, end)`` shrunk to exclude surrounding whitespace; None if only whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def paragraph_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the non-blank paragraphs of ``text[start:end]``, in document offsets."""
    end = len(text) if end is None else end
    breaks = ((m.start(), m.end()) for m in _PARAGRAPH_BREAK.finditer(text, start, end))
    return _pieces(text, start, end, breaks)


def _pieces(
    text: str, start: int, end: int, cuts: Iterable[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The trimmed, non-blank pieces of ``text[start:end]`` between ``cuts``: each cut ends a
    piece at its first offset and starts the next at its second."""
    spans = []
    pos = start
    for piece_end, next_start in cuts:
        span = _trimmed(text, pos, piece_end)
        if span:
            spans.append(span)
        pos = next_start
    span = _trimmed(text, pos, end)
    if span:
        spans.append(span)
    return spans


def _is_abbreviation(text: str, dot: int) -> bool:
    word_start = dot
    while word_start > 0 and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:dot].lower().lstrip("(\"'“‘")
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the sentences in ``text[start:end]`` (document offsets, whitespace trimmed).

    Line breaks inside a paragraph also end a sentence when the line is short (headings, list
    items), so titles do not glue onto the following sentence.
    """
    end = len(text) if end is None else end
    cuts = [start]
    if 0 < start < end and text[start - 1] in _MARKS:  # a mark ending the text before
        after = _AFTER_MARK.match(text, start, end)
        if after and not (text[start - 1] == "." and _is_abbreviation(text, start - 1)):
            cuts.append(after.end())
    for m in _SENTENCE_END.finditer(text, start, end):
        if text[m.start()] == "." and _is_abbreviation(text, m.start()):
            continue
        cuts.append(m.end())
    if not text.isascii():
        for m in _CJK_SENTENCE_END.finditer(text, start, end):
            cuts.append(m.end())
    line = text.find("\n", start, end)
    while line >= 0:
        cuts.append(line + 1)
        line = text.find("\n", line + 1, end)
    cuts.append(end)
    edges = sorted(set(cuts))
    spans = []
    for a, b in zip(edges, edges[1:], strict=False):
        span = _trimmed(text, a, b)
        if span:
            spans.append(span)
    return _merge_fragments(text, spans)


# Where a CJK sentence too long for a passage may be cut: after a full-width comma, semicolon,
# colon or enumeration comma (and the closing quotes after it).
_CJK_CLAUSE_END = re.compile(r"[，；：、][」』”’）】》〉\"')\]]*")


def clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the clauses of the sentence ``text[start:end]``, cut after CJK clause
    punctuation (``，；：、``); the whole sentence when it has none, as text without CJK has."""
    cuts = ((m.end(), m.end()) for m in _CJK_CLAUSE_END.finditer(text, start, end))
    return _pieces(text, start, end, cuts)


def _merge_fragments(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join a line that does not end a sentence onto the next (wrapped lines inside a sentence).

    Linear: the words of a growing merged span are counted piece by piece (pieces are separated
    by whitespace, so their counts add up) and only its tail is looked at for a sentence end;
    re-reading the whole span at each line made hard-wrapped text without full stops quadratic.
    """
    merged: list[tuple[int, int]] = []
    if not spans:
        return merged
    count = word_counter(text, spans[0][0], spans[-1][1])
    # The last merged span's words: those of its pieces counted so far, and the pieces not
    # counted yet (a piece is counted only when a merge asks, and then once).
    merged_words = 0
    uncounted: list[tuple[int, int]] = []
    for span in spans:
        if merged and text[span[0]].islower():
            start, end = merged[-1]
            if not _ends_sentence(text, start, end):
                merged_words += sum(count(text[a:b]) for a, b in uncounted)
                uncounted = []
                if merged_words >= 8:
                    merged[-1] = (start, span[1])
                    uncounted.append(span)
                    continue
        merged.append(span)
        merged_words, uncounted = 0, [span]
    return merged


_CLOSERS = frozenset("\"'”’»)]0123456789[」』）】》〉")


def _ends_sentence(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` ends a sentence (closing quotes, brackets, footnote marks
    ignored). Scans back only over the trailing closers: a merged span starts its last piece
    with a lowercase letter, so the scan never re-reads earlier pieces."""
    while end > start and text[end - 1] in _CLOSERS:
        end -= 1
    return end > start and text[end - 1] in ".!?…:。！？｡"
