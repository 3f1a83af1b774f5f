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
    #: The document's own date (ISO ``YYYY-MM-DD``) where its metadata has one, else the day
    #: of the file's modification time (UTC); what ``after:``/``before:`` filters compare.
    date: str | None = None
    #: The main language of the text (ISO 639-1, e.g. "en", "ru", "zh") once detected.
    language: str | None = None

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
class KeywordQuery:
    """What the keyword side searches, independent of a backend's query language: an ``OR`` of
    clauses, each a word (one element) or a phrase (words that must stand together, in order),
    ranked by BM25. A spelling variant is a clause of its own, counting at its own rarity.

    Words arrive folded as the indexed text is (:mod:`askcorpus.text.fold`: Russian stems, CJK
    bigrams), lower-case; a backend adds only its own tokenizer's folding (the local store:
    FTS5's porter stemmer and diacritics).
    """

    clauses: tuple[tuple[str, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.clauses)


@dataclass(frozen=True, slots=True)
class PassageFilter:
    """Which passages a search may return, applied inside retrieval (both sides) so a narrow
    filter still yields its best ``k``. Every field narrows; an empty field does not.

    * ``folder``: the document's source is this folder (POSIX, relative to the corpus, no
      trailing slash) or lies below it;
    * ``kinds``: the document's kind is one of these;
    * ``after`` / ``before``: the document's :attr:`Document.date` is ``>= after`` and
      ``< before`` (ISO dates compared as strings; a document without a date never passes a
      date filter);
    * ``languages``: the document's language is one of these (``zh`` also matching rows stored
      as Wu or Cantonese, :attr:`stored_languages`);
    * ``required``: every one of these phrases (word tuples, matched as the keyword side matches
      a phrase clause) occurs in the passage;
    * ``excluded``: none of these words or phrases occurs in the passage;
    * ``exclude_sources``: the passage's document is none of these.
    """

    folder: str | None = None
    kinds: frozenset[DocumentKind] = frozenset()
    after: str | None = None
    before: str | None = None
    languages: frozenset[str] = frozenset()
    required: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[tuple[str, ...], ...] = ()
    exclude_sources: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        """True when the filter narrows anything."""
        return bool(
            self.folder
            or self.kinds
            or self.after
            or self.before
            or self.languages
            or self.required
            or self.excluded
            or self.exclude_sources
        )

    @property
    def stored_languages(self) -> list[str]:
        """The language codes a document row may hold to pass ``languages``, sorted: Chinese
        also as Wu and Cantonese, which indexes built before text.language folded them into
        ``zh`` hold for some Mandarin documents."""
        codes = set(self.languages)
        if "zh" in codes:
            codes |= {"wuu", "yue"}
        return sorted(codes)


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
    #: The document's date (:attr:`Document.date`).
    date: str | None = None
    #: The corpus folder the hit's index was built from (its manifest's ``corpus``).
    corpus: str | None = None
    #: Whether :attr:`highlight` and :attr:`matched_terms` are computed. A search highlights
    #: only its first hits (``Index.search(..., highlight=N)``); ``Index.highlight(result,
    #: first, last)`` computes the others' when they are shown.
    highlighted: bool = True

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
        return place_label(self.kind, self.page, self.section, self.paragraph, self.title)


def place_label(
    kind: DocumentKind, page: int | None, section: str | None, paragraph: int, title: str
) -> str:
    """The short label of :attr:`Hit.place` for a spot of a document (also for mentions)."""
    section = section or ""
    if kind in SLIDE_KINDS and page is not None:
        return f"slide {page}"
    if page is not None:
        return f"p. {page}"
    if kind in SHEET_KINDS and section:
        return section
    if kind == "epub" and section:
        return f"chapter: {section.split(' › ')[0]}"
    if kind == "email":
        return f"m{section[1:]}" if section.startswith("Message") else f"message: {title}"
    return f"¶ {paragraph}"


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
    #: Why ``answer_probability`` is None though the search had meaning to judge by (a
    #: question in a language the calibration does not read, …), a clause for the user. None
    #: when it was judged, or in keyword-only search.
    unjudged: str | None = None
    #: The question's terms found nowhere in the corpus (why an answer seems absent).
    absent_terms: tuple[str, ...] = ()
    #: When the answer seems absent: what the index may be missing that could hold it (files
    #: that could not be read, an interrupted build), one sentence each.
    caveats: tuple[str, ...] = ()
    #: What highlighting the hits not highlighted yet needs (None: every hit is highlighted).
    highlighting: Highlighting | None = None


@dataclass(frozen=True, slots=True)
class Highlighting:
    """How a result's hits are highlighted, kept so a hit left unhighlighted by the search
    gets later exactly the sentence and matched terms it would have got then."""

    #: The cleaned question the hits answer (query syntax removed).
    question: str
    #: Ranks of the hits whose tied sentences are told apart by embedding them (the top hit
    #: of each index searched; none in keyword-only search).
    dense_ranks: tuple[int, ...] = ()
    #: With several indexes searched together: which one each hit (by position) came from.
    origins: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file the indexer could not use, with a one-line reason."""

    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class ExcludedFile:
    """A file (or a folder, its source ending in "/") a rule of the corpus's
    ``.askcorpusignore`` left out: the rule as written and its line in that file."""

    source: str
    rule: str
    line: int = 0


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
    excluded: tuple[ExcludedFile, ...] = field(default=())
    #: Advice on the index's encoder for its documents' languages (rebuild with the
    #: multilingual one: askcorpus.indexer.languages), or "".
    advice: str = ""

    def summary(self) -> str:
        """One line, e.g. '2 added, 1 changed, 1 removed, 5 unchanged — 37 passages embedded in 3.1 s'."""
        line = (
            f"{self.added} added, {self.changed} changed, {self.removed} removed, "
            f"{self.unchanged} unchanged — {self.passages_embedded} passages embedded "
            f"in {self.seconds:.1f} s"
        )
        if self.skipped:
            line += f"; {len(self.skipped)} skipped"
        if self.excluded:
            line += f"; {len(self.excluded)} excluded by .askcorpusignore"
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
