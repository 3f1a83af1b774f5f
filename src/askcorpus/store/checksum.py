"""Checksums of what an index shows: each document's record and each passage's quote.

SQLite's page checks see a garbled page structure, not a changed byte inside a stored text, so a
flipped byte would otherwise be quoted as the file's text. Each row therefore carries a CRC-32
(``zlib.crc32``, ~1 GB/s: a few microseconds for the hits of one search) of the UTF-8 of what it
shows, computed when it is written; readers compare before returning it
(:mod:`askcorpus.store.local.read`) and ``askcorpus status`` compares every row
(:func:`askcorpus.store.local.check.text_problems`). A CRC-32 catches every change of one byte (and
every burst up to 32 bits), and all other changes but one in 2**32.

Fields are joined with the unit separator, numbers written in decimal and a missing value as NUL,
so the same record always gives the same bytes.
"""

from __future__ import annotations

import zlib

_SEP = "\x1f"
_NULL = "\x00"  # a missing page or section, unlike an empty one


def _crc(parts: tuple[object, ...], text: str) -> int:
    head = _SEP.join(_NULL if p is None else str(p) for p in parts) + _SEP
    crc = zlib.crc32(head.encode("utf-8", "surrogatepass"))
    return zlib.crc32(text.encode("utf-8", "surrogatepass"), crc)


def document_checksum(
    source: str,
    title: str,
    kind: str,
    page_starts: str,
    sections: str,
    ocr_pages: str,
    date: str | None,
    language: str | None,
    text: str,
) -> int:
    """The checksum of a document row: what the reader shows (text, title, pages, sections,
    which pages were read by OCR, date, language) and what names it (source, kind).
    ``page_starts``, ``sections`` and ``ocr_pages`` are the stored JSON."""
    return _crc((source, title, kind, page_starts, sections, ocr_pages, date, language), text)


def passage_checksum(
    source: str,
    title: str,
    start: int,
    end: int,
    paragraph: int,
    page: int | None,
    section: str | None,
    text: str,
) -> int:
    """The checksum of a passage as a hit shows it: its document's source and title, its
    offsets, paragraph, page and section, and its ``text`` (the document's ``text[start:end]``).
    Covering the offsets means a changed offset is caught, not quoted as other characters."""
    return _crc((source, title, start, end, paragraph, page, section), text)
