"""OpenDocument files (.odt, .ods, .odp, via odfpy): text, sheets and slides in document order.

* .odt: paragraphs, list items and frames in order; headings (``text:h``, by outline level)
  become sections with their enclosing headings; a table becomes one paragraph, a line a row.
* .ods: each sheet a section "Sheet <name>", one paragraph per row with the header carried
  along (:func:`askcorpus.ingest.formats.builder.add_rows`); repeated empty rows and cells are
  not expanded.
* .odp: each slide (``draw:page``) starts a page and a section "Slide N: <title>"; speaker notes
  follow as "Notes: ...".

The title comes from the metadata (``dc:title``), else the first heading or slide title. The
archive passes :mod:`askcorpus.ingest.formats.zipsafe`'s directory check before odfpy opens it,
and an encrypted (password-protected) file is recognised from its manifest.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from askcorpus.ingest.formats import Extracted, UnreadableFile, heading_sections, register, require
from askcorpus.ingest.formats.builder import MAX_CELLS, TextBuilder, add_rows, one_line
from askcorpus.ingest.formats.dates import first_date
from askcorpus.ingest.formats.zipsafe import open_zip, read_member
from askcorpus.records import DocumentKind

_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
_PRESENTATION = "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"
_DC = "http://purl.org/dc/elements/1.1/"
_META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
_ELEMENT, _TEXT_NODE = 1, 3
# Rows a filled ``table:number-rows-repeated`` row is expanded to (empty ones are never).
_MAX_REPEATED_ROWS = 100
# Not text of the document: comments' authors and dates, tracked deletions, a change log.
_SKIPPED = {
    (_OFFICE, "annotation"),
    (_TEXT, "tracked-changes"),
    (_TEXT, "note-citation"),
}
_NOTES = (_PRESENTATION, "notes")
_WHAT = {".odt": "ODT", ".ods": "ODS", ".odp": "ODP"}


@register(".odt", ".ods", ".odp")
def read_opendocument(path: Path, raw: bytes) -> Extracted:
    """An OpenDocument file's text; raises :class:`UnreadableFile` for bad files."""
    suffix = path.suffix.lower()
    what = _WHAT.get(suffix, "OpenDocument")
    opendocument = require("odf.opendocument", f"OpenDocument ({suffix})")
    archive = open_zip(raw, what)
    try:
        if "META-INF/manifest.xml" in archive.namelist():
            manifest = read_member(archive, "META-INF/manifest.xml", what, limit=16 << 20)
            if b"encryption-data" in manifest:
                raise UnreadableFile(
                    f"password-protected {what} — save it without a password to index it"
                )
    finally:
        archive.close()
    try:
        doc = opendocument.load(io.BytesIO(raw))
    except Exception as exc:  # odfpy and its XML parser raise many types on damaged files
        detail = one_line(str(exc))[:80] or type(exc).__name__
        raise UnreadableFile(f"corrupt {what} ({detail})") from exc

    # odfpy sets only the attribute of the document's own type.
    sheets, slides = getattr(doc, "spreadsheet", None), getattr(doc, "presentation", None)
    body = next((b for b in (sheets, slides, getattr(doc, "text", None)) if b is not None), None)
    if body is None:
        raise UnreadableFile(f"{what} holds no text, sheet or slides")
    kind: DocumentKind = "ods" if body is sheets else "odp" if body is slides else "odt"
    walker = _Walker()
    walker.walk(body)
    out = walker.out
    title = _meta_title(doc) or walker.first_title
    extracted = out.extracted(kind, title, path, date=_meta_date(doc))
    if walker.headings:
        extracted = dataclasses.replace(extracted, sections=heading_sections(walker.headings))
    return extracted


class _Walker:
    """Walks a body in document order, feeding paragraphs, pages and sections to a builder."""

    def __init__(self) -> None:
        self.out = TextBuilder()
        self.headings: list[tuple[int, int, str]] = []
        self.first_title: str | None = None
        self._slides = 0

    def walk(self, node: Any) -> None:
        self.walk_nodes(node.childNodes)

    def walk_nodes(self, nodes: list[Any]) -> None:
        for child in nodes:
            if self.out.full:
                return
            if child.nodeType != _ELEMENT or child.qname in _SKIPPED:
                continue
            ns, name = child.qname
            if ns == _TEXT and name in ("p", "h"):
                text = _inline_text(child)
                if name == "h" and text:
                    level = _int(child.getAttrNS(_TEXT, "outline-level"), 1)
                    self.headings.append((self.out.next_start, level, one_line(text)))
                    self.first_title = self.first_title or one_line(text)
                self.out.add(text)
                # Frames anchored in the paragraph (text boxes) follow it.
                for frame in _descendants(child, (_DRAW, "text-box")):
                    self.walk(frame)
            elif ns == _TABLE and name == "table":
                self._table(child)
            elif ns == _DRAW and name == "page":
                self._slide(child)
            else:
                self.walk(child)

    def _table(self, table: Any) -> None:
        rows, numbers = _table_rows(table)
        if _is_sheet(table):
            name = f"Sheet {table.getAttrNS(_TABLE, 'name') or ''}".strip()
            self.out.section(name)
            add_rows(self.out, rows, where=name, numbers=numbers)
        else:
            lines = [" | ".join(c for c in row if c) for row in rows]
            self.out.add("\n".join(line for line in lines if line))

    def _slide(self, page: Any) -> None:
        self._slides += 1
        self.out.page()
        title = ""
        for frame in _descendants(page, (_DRAW, "frame")):
            if frame.getAttrNS(_PRESENTATION, "class") == "title":
                title = one_line(_inline_text(frame))
                break
        self.first_title = self.first_title or title or None
        number = self._slides
        self.out.section(f"Slide {number}: {title}" if title else f"Slide {number}")
        notes = [c for c in page.childNodes if c.nodeType == _ELEMENT and c.qname == _NOTES]
        self.walk_nodes([c for c in page.childNodes if c not in notes])
        lines = [one_line(_inline_text(p)) for n in notes for p in _descendants(n, (_TEXT, "p"))]
        text = "\n".join(line for line in lines if line)
        if text:
            self.out.add(f"Notes: {text}")


