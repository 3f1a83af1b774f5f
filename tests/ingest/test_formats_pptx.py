"""PowerPoint (.pptx) reading: slides as pages, titles as sections, tables, notes, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from askcorpus.ingest.documents import discover, load_document
from askcorpus.ingest.formats import UnreadableFile
from askcorpus.ingest.formats.builder import OLE_MAGIC
from askcorpus.ingest.formats.pptx import read_pptx
from askcorpus.settings import ChunkingParams
from askcorpus.text.chunking import chunk_document

from .zipbombs import add_bomb_member, truncated


def make_deck(path: Path, title: str | None = None) -> Path:
    """Three slides: a title slide, a bullet slide with notes, a table slide."""
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    if title:
        deck.core_properties.title = title
    s1 = deck.slides.add_slide(deck.slide_layouts[0])
    s1.shapes.title.text = "Arctic Shipping Outlook"
    s1.placeholders[1].text = "Briefing for the ports committee"
    s2 = deck.slides.add_slide(deck.slide_layouts[1])
    s2.shapes.title.text = "Northern Sea Route"
    body = s2.placeholders[1].text_frame
    body.text = "Transit voyages rose to 92 in 2024."
    body.add_paragraph().text = "Icebreaker escort is mandatory east of Dikson."
    s2.notes_slide.notes_text_frame.text = "Mention the Sabetta terminal."
    s3 = deck.slides.add_slide(deck.slide_layouts[5])
    s3.shapes.title.text = "Cargo by port"
    table = s3.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(6), Inches(1)).table
    for r, row in enumerate([["Port", "Tonnes"], ["Murmansk", "61 million"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    deck.save(str(path))
    return path


def read(path: Path):  # noqa: ANN201
    return read_pptx(path, path.read_bytes())


def test_slides_are_pages_and_sections_with_tables_and_notes(tmp_path: Path) -> None:
    ex = read(make_deck(tmp_path / "deck.pptx"))
    assert ex.kind == "pptx"
    assert ex.text.split("\n\n") == [
        "Arctic Shipping Outlook",
        "Briefing for the ports committee",
        "Northern Sea Route",
        "Transit voyages rose to 92 in 2024.\nIcebreaker escort is mandatory east of Dikson.",
        "Notes: Mention the Sabetta terminal.",
        "Cargo by port",
        "Port | Tonnes\nMurmansk | 61 million",
    ]
    assert [s.title for s in ex.sections] == [
        "Slide 1: Arctic Shipping Outlook",
        "Slide 2: Northern Sea Route",
        "Slide 3: Cargo by port",
    ]
    assert ex.page_starts == tuple(s.start for s in ex.sections)
    assert ex.page_starts[0] == 0
    for s in ex.sections:
        assert ex.text[s.start :].startswith(s.title.split(": ", 1)[1])
    assert ex.title == "Arctic Shipping Outlook"


def test_title_from_properties_and_passages_carry_the_slide_number(tmp_path: Path) -> None:
    assert read(make_deck(tmp_path / "a.pptx", title="Ports Briefing 2025")).title == (
        "Ports Briefing 2025"
    )
    (tmp_path / "a.pptx").unlink()
    make_deck(tmp_path / "deck.pptx")
    entries, _ = discover(tmp_path)
    doc = load_document(entries[0], 10**8)
    passages = chunk_document(doc, ChunkingParams(target_words=6, max_words=20, min_words=2))
    murmansk = next(p for p in passages if "Murmansk" in p.text)
    assert murmansk.page == 3
    assert murmansk.section == "Slide 3: Cargo by port"
    dikson = next(p for p in passages if "Dikson" in p.text)
    assert dikson.page == 2
    assert all(doc.text[p.start : p.end] == p.text for p in passages)


def test_bad_decks_are_skipped_with_a_reason(tmp_path: Path) -> None:
    good = make_deck(tmp_path / "good.pptx")
    with pytest.raises(UnreadableFile, match=r"^corrupt PPTX"):
        read(truncated(good, tmp_path / "half.pptx"))
    (tmp_path / "text.pptx").write_bytes(b"not a deck at all")
    with pytest.raises(UnreadableFile, match=r"^corrupt PPTX"):
        read(tmp_path / "text.pptx")
    (tmp_path / "locked.pptx").write_bytes(OLE_MAGIC + b"\0" * 600)
    with pytest.raises(UnreadableFile, match=r"^password-protected"):
        read(tmp_path / "locked.pptx")
    bomb = add_bomb_member(good, tmp_path / "bomb.pptx", "ppt/slides/slide1.xml")
    with pytest.raises(UnreadableFile, match=r"zip bomb"):
        read(bomb)


def test_a_deck_larger_than_the_text_limit_is_read_like_a_docx(tmp_path: Path) -> None:
    # Decks and books are mostly images: like PDF and DOCX they may be larger on disk than the
    # text limit, whose bound on the text still holds after reading.
    path = make_deck(tmp_path / "deck.pptx")
    entries, _ = discover(tmp_path)
    doc = load_document(entries[0], path.stat().st_size // 2)
    assert "Murmansk" in doc.text
