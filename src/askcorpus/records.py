"""Typed, immutable records passed between the core modules, the CLI and the window."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

#: What kind of file a document was read from (its reader).
DocumentKind = Literal[
    "text",
    "markdown",
    "html",
    "pdf",
    "docx",
    "pptx",
    "xlsx",
    "csv",
    "odt",
    "ods",
    "odp",
    "rtf",
    "epub",
    "email",
    "image",
]
#: Kinds whose pages are slides, and kinds whose sections are sheets.
SLIDE_KINDS: frozenset[DocumentKind] = frozenset({"pptx", "odp"})
SHEET_KINDS: frozenset[DocumentKind] = frozenset({"xlsx", "ods", "csv"})
#: Which candidate list(s) found a hit: the embedding side, the keyword side, or both.
Via = Literal["dense", "keyword", "both"]
#: The phase of an indexing run a :class:`Progress` report belongs to.
Phase = Literal["reading", "embedding"]


@dataclass(frozen=True, slots=True)
class Section:
    """A heading inside a document: the character offset where its section starts."""

    start: int
    title: str


@dataclass(frozen=True, slots=True)
class Document:
    """One readable document of the corpus with its extracted text.

    ``source`` is the path relative to the corpus folder (POSIX separators); all passage offsets
    index ``text``. ``page_starts`` holds the offset where each page begins (PDFs, images);
    ``ocr_pages`` the 1-based pages whose text was read by OCR (see :meth:`is_ocr`).
    """

    source: str
    path: Path
    title: str
    text: str
    content_hash: str
    size: int
    mtime: float
    kind: DocumentKind = "text"
    page_starts: tuple[int, ...] = ()
    sections: tuple[Section, ...] = ()
    ocr_pages: tuple[int, ...] = ()

    def is_ocr(self, offset: int) -> bool:
        """Whether the text at ``offset`` was read by OCR (its quote may hold OCR errors)."""
        return bool(self.ocr_pages) and self.page_at(offset) in self.ocr_pages

    def page_at(self, offset: int) -> int | None:
        """The 1-based page number holding ``offset``, or None for documents without pages."""
        if not self.page_starts:
            return None
        return max(1, bisect.bisect_right(self.page_starts, offset))

    def section_at(self, offset: int) -> str | None:
        """The title of the section holding ``offset``, or None when none precedes it."""
        starts = [s.start for s in self.sections]
        i = bisect.bisect_right(starts, offset) - 1
        return self.sections[i].title if i >= 0 else None


@dataclass(frozen=True, slots=True)
class Passage:
    """A span of a document's text: ``text == document.text[start:end]``.

    ``context`` is what precedes the text when it is embedded and keyword-indexed (document title
    and section heading) so a passage cut from the middle keeps its subject.
    """

    source: str
    ordinal: int
    start: int
    end: int
    text: str
    paragraph: int
    page: int | None = None
    section: str | None = None
    context: str = ""

    @property
    def search_text(self) -> str:
        """The text embedded and keyword-indexed: context line, then the passage."""
        return f"{self.context}\n{self.text}" if self.context else self.text


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked answer: a passage, its document's title and how it was found."""

    rank: int
    score: float
    passage_id: int
    source: str
    title: str
    start: int
    end: int
    text: str
    paragraph: int
    page: int | None = None
    section: str | None = None
    highlight: tuple[int, int] | None = None
    matched_terms: tuple[str, ...] = ()
    via: Via = "dense"
    dense_score: float | None = None
    lexical_rank: int | None = None
    kind: DocumentKind = "text"
    #: The passage's page was read by OCR (a scan): its quote may hold OCR errors.
    ocr: bool = False

    @property
    def location(self) -> str:
        """Human-readable location: page (or slide) and paragraph where known."""
        parts = []
        if self.page is not None:
            parts.append(f"{'slide' if self.kind in SLIDE_KINDS else 'p.'} {self.page}")
        parts.append(f"¶ {self.paragraph}")
        return ", ".join(parts)

    @property
    def place(self) -> str:
        """Where the passage is, in the document's own terms, as a short label (JSON
        ``location``): "p. 2", "slide 3", "Sheet Energy", "chapter: The first treaty",
        "message 4: Visit of the delegation", else its paragraph ("¶ 7")."""
        section = self.section or ""
        if self.kind in SLIDE_KINDS and self.page is not None:
            return f"slide {self.page}"
        if self.page is not None:
            return f"p. {self.page}"
        if self.kind in SHEET_KINDS and section:
            return section
        if self.kind == "epub" and section:
            return f"chapter: {section.split(' › ')[0]}"
        if self.kind == "email":
            return f"m{section[1:]}" if section.startswith("Message") else f"message: {self.title}"
        return f"¶ {self.paragraph}"


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The answer to one question: ranked hits and whether any of them looks like an answer."""

    query: str
    hits: tuple[Hit, ...]
    answer_likely: bool = True
    note: str | None = None
    #: P(the corpus answers the question), from search.absence; None when not estimated
    #: (keyword-only search has no dense evidence).
    answer_probability: float | None = None
    #: The question's terms found nowhere in the corpus (why an answer seems absent).
    absent_terms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file the indexer could not use, with a one-line reason."""

    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class IndexReport:
    """What one run of the indexer did."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    passages_embedded: int = 0
    seconds: float = 0.0
    skipped: tuple[SkippedFile, ...] = field(default=())

    def summary(self) -> str:
        """One line, e.g. '2 added, 1 changed, 1 removed, 5 unchanged — 37 passages embedded in 3.1 s'."""
        line = (
            f"{self.added} added, {self.changed} changed, {self.removed} removed, "
            f"{self.unchanged} unchanged — {self.passages_embedded} passages embedded "
            f"in {self.seconds:.1f} s"
        )
        if self.skipped:
            line += f"; {len(self.skipped)} skipped"
        return line


@dataclass(frozen=True, slots=True)
class Progress:
    """A progress report from a long operation (indexing), for bars in the CLI and window."""

    phase: Phase
    done: int
    total: int
    files_done: int = 0
    files_total: int = 0
    elapsed: float = 0.0