def _is_sheet(table: Any) -> bool:
    parent = table.parentNode
    return parent is not None and parent.qname == (_OFFICE, "spreadsheet")


def _int(value: object, default: int) -> int:
    try:
        return max(1, int(str(value)))
    except (TypeError, ValueError):
        return default


def _descendants(node: Any, qname: tuple[str, str]) -> Iterator[Any]:
    for child in node.childNodes:
        if child.nodeType != _ELEMENT:
            continue
        if child.qname == qname:
            yield child
        else:
            yield from _descendants(child, qname)


def _inline_text(node: Any) -> str:
    """A paragraph's text: runs, spaces (``text:s``), tabs and line breaks; not annotations,
    and not the paragraphs of frames anchored in it (they follow as paragraphs of their own)."""
    parts: list[str] = []

    def visit(n: Any) -> None:
        for child in n.childNodes:
            if child.nodeType == _TEXT_NODE:
                parts.append(child.data)
                continue
            if child.nodeType != _ELEMENT or child.qname in _SKIPPED:
                continue
            ns, name = child.qname
            if ns == _TEXT and name == "s":
                parts.append(" " * min(_int(child.getAttrNS(_TEXT, "c"), 1), 100))
            elif ns == _TEXT and name == "tab":
                parts.append(" ")
            elif ns == _TEXT and name == "line-break":
                parts.append("\n")
            elif ns == _DRAW and name == "frame":
                continue
            elif ns == _TEXT and name in ("p", "h") and parts:
                parts.append("\n")
                visit(child)
            else:
                visit(child)

    visit(node)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _table_rows(table: Any) -> tuple[list[list[str]], list[int]]:
    """The table's rows and each one's 1-based number in the sheet (repeats counted in full,
    though an empty repeat is kept once and a filled one at most ``_MAX_REPEATED_ROWS`` times)."""
    rows: list[list[str]] = []
    numbers: list[int] = []
    next_number = 1
    for row in _descendants_rows(table):
        row_repeat = _int(row.getAttrNS(_TABLE, "number-rows-repeated"), 1)
        cells: list[str] = []
        for cell in row.childNodes:
            if cell.nodeType != _ELEMENT or cell.qname[1] not in (
                "table-cell",
                "covered-table-cell",
            ):
                continue
            value = one_line(_inline_text(cell))
            repeat = _int(cell.getAttrNS(_TABLE, "number-columns-repeated"), 1)
            # Empty trailing cells repeated to column 16,384 are only padding.
            cells.extend([value] * (min(repeat, MAX_CELLS) if value else min(repeat, 1)))
            if len(cells) >= MAX_CELLS:
                break
        kept = 1 if not any(cells) else min(row_repeat, _MAX_REPEATED_ROWS)
        rows.extend([cells if any(cells) else []] * kept)
        numbers.extend(range(next_number, next_number + kept))
        next_number += row_repeat
    return rows, numbers


def _descendants_rows(table: Any) -> Iterator[Any]:
    """A table's rows, also those inside row groups and header-row blocks (not nested tables)."""
    for child in table.childNodes:
        if child.nodeType != _ELEMENT:
            continue
        if child.qname == (_TABLE, "table-row"):
            yield child
        elif child.qname[0] == _TABLE and child.qname[1] != "table":
            yield from _descendants_rows(child)


def _meta_title(doc: Any) -> str | None:
    try:
        for node in _descendants(doc.meta, (_DC, "title")):
            title = one_line(_inline_text(node))
            if len(title) >= 3:
                return title[:200]
    except Exception:  # damaged metadata must not cost the document's text
        return None
    return None


def _meta_date(doc: Any) -> str | None:
    """``meta:creation-date``, else ``dc:date`` (when it was last saved)."""
    try:
        values = [
            _inline_text(node)
            for qname in ((_META, "creation-date"), (_DC, "date"))
            for node in _descendants(doc.meta, qname)
        ]
    except Exception:  # damaged metadata must not cost the document's text
        return None
    return first_date(*values)
