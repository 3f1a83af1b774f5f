"""PowerPoint decks (.pptx, via python-pptx): each slide a page, its title a section.

A slide's text is its title, then its other text frames and tables in reading order (top to
bottom, then left to right; groups opened), then its speaker notes. Each slide starts a page, so
a passage's ``page`` is its slide number, and a section "Slide N: <title>". The document title
comes from the core properties, else the first slide's title. The archive passes
:mod:`askcorpus.ingest.formats.zipsafe`'s directory check before python-pptx opens it.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from askcorpus.ingest.formats import Extracted, UnreadableFile, register, require
from askcorpus.ingest.formats.builder import (
    TextBuilder,
    core_date,
    core_title,
    one_line,
    refuse_encrypted_office,
)
from askcorpus.ingest.formats.zipsafe import open_zip

_JUNK_TITLES = re.compile(r"^(?:untitled|presentation\d*|powerpoint presentation|title)$", re.I)


@register(".pptx")
def read_pptx(path: Path, raw: bytes) -> Extracted:
    """A deck's slide text, tables and notes; raises :class:`UnreadableFile` for bad files."""
    pptx = require("pptx", "PowerPoint (.pptx)")
    refuse_encrypted_office(raw, "PPTX")
    open_zip(raw, "PPTX").close()
    try:
        deck = pptx.Presentation(io.BytesIO(raw))
        slides = list(deck.slides)
    except Exception as exc:  # python-pptx and lxml raise many types on damaged packages
        detail = one_line(str(exc))[:80] or type(exc).__name__
        raise UnreadableFile(f"corrupt PPTX ({detail})") from exc

    out = TextBuilder()
    first_title: str | None = None
    for number, slide in enumerate(slides, start=1):
        out.page()
        title_shape = slide.shapes.title
        title = one_line(title_shape.text_frame.text) if title_shape is not None else ""
        first_title = first_title or title or None
        out.section(f"Slide {number}: {title}" if title else f"Slide {number}")
        if title:
            out.add(title)
        skip = title_shape.shape_id if title_shape is not None else None
        for block in _shape_blocks(slide.shapes, skip):
            out.add(block)
        if slide.has_notes_slide:
            notes = slide.notes_slide.notes_text_frame
            if notes is not None and notes.text.strip():
                out.add(f"Notes: {_frame_text(notes)}")
        if out.full:
            break
    if not slides:
        raise UnreadableFile("no slides")
    deck_title = core_title(deck, _JUNK_TITLES) or first_title
    return out.extracted("pptx", deck_title, path, date=core_date(deck))


def _reading_order(shape: Any) -> tuple[int, int]:
    return (shape.top or 0, shape.left or 0)


def _shape_blocks(shapes: Any, skip: int | None) -> list[str]:
    from pptx.shapes.group import GroupShape

    blocks: list[str] = []
    for shape in sorted(shapes, key=_reading_order):
        if skip is not None and shape.shape_id == skip:
            continue
        if isinstance(shape, GroupShape):
            blocks.extend(_shape_blocks(shape.shapes, None))
        elif getattr(shape, "has_table", False) and shape.has_table:
            rows = []
            for row in shape.table.rows:
                cells = [one_line(cell.text) for cell in row.cells]
                if any(cells):
                    rows.append(" | ".join(c for c in cells if c))
            if rows:
                blocks.append("\n".join(rows))
        elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            text = _frame_text(shape.text_frame)
            if text:
                blocks.append(text)
    return blocks


def _frame_text(frame: Any) -> str:
    """A text frame's paragraphs, one line each (bullets of a list stay separate lines)."""
    lines = (one_line(p.text) for p in frame.paragraphs)
    return "\n".join(line for line in lines if line)
