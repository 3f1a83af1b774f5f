"""Cutting a document into passages a reader would call a passage, with exact offsets.

Paragraphs (separated by blank lines) are the unit: short neighbours are merged up to the target
size, and a paragraph longer than the maximum is split at sentence boundaries into windows that
overlap by a sentence. Sizes are in words, a CJK character counting as one (see
:data:`askcorpus.text.sentences.WORD`), so Chinese text too becomes passages of what the model
reads. A passage is also at most :func:`max_chars` characters long (text without spaces is cut
into pieces). Every passage's text is ``document.text[start:end]``, passages are never
empty, and together they cover every non-blank character of the document. Every step is linear
in the document's length, so no text, however odd, stalls a run.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence

from askcorpus.records import SHEET_KINDS, Document, Passage
from askcorpus.settings import ChunkingParams
from askcorpus.text.sentences import (
    WORD,
    clause_spans,
    count_words,
    paragraph_spans,
    sentence_spans,
    word_counter,
)

__all__ = [
    "CONTEXT_VERSION",
    "chunk_document",
    "chunk_spans",
    "count_words",
    "max_chars",
    "sentence_spans",
]

# Bumped whenever what a passage carries into search (its context line) changes, so cached
# benchmark indexes built with the old rule are rebuilt.
CONTEXT_VERSION = 2


def max_chars(params: ChunkingParams) -> int:
    """The hard maximum length of a passage in characters: ``CHARS_PER_WORD`` per allowed word.

    Words bound a passage only where there are spaces (or CJK characters, each a word): a 30 MB
    token or a minified file is one "word". Derived from ``max_words`` so the manifest's chunking
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


def _split_long(
    text: str, span: tuple[int, int], params: ChunkingParams, count: Callable[[str], int]
) -> list[tuple[int, int]]:
    """Windows of sentences for a paragraph longer than ``max_words`` (or the character limit),
    overlapping by a sentence. Linear in the paragraph: the words left after a window come from
    running totals, not a sum over the rest at each window."""
    limit = max_chars(params)
    sentences: list[tuple[int, int]] = []
    counts: list[int] = []
    for sentence in sentence_spans(text, *span):
        words = count(text[sentence[0] : sentence[1]])
        if words <= params.max_words and sentence[1] - sentence[0] <= limit:
            sentences.append(sentence)
            counts.append(words)
            continue
        # Too long: its CJK clauses (none in other text), then word windows of what is still
        # too long.
        for s in clause_spans(text, *sentence):
            words = count(text[s[0] : s[1]])
            if words > params.max_words or s[1] - s[0] > limit:
                for w in _word_windows(text, s[0], s[1], params.target_words, limit):
                    sentences.append(w)
                    counts.append(count(text[w[0] : w[1]]))
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
    count = word_counter(text)
    counts = [count(text[a:b]) for a, b in paragraphs]

    def flush() -> None:
        nonlocal group, group_words
        if group:
            result.append((paragraphs[group[0]][0], paragraphs[group[-1]][1], group[0] + 1))
        group, group_words = [], 0

    for i, (span, words) in enumerate(zip(paragraphs, counts, strict=True)):
        if words > params.max_words or span[1] - span[0] > limit:
            flush()
            result.extend((a, b, i + 1) for a, b in _split_long(text, span, params, count))
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
    return _absorb_runts(text, result, params, page, count)


def _absorb_runts(
    text: str,
    spans: list[tuple[int, int, int]],
    params: ChunkingParams,
    page: Callable[[int], int],
    count: Callable[[str], int],
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
            and count(text[pending[0] : end]) <= limit
            and page(pending[0]) == page(start)
        ):
            start, para = pending[0], pending[2]
        elif pending is not None:
            out.append(pending)
        pending = None
        if count(text[start:end]) < params.min_words:
            pending = (start, end, para)
        else:
            out.append((start, end, para))
    if pending is not None:
        if (
            out
            and pending[1] - out[-1][0] <= chars
            and count(text[out[-1][0] : pending[1]]) <= limit
            and page(out[-1][0]) == page(pending[0])
        ):
            out[-1] = (out[-1][0], pending[1], out[-1][2])
        else:
            out.append(pending)
    return out


_ROW = re.compile(r"^(.*?)(?:, )?row (\d+)$")


def row_range(first: str, last: str) -> str:
    """The section of a sheet passage from its first and last rows' sections ("Sheet Energy,
    row 12", "Sheet Energy, row 30") as one range ("Sheet Energy, rows 12–30"); ``first`` when
    they are not rows of one sheet."""
    a, b = _ROW.match(first), _ROW.match(last)
    if a is None or b is None or a.group(1) != b.group(1) or a.group(2) == b.group(2):
        return first
    prefix = f"{a.group(1)}, " if a.group(1) else ""
    return f"{prefix}rows {a.group(2)}–{b.group(2)}"


def chunk_document(document: Document, params: ChunkingParams) -> list[Passage]:
    """The passages of ``document``, each carrying title/section context for search."""
    passages = []
    spans = chunk_spans(document.text, params, document.page_starts[1:])
    heading_starts = {s.start for s in document.sections}
    # Document.section_at builds its list of starts per call: per passage that was
    # passages x sections, quadratic for a long page with many headings.
    section_starts = [s.start for s in document.sections]
    for ordinal, (start, end, paragraph) in enumerate(spans):
        # A passage opening with headings belongs to the last of them ("# Title / ## Intro /
        # text" is about Intro): look the section up where its first non-heading text starts.
        anchor = next(
            (a for a, _b in paragraph_spans(document.text, start, end) if a not in heading_starts),
            start,
        )
        at = bisect.bisect_right(section_starts, anchor) - 1
        section = document.sections[at].title if at >= 0 else None
        if section and document.kind in SHEET_KINDS:
            last = bisect.bisect_right(section_starts, end - 1) - 1
            section = row_range(section, document.sections[last].title)
        context = document.title
        if section and section != document.title:
            context = f"{document.title} — {section}"
        if context and document.text[start:end].lstrip().startswith(context):
            # The passage opens with its own title (a document's first lines): repeating it
            # would double the title's weight in the keyword index and the embedding.
            context = ""
        passages.append(
            Passage(
                source=document.source,
                ordinal=ordinal,
                start=start,
                end=end,
                text=document.text[start:end],
                paragraph=paragraph,
                page=document.page_at(start),
                section=section,
                context=context,
            )
        )
    return passages
