"""A frozen copy of the passage cutter as it was before CJK text was counted per character
(text/sentences.py and text/chunking.py at b8e53d7, chunk_document left out): the oracle that
proves text without CJK characters is cut exactly as before. Do not edit.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence

from askcorpus.settings import ChunkingParams

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


# Bumped whenever what a passage carries into search (its context line) changes, so cached
# benchmark indexes built with the old rule are rebuilt.
CONTEXT_VERSION = 2


def max_chars(params: ChunkingParams) -> int:
    """The hard maximum length of a passage in characters: ``CHARS_PER_WORD`` per allowed word.

    Words bound a passage only where there are spaces: a 30 MB token, a minified file or a
    paragraph of Chinese is one "word". Derived from ``max_words`` so the manifest's chunking
    parameters still say everything, and the whole-document evaluation mode (huge word limits)
    stays unsplit.
    """
    return params.max_words * CHARS_PER_WORD


# Ordinary prose averages 5-7 characters a word with its space: at 20 a passage of real words
# never meets the character limit, which exists for text without spaces.
CHARS_PER_WORD = 20
# Where a run without spaces must be cut, prefer just after punctuation in the last half.
_SOFT_CUT = re.compile(r"[.!?;,:。！？；，、)\]}>/|_-]")


def _hard_cuts(text: str, start: int, end: int, limit: int) -> Iterator[tuple[int, int]]:
    """Pieces of at most ``limit`` characters covering ``text[start:end]`` (no whitespace in it),
    cut after punctuation where there is some, else at the limit (not before a combining mark)."""
    while end - start > limit:
        cut = start + limit
        soft = max((m.end() for m in _SOFT_CUT.finditer(text, start + limit // 2, cut)), default=0)
        if soft:
            cut = soft
        else:
            back = cut
            while back > start + limit // 2 and unicodedata.combining(text[back]):
                back -= 1
            cut = back if back > start + limit // 2 else cut
        yield start, cut
        start = cut
    yield start, end


def _word_windows(
    text: str, start: int, end: int, size: int, limit: int
) -> Iterator[tuple[int, int]]:
    """Split an over-long sentence into windows of ``size`` words and at most ``limit``
    characters (no sentence boundary to use); a word longer than ``limit`` is cut into pieces."""
    win_start = win_end = -1
    count = 0
    for m in WORD.finditer(text, start, end):
        a, b = m.span()
        if win_start >= 0 and (count >= size or b - win_start > limit):
            yield win_start, win_end
            win_start, count = -1, 0
        if b - a > limit:
            *pieces, (a, _b) = _hard_cuts(text, a, b, limit)
            yield from pieces
        if win_start < 0:
            win_start = a
        win_end = b
        count += 1
    if win_start >= 0:
        yield win_start, win_end


def _split_long(text: str, span: tuple[int, int], params: ChunkingParams) -> list[tuple[int, int]]:
    """Windows of sentences for a paragraph longer than ``max_words`` (or the character limit),
    overlapping by a sentence. Linear in the paragraph: the words left after a window come from
    running totals, not a sum over the rest at each window."""
    limit = max_chars(params)
    sentences: list[tuple[int, int]] = []
    counts: list[int] = []
    for s in sentence_spans(text, *span):
        words = count_words(text[s[0] : s[1]])
        if words > params.max_words or s[1] - s[0] > limit:
            for w in _word_windows(text, s[0], s[1], params.target_words, limit):
                sentences.append(w)
                counts.append(count_words(text[w[0] : w[1]]))
        else:
            sentences.append(s)
            counts.append(words)
    after = [0] * (len(counts) + 1)  # after[j] = words in sentences[j:]
    for k in range(len(counts) - 1, -1, -1):
        after[k] = after[k + 1] + counts[k]
    windows = []
    i = 0
    while i < len(sentences):
        j, words = i, 0
        while j < len(sentences) and (
            j == i
            or (
                words < params.target_words
                and words + counts[j] <= params.max_words
                and sentences[j][1] - sentences[i][0] <= limit
            )
        ):
            words += counts[j]
            j += 1
        # Avoid a runt window at the end: absorb the remainder if it fits.
        rest = after[j]
        if (
            j < len(sentences)
            and rest < params.min_words
            and words + rest <= params.max_words
            and sentences[-1][1] - sentences[i][0] <= limit
        ):
            j = len(sentences)
        windows.append((sentences[i][0], sentences[j - 1][1]))
        if j >= len(sentences):
            break
        i = max(j - params.overlap_sentences, i + 1)
    return windows


def chunk_spans(
    text: str, params: ChunkingParams, breaks: Sequence[int] = ()
) -> list[tuple[int, int, int]]:
    """``(start, end, paragraph_number)`` for each passage of ``text`` (paragraphs 1-based).

    No passage crosses an offset in ``breaks`` (page starts), so a passage's page is the page
    its answer is on.
    """
    breaks = sorted(breaks)
    limit = max_chars(params)

    def page(offset: int) -> int:
        return bisect.bisect_right(breaks, offset)

    result: list[tuple[int, int, int]] = []
    group: list[int] = []  # indexes into paragraphs, merged into one passage
    group_words = 0
    paragraphs = paragraph_spans(text)
    counts = [count_words(text[a:b]) for a, b in paragraphs]

    def flush() -> None:
        nonlocal group, group_words
        if group:
            result.append((paragraphs[group[0]][0], paragraphs[group[-1]][1], group[0] + 1))
        group, group_words = [], 0

    for i, (span, words) in enumerate(zip(paragraphs, counts, strict=True)):
        if words > params.max_words or span[1] - span[0] > limit:
            flush()
            result.extend((a, b, i + 1) for a, b in _split_long(text, span, params))
            continue
        if group and (
            group_words >= params.target_words
            or group_words + words > params.max_words
            or span[1] - paragraphs[group[0]][0] > limit
            or page(paragraphs[group[0]][0]) != page(span[0])
        ):
            flush()
        group.append(i)
        group_words += words
    flush()
    return _absorb_runts(text, result, params, page)


def _absorb_runts(
    text: str,
    spans: list[tuple[int, int, int]],
    params: ChunkingParams,
    page: Callable[[int], int],
) -> list[tuple[int, int, int]]:
    """Glue passages under ``min_words`` (headings, a last line) onto a neighbour.

    A runt joins the passage after it (a heading belongs with its text); a runt at the very end
    joins the passage before it.
    """
    out: list[tuple[int, int, int]] = []
    pending: tuple[int, int, int] | None = None
    limit = params.max_words + params.min_words
    chars = max_chars(params)
    for start, end, para in spans:
        if (
            pending is not None
            and end - pending[0] <= chars
            and count_words(text[pending[0] : end]) <= limit
            and page(pending[0]) == page(start)
        ):
            start, para = pending[0], pending[2]
        elif pending is not None:
            out.append(pending)
        pending = None
        if count_words(text[start:end]) < params.min_words:
            pending = (start, end, para)
        else:
            out.append((start, end, para))
    if pending is not None:
        if (
            out
            and pending[1] - out[-1][0] <= chars
            and count_words(text[out[-1][0] : pending[1]]) <= limit
            and page(out[-1][0]) == page(pending[0])
        ):
            out[-1] = (out[-1][0], pending[1], out[-1][2])
        else:
            out.append(pending)
    return out
