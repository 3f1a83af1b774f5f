"""Qt-free text helpers for the window: result snippets as escaped HTML, citations, offsets.

Everything that turns passage text into rich text goes through :func:`html.escape` here, so text
from a document is never interpreted as markup.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from askcorpus.records import Hit
from askcorpus.text.terms import term_matches


@dataclass(frozen=True, slots=True)
class SnippetStyle:
    """Colours (CSS strings) for a snippet, derived from the palette by the caller."""

    sentence_bg: str
    term_color: str


def snippet_span(hit: Hit, max_chars: int = 320) -> tuple[int, int]:
    """Offsets (relative to ``hit.text``) of the part of the passage worth showing in the list.

    The best sentence is always included; context before it is trimmed first, then after it,
    cutting at word boundaries.
    """
    text = hit.text
    if len(text) <= max_chars:
        return 0, len(text)
    if hit.highlight is not None:
        a, b = hit.highlight[0] - hit.start, hit.highlight[1] - hit.start
        a, b = max(0, a), min(len(text), b)
    else:
        a, b = 0, min(len(text), max_chars)
    if b - a >= max_chars:
        return a, _word_cut_right(text, a + max_chars)
    room = max_chars - (b - a)
    before = min(a, room // 3)
    start = _word_cut_left(text, a - before) if before < a else a
    end = _word_cut_right(text, min(len(text), b + (max_chars - (b - start))))
    return start, end


def _word_cut_left(text: str, pos: int) -> int:
    """``pos`` moved right to the start of a word."""
    while 0 < pos < len(text) and not text[pos - 1].isspace():
        pos += 1
    return pos


def _word_cut_right(text: str, pos: int) -> int:
    """``pos`` moved left to the end of a word."""
    if pos >= len(text):
        return len(text)
    cut = pos
    while cut > 0 and not text[cut].isspace():
        cut -= 1
    return cut if cut > 0 else pos


def _emphasised(text: str, terms: tuple[str, ...], style: SnippetStyle) -> str:
    """``text`` escaped, with the words that are one of ``terms`` (any spelling) in bold."""
    out: list[str] = []
    last = 0
    for m in term_matches(text, terms):
        out.append(html.escape(text[last : m.start()]))
        out.append(f'<b style="color:{style.term_color}">{html.escape(m.group(0))}</b>')
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def snippet_html(hit: Hit, style: SnippetStyle, max_chars: int = 320) -> str:
    """The list snippet of ``hit`` as HTML: best sentence on a tinted background, matched terms
    bold, everything else escaped. Whitespace is collapsed so line breaks in the source do not
    waste rows."""
    terms = hit.matched_terms
    s, e = snippet_span(hit, max_chars)
    text = hit.text
    if hit.highlight is not None:
        ha = min(max(hit.highlight[0] - hit.start, s), e)
        hb = min(max(hit.highlight[1] - hit.start, s), e)
    else:
        ha = hb = s
    parts = [
        _emphasised(_collapse(text[s:ha]), terms, style),
        f'<span style="background-color:{style.sentence_bg}">'
        f"{_emphasised(_collapse(text[ha:hb]), terms, style)}</span>"
        if hb > ha
        else "",
        _emphasised(_collapse(text[hb:e]), terms, style),
    ]
    prefix = "… " if s > 0 else ""
    suffix = " …" if e < len(text) else ""
    return prefix + "".join(parts) + suffix


def _collapse(text: str) -> str:
    """Runs of whitespace as one space (a snippet is one flowing paragraph)."""
    return re.sub(r"\s+", " ", text)


def citation(hit_text: str, title: str, path: Path | str, location: str) -> str:
    """A citation for the clipboard: the quoted passage, then title, path and location."""
    quoted = " ".join(hit_text.split())
    return f"“{quoted}”\n— {title}, {path}, {location}"


def location_text(paragraph: int, page: int | None, section: str | None) -> str:
    """'p. 3 · ¶ 12 · Methods' (the parts that are known)."""
    parts = []
    if page is not None:
        parts.append(f"p. {page}")
    parts.append(f"¶ {paragraph}")
    if section:
        parts.append(section)
    return " · ".join(parts)


class QtPositions:
    """Converts Python string offsets to positions in a QTextDocument holding the same text.

    Two things differ: characters outside the Basic Multilingual Plane (emoji, some CJK) count
    as two UTF-16 units in Qt, and a Windows line break ("\r\n") becomes one paragraph
    separator. Without this, highlights after an emoji or a CRLF would drift.
    """

    def __init__(self, text: str):
        self._astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
        self._dropped = [m.start() + 1 for m in re.finditer("\r\n", text)]

    def __call__(self, offset: int) -> int:
        if not self._astral and not self._dropped:
            return offset
        return (
            offset
            + bisect.bisect_left(self._astral, offset)
            - bisect.bisect_left(self._dropped, offset)
        )


def plain_tooltip(text: str) -> str:
    """``text`` as a tooltip that Qt cannot mistake for markup (Qt guesses rich text from
    content, so file names or titles holding tags would otherwise be rendered)."""
    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"


def menu_text(text: str) -> str:
    """``text`` for a menu item: '&' shown as itself, not as a mnemonic marker."""
    return text.replace("&", "&&")


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 document', '3 documents'."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def join_nonempty(parts: Iterable[str | None], sep: str = " · ") -> str:
    """The non-empty parts joined with ``sep``."""
    return sep.join(p for p in parts if p)
