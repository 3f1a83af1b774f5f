"""Stored rows back as records, each verified against its checksum: shared by every backend.

A backend selects :data:`PASSAGE_COLUMNS` (passages ``p`` joined to documents ``d``) or
:data:`DOCUMENT_COLUMNS` in this order; these functions check the row against the checksum it
was written with (:mod:`askcorpus.store.checksum`) and build the record, so a flipped byte or a
malformed field is an :class:`IndexCorruptError` naming the index, never a wrong quote.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from askcorpus.errors import IndexCorruptError
from askcorpus.records import Document, Section
from askcorpus.store.base import REBUILD, StoredPassage
from askcorpus.store.checksum import document_checksum, passage_checksum

#: The passage columns :func:`stored_passage` reads, in order (its text sliced from its document).
PASSAGE_COLUMNS = (
    'p.id, d.source, d.title, p.start, p."end", '
    'substr(d.text, p.start + 1, p."end" - p.start), p.paragraph, p.page, p.section, '
    "p.checksum, d.kind, d.ocr_pages, d.date"
)
#: The document columns :func:`document_record` reads, in order.
DOCUMENT_COLUMNS = (
    "source, title, text, content_hash, size, mtime, kind, page_starts, sections, checksum, "
    "ocr_pages, date, language"
)


def damaged_row(where: Path, what: str) -> IndexCorruptError:
    """The error for a row whose contents do not match their checksum."""
    return IndexCorruptError(
        f"index {where} is damaged: the stored text of {what} does not match its checksum",
        where,
        REBUILD,
    )


def stored_passage(row: Sequence[Any], where: Path) -> StoredPassage:
    """A row of :data:`PASSAGE_COLUMNS` as a passage, verified."""
    pid, source, title, start, end, text, paragraph, page, section, check, kind, ocr, date = row
    if passage_checksum(source, title, start, end, paragraph, page, section, text) != check:
        raise damaged_row(where, f"passage {pid} of {source}")
    # "[]" for every document without scans: parse only when a page may be an OCR page.
    from_ocr = ocr != "[]" and page is not None and page in json.loads(ocr)
    return StoredPassage(
        pid, source, title, start, end, text, paragraph, page, section, kind, from_ocr, date
    )


def document_record(row: Sequence[Any], where: Path) -> Document:
    """A row of :data:`DOCUMENT_COLUMNS` as a document, verified (~1 ms per MB of text)."""
    source, title, text, content_hash, size, mtime, kind, starts, sections, check = row[:10]
    ocr, date, language = row[10:13]
    meta = (source, title, kind, starts, sections, ocr, date, language)
    if document_checksum(*meta, text) != check:
        raise damaged_row(where, source)
    try:
        page_starts = tuple(int(p) for p in json.loads(starts))
        headings = tuple(Section(int(s), str(t)) for s, t in json.loads(sections))
        ocr_pages = tuple(int(p) for p in json.loads(ocr))
    except (ValueError, TypeError) as exc:
        raise IndexCorruptError(
            f"index {where} holds a malformed record for {source}", where, REBUILD
        ) from exc
    return Document(
        source=source,
        path=Path(source),
        title=title,
        text=text,
        content_hash=content_hash,
        size=int(size),
        mtime=float(mtime),
        kind=kind,
        page_starts=page_starts,
        sections=headings,
        ocr_pages=ocr_pages,
        date=date,
        language=language,
    )
