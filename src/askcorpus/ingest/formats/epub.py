"""E-books (.epub, via ebooklib): chapters in spine order, each chapter a section.

Each chapter (an XHTML document of the spine) is read by the HTML reader
(:func:`askcorpus.ingest.formats.html.read_html`), so a chapter's text, entities and headings
come out as a saved web page's would. The chapter's section is its table-of-contents title,
else its own title or first heading; its inner headings follow as "Chapter › Heading". The
book's title comes from its metadata (``dc:title``). The archive passes
:mod:`askcorpus.ingest.formats.zipsafe`'s directory check before ebooklib opens it; a book whose
chapters are encrypted (DRM) is refused with a reason.
"""

from __future__ import annotations

import io
import posixpath
import warnings
from pathlib import Path
from typing import Any

from askcorpus.ingest.formats import Extracted, UnreadableFile, register, require
from askcorpus.ingest.formats.builder import TextBuilder, one_line
from askcorpus.ingest.formats.dates import first_date
from askcorpus.ingest.formats.html import read_html
from askcorpus.ingest.formats.zipsafe import open_zip, read_member
from askcorpus.records import Section


@register(".epub")
def read_epub(path: Path, raw: bytes) -> Extracted:
    """A book's chapters in reading order; raises :class:`UnreadableFile` for bad files."""
    ebooklib = require("ebooklib.epub", "EPUB (.epub)")
    archive = open_zip(raw, "EPUB")
    try:
        if "META-INF/encryption.xml" in archive.namelist():
            encryption = read_member(archive, "META-INF/encryption.xml", "EPUB", limit=16 << 20)
            # Font obfuscation also lists itself here; only encrypted chapters stop us.
            if b".xhtml" in encryption or b".html" in encryption:
                raise UnreadableFile("DRM-protected EPUB (its chapters are encrypted) — skipped")
    finally:
        archive.close()
    try:
        with warnings.catch_warnings():  # ebooklib warns about its own future defaults
            warnings.simplefilter("ignore")
            book = ebooklib.read_epub(io.BytesIO(raw), {"ignore_ncx": False})
    except Exception as exc:  # ebooklib and lxml raise many types on damaged books
        detail = one_line(str(exc))[:80] or type(exc).__name__
        raise UnreadableFile(f"corrupt EPUB ({detail})") from exc

    toc = _toc_titles(book.toc)
    out = TextBuilder()
    number = 0
    for idref, _linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or not hasattr(item, "get_content"):
            continue
        try:
            chapter = read_html(path, item.get_content())
        except UnreadableFile:  # a cover image page, an empty separator
            continue
        number += 1
        name = toc.get(item.get_name()) or chapter.title
        name = one_line(name or f"Chapter {number}")[:200]
        start = out.next_start
        out.section(name)
        if not out.add(chapter.text):
            break
        for inner in chapter.sections:
            if inner.title != name:
                out.sections.append(Section(start + inner.start, f"{name} › {inner.title}"[:200]))
    if not number:
        raise UnreadableFile("no readable chapter in this EPUB")
    return out.extracted("epub", _title(book), path, date=_date(book))


def _toc_titles(toc: Any, out: dict[str, str] | None = None) -> dict[str, str]:
    """Chapter file name -> its table-of-contents title (the first entry naming the file)."""
    out = {} if out is None else out
    if toc is not None and not isinstance(toc, tuple | list):
        toc = [toc]  # ebooklib gives a lone Link, not a list, for a one-entry table of contents
    for entry in toc or ():
        if isinstance(entry, tuple | list):  # (section, children)
            head, children = entry[0], entry[1] if len(entry) > 1 else ()
            _toc_titles([head], out)
            _toc_titles(children, out)
            continue
        href = getattr(entry, "href", None)
        title = getattr(entry, "title", None)
        if href and title:
            out.setdefault(posixpath.normpath(href.split("#", 1)[0]), str(title))
    return out


def _title(book: Any) -> str | None:
    try:
        values = book.get_metadata("DC", "title")
    except Exception:  # damaged metadata must not cost the book's text
        return None
    for value, _attrs in values or ():
        title = one_line(str(value))
        if len(title) >= 3:
            return title[:200]
    return None


def _date(book: Any) -> str | None:
    """The book's ``dc:date`` (publication; EPUB 2 may list several, the first counts)."""
    try:
        values = book.get_metadata("DC", "date")
    except Exception:  # damaged metadata must not cost the book's text
        return None
    return first_date(*(str(value) for value, _attrs in values or ()))
