"""Assembling a document's text from blocks, with pages and sections at exact offsets.

The slide, sheet, e-book and mail readers all produce paragraphs in order, some starting a page
(a slide) or a section (a sheet, a chapter, a message). :class:`TextBuilder` joins them with
blank lines and records each mark at the offset its paragraph starts in the joined text, so
offsets index exactly the text that is stored. It also bounds the text: past ``limit``
characters it stops taking paragraphs and says so (``truncated``), so a million-row sheet
costs at most the limit in memory.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from itertools import count
from typing import Any

from askcorpus.ingest.formats import Extracted, UnreadableFile
from askcorpus.ingest.formats.dates import first_date
from askcorpus.records import DocumentKind, Section

log = logging.getLogger(__name__)

#: Characters a reader takes from one file. The loader's own limit (64 MB by default) applies
#: after; this one keeps a streamed reader (a huge sheet) from building more than that first.
TEXT_LIMIT = 64 * 1024 * 1024

# An OLE compound file: what Office writes for a password-protected (encrypted) .docx/.pptx/.xlsx.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def refuse_encrypted_office(raw: bytes, what: str) -> None:
    """Raise :class:`UnreadableFile` for an encrypted OOXML file (an OLE container, not a zip)."""
    if raw.startswith(OLE_MAGIC):
        raise UnreadableFile(
            f"password-protected or legacy binary {what} — save it unprotected as {what} to index it"
        )


def one_line(text: str) -> str:
    """Whitespace runs (newlines too) collapsed to single spaces."""
    return " ".join(text.split())


class TextBuilder:
    """Paragraphs joined by blank lines, with page starts and sections at exact offsets."""

    def __init__(self, limit: int = TEXT_LIMIT) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._limit = limit
        self._pending_sections: list[str] = []
        self.page_starts: list[int] = []
        self.sections: list[Section] = []
        self.truncated = False
        self.row_marks = 0  # rows given a section of their own (add_rows)

    @property
    def full(self) -> bool:
        """True once the limit is reached: further paragraphs are dropped."""
        return self.truncated

    @property
    def next_start(self) -> int:
        """The offset the next paragraph will start at."""
        return self._length + 2 if self._parts else 0

    def page(self) -> None:
        """A new page (a slide) starts with the next paragraph, even if the page has none."""
        if not self.truncated:
            self.page_starts.append(self.next_start)

    def section(self, title: str) -> None:
        """The next paragraph starts a section called ``title``."""
        title = one_line(title)[:200]
        if title:
            self._pending_sections.append(title)

    def add(self, paragraph: str) -> bool:
        """Append a paragraph (blank ones are dropped); False once the limit is reached."""
        if self.truncated:
            return False
        paragraph = paragraph.strip("\n")
        if not paragraph.strip():
            return True
        start = self._length + (2 if self._parts else 0)
        if start + len(paragraph) > self._limit:
            self.truncated = True
            return False
        for title in self._pending_sections:
            self.sections.append(Section(start, title))
        self._pending_sections.clear()
        self._parts.append(paragraph)
        self._length = start + len(paragraph)
        return True

    @property
    def text(self) -> str:
        return "\n\n".join(self._parts)

    def extracted(
        self, kind: DocumentKind, title: str | None, path: object, date: str | None = None
    ) -> Extracted:
        """The result (``date``: the document's own, ISO); logs a note when the text was cut
        at the limit."""
        if self.truncated:
            log.warning(
                "%s: text cut at %d million characters (the rest is not indexed)",
                path,
                self._limit // 1_000_000,
            )
        # A section holding no text (several marks at one offset) keeps only its last title.
        sections: dict[int, Section] = {}
        for s in self.sections:
            sections[s.start] = s
        return Extracted(
            text=self.text,
            title=title,
            kind=kind,
            # A last page without text starts at the end of the text, not past it.
            page_starts=tuple(min(p, self._length) for p in self.page_starts),
            sections=tuple(sections.values()),
            date=date,
        )


#: Cells read from one row of a sheet, and characters kept from one cell.
MAX_CELLS = 256
MAX_CELL_CHARS = 2000


def cell_text(value: object) -> str:
    """A cell's value as one line: whole floats without ".0", dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    iso = getattr(value, "isoformat", None)
    if callable(iso):
        text = str(iso())
        return text[:-9] if text.endswith("T00:00:00") else text
    return one_line(str(value))[:MAX_CELL_CHARS]


def _is_header(cells: list[str]) -> bool:
    """A first row that names columns: two or more cells, all filled, none a number."""
    if len(cells) < 2 or not all(cells):
        return False
    return not any(_looks_numeric(c) for c in cells)


def _looks_numeric(text: str) -> bool:
    try:
        float(text.replace(",", "").replace("%", ""))
    except ValueError:
        return False
    return True


def add_rows(
    out: TextBuilder,
    rows: Iterable[Iterable[object]],
    where: str | None = None,
    numbers: Iterable[int] | None = None,
) -> int:
    """Append a table's rows, one paragraph each, cells joined by " | ".

    When the first filled row looks like a header, every later row carries it
    ("Country: Russia | Exports: 12"), so a row found alone says what its numbers are. A row is a
    paragraph of its own so the chunker merges whole rows and never cuts one. Returns the rows
    added; stops at the builder's limit.

    With ``where`` (the sheet's section title, "" for a lone table), each row starts a section
    "<where>, row N" (N: the row's number in the sheet, from ``numbers``, else counted from 1),
    which the chunker turns into a passage's range ("Sheet Energy, rows 12–30"). Past
    :data:`MAX_ROW_MARKS` rows in one file, rows are no longer marked: one last section
    "<where>, from row N" covers the rest, so no passage claims a wrong row.
    """
    header: list[str] | None = None
    header_number = 1
    added = 0
    for number, raw_row in zip(numbers if numbers is not None else count(1), rows, strict=False):
        cells = [cell_text(v) for _i, v in zip(range(MAX_CELLS), raw_row, strict=False)]
        while cells and not cells[-1]:
            cells.pop()
        if not any(cells):
            continue
        if header is None and added == 0:
            if _is_header(cells):
                header, header_number = cells, number
                continue
            header = []
        if header:
            parts = [
                f"{header[i]}: {c}" if i < len(header) and header[i] else c
                for i, c in enumerate(cells)
                if c
            ]
        else:
            parts = [c for c in cells if c]
        if where is not None:
            _mark_row(out, where, number)
        if not out.add(" | ".join(parts)):
            break
        added += 1
    if header and not added:  # a sheet holding only its header row still says what it is
        if where is not None:
            _mark_row(out, where, header_number)
        out.add(" | ".join(header))
    return added


#: Rows of one file marked with their number (a section each); see :func:`add_rows`.
MAX_ROW_MARKS = 20_000


def _mark_row(out: TextBuilder, where: str, number: int) -> None:
    prefix = f"{where}, " if where else ""
    if out.row_marks < MAX_ROW_MARKS:
        out.section(f"{prefix}row {number}")
    elif out.row_marks == MAX_ROW_MARKS:
        out.section(f"{prefix}from row {number}")
    out.row_marks += 1


def core_date(package: Any) -> str | None:
    """The creation date in an Office package's core properties (python-docx, python-pptx,
    openpyxl's ``properties``), else its last-modified date; None when neither is readable."""
    try:
        props = getattr(package, "core_properties", None) or getattr(package, "properties", None)
        return first_date(getattr(props, "created", None), getattr(props, "modified", None))
    except Exception:  # damaged docProps must not cost the document's text
        return None


def core_title(package: Any, junk: re.Pattern[str]) -> str | None:
    """The title in an Office package's core properties (python-docx, python-pptx), unless it
    is empty, too short or a placeholder the application wrote (``junk``)."""
    try:
        title = (package.core_properties.title or "").strip()
    except Exception:  # damaged docProps must not cost the document's text
        return None
    if len(title) < 3 or junk.match(title):
        return None
    return title[:200]
