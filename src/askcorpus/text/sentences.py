"""Paragraphs, sentences and words of a text, as exact spans: what the chunker cuts at, what
the highlighter scores and what the reader tints.

Paragraphs are separated by blank lines; sentences end at ``.``, ``!``, ``?`` (and their CJK
forms) followed by a space or the end, except after known abbreviations and initials, with
fragments too short to stand alone merged into their neighbours. Every function is linear in the
length of the text.
"""

from __future__ import annotations

import re

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v\u00a0]*\n\s*")
#: A word: a run of non-space characters (what word counts count).
WORD = re.compile(r"\S+")
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets and footnote marks
# like [1]) and whitespace, when the next sentence starts like one.
_SENTENCE_END = re.compile(
    r"(?<=[.!?…])[\"'”’»)\]]*(?:\[\d+\])*(?=\s+[\"'“‘«(\[]?[A-Z0-9А-ЯЁ\u4e00-\u9fff])"
)
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


def count_words(text: str) -> int:
    """Number of whitespace-separated words."""
    return len(WORD.findall(text))


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
    spans = []
    pos = start
    for m in _PARAGRAPH_BREAK.finditer(text, start, end):
        span = _trimmed(text, pos, m.start())
        if span:
            spans.append(span)
        pos = m.end()
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
    for m in _SENTENCE_END.finditer(text, start, end):
        if text[m.start() - 1] == "." and _is_abbreviation(text, m.start() - 1):
            continue
        cuts.append(m.end())
    for m in re.finditer(r"\n", text[start:end]):
        cuts.append(start + m.end())
    cuts.append(end)
    spans = []
    for a, b in zip(sorted(set(cuts)), sorted(set(cuts))[1:], strict=False):
        span = _trimmed(text, a, b)
        if span:
            spans.append(span)
    return _merge_fragments(text, spans)


def _merge_fragments(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join a line that does not end a sentence onto the next (wrapped lines inside a sentence).

    Linear: the words of a growing merged span are counted piece by piece (pieces are separated
    by whitespace, so their counts add up) and only its tail is looked at for a sentence end;
    re-reading the whole span at each line made hard-wrapped text without full stops quadratic.
    """
    merged: list[tuple[int, int]] = []
    merged_words = 0
    for span in spans:
        words = count_words(text[span[0] : span[1]])
        if merged:
            start, end = merged[-1]
            if (
                merged_words >= 8
                and text[span[0]].islower()
                and not _ends_sentence(text, start, end)
            ):
                merged[-1] = (start, span[1])
                merged_words += words
                continue
        merged.append(span)
        merged_words = words
    return merged


_CLOSERS = frozenset("\"'”’»)]0123456789[")


def _ends_sentence(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` ends a sentence (closing quotes, brackets, footnote marks
    ignored). Scans back only over the trailing closers: a merged span starts its last piece
    with a lowercase letter, so the scan never re-reads earlier pieces."""
    while end > start and text[end - 1] in _CLOSERS:
        end -= 1
    return end > start and text[end - 1] in ".!?…:"
