"""PDF pages for the reading pane (Qt-free): every passage is found and marked on its page,
the marks sit on the printed text, renders are cached and can be cancelled."""

from __future__ import annotations

import threading
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from askcorpus.gui.page_render import (
    PageCancelled,
    PageRenderer,
    PageRequest,
    PageUnavailable,
    fold,
    locate,
    normalized,
)
from askcorpus.ingest.formats.pdf import read_pdf
from askcorpus.records import Document
from askcorpus.settings import ChunkingParams
from askcorpus.text.chunking import chunk_document
from tests.gui_helpers import generated_text
from tests.makedocs import make_pdf


def wrapped(text: str, width: int = 80) -> list[str]:
    """``text`` as lines of a page, words hyphenated across some line ends."""
    lines: list[str] = []
    for para in text.split("\n\n"):
        line = ""
        for word in para.split():
            if len(line) + len(word) + 1 > width:
                if len(word) > 6 and len(line) + 4 < width:  # hyphenate: pdfium marks it
                    lines.append(f"{line} {word[:3]}-".strip())
                    line = word[3:]
                    continue
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
        lines.append("")
    return lines


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Document]:
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    pages = [wrapped(generated_text(seed, 4, 60))[:48] for seed in (1, 2, 3)]
    make_pdf(path, pages, title="A report")
    ex = read_pdf(path, path.read_bytes())
    doc = Document(
        "report.pdf",
        path,
        ex.title,
        ex.text,
        "h",
        path.stat().st_size,
        path.stat().st_mtime,
        kind="pdf",
        page_starts=ex.page_starts,
    )
    return path, doc


def _chars(textpage: pdfium.PdfTextPage) -> list[tuple[int, int]]:
    import pypdfium2.raw as c

    return [(c.FPDFText_GetUnicode(textpage.raw, i), i) for i in range(textpage.count_chars())]


def test_every_passage_maps_to_its_characters_on_its_page(pdf) -> None:
    path, doc = pdf
    passages = chunk_document(doc, ChunkingParams())
    assert len(passages) >= 6
    pdf_doc = pdfium.PdfDocument(str(path))
    try:
        for p in passages:
            page = doc.page_at(p.start) or 1
            end = doc.page_starts[page] if page < len(doc.page_starts) else len(doc.text)
            on_page = doc.text[p.start : min(p.end, end)]
            textpage = pdf_doc[page - 1].get_textpage()
            haystack, where = normalized(_chars(textpage))
            ranges = locate(haystack, where, on_page)
            assert len(ranges) == 1, p.text[:60]
            first, last = ranges[0]
            # The characters marked are exactly the passage's (hyphen marks and breaks aside).
            assert fold(textpage.get_text_range(first, last - first + 1)) == fold(on_page)
    finally:
        pdf_doc.close()


def test_marks_sit_on_the_printed_lines(pdf) -> None:
    path, doc = pdf
    passage = chunk_document(doc, ChunkingParams())[1]
    renderer = PageRenderer()
    out = renderer.render(PageRequest(path, passage.page or 1, 1.5, passage.text))
    assert out.marked and out.has_text and out.page_count == 3
    img = out.image

    def dark(x0: float, y0: float, x1: float, y1: float) -> int:
        n = 0
        for y in range(int(y0 * img.height), int(y1 * img.height)):
            row = y * img.stride
            for x in range(int(x0 * img.width), int(x1 * img.width), 2):
                if img.pixels[row + 4 * x] < 100:
                    n += 1
        return n

    for rect in out.passage_rects:
        assert 0 <= rect.left < rect.right <= 1 and 0 <= rect.top < rect.bottom <= 1
        assert dark(rect.left, rect.top, rect.right, rect.bottom) > 20  # ink under each mark
    lowest = max(r.bottom for r in out.passage_rects)
    below = [r for r in out.passage_rects if r.top > lowest - 0.001]
    assert not below
    # Right of the text column there is no ink: the marks are not offset into blank paper.
    assert dark(0.9, 0.05, 0.99, 0.95) == 0


def test_the_best_sentence_is_marked_inside_the_passage(pdf) -> None:
    path, doc = pdf
    passage = chunk_document(doc, ChunkingParams())[0]
    sentence = passage.text.split(". ")[1] + "."
    out = PageRenderer().render(PageRequest(path, 1, 1.0, passage.text, sentence))
    assert out.sentence_rects
    top = min(r.top for r in out.passage_rects)
    bottom = max(r.bottom for r in out.passage_rects)
    assert all(top - 1e-6 <= r.top and r.bottom <= bottom + 1e-6 for r in out.sentence_rects)


def test_renders_are_cached_and_bounded(pdf) -> None:
    path, _doc = pdf
    renderer = PageRenderer()
    first = renderer.render(PageRequest(path, 1, 1.0))
    renderer.render(PageRequest(path, 1, 1.0, "other passage text"))
    assert renderer.renders == 1
    small = PageRenderer(cache_bytes=len(first.image.pixels) + 10)
    for page in (1, 2, 1):
        small.render(PageRequest(path, page, 1.0))
    assert small.renders == 3  # page 1 was pushed out by page 2


def test_a_cancelled_render_stops(pdf) -> None:
    path, _doc = pdf
    cancel = threading.Event()
    cancel.set()
    renderer = PageRenderer()
    with pytest.raises(PageCancelled):
        renderer.render(PageRequest(path, 1, 1.0), cancel)
    assert renderer.renders == 0


def test_bad_requests_are_typed_errors(pdf, tmp_path) -> None:
    path, _doc = pdf
    renderer = PageRenderer()
    with pytest.raises(PageUnavailable, match="no page 9"):
        renderer.render(PageRequest(path, 9, 1.0))
    with pytest.raises(PageUnavailable, match="cannot open gone.pdf"):
        renderer.render(PageRequest(tmp_path / "gone.pdf", 1, 1.0))
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(PageUnavailable, match="cannot open bad.pdf"):
        renderer.render(PageRequest(bad, 1, 1.0))


def test_a_changed_file_is_rendered_anew(tmp_path) -> None:
    path = make_pdf(tmp_path / "a.pdf", [["First version of the page."]])
    renderer = PageRenderer()
    assert renderer.render(PageRequest(path, 1, 1.0, "First version")).marked
    make_pdf(path, [["Second edition, other words entirely here."], ["And a second page."]])
    out = renderer.render(PageRequest(path, 1, 1.0, "First version"))
    assert out.page_count == 2 and not out.marked
    assert renderer.renders == 2


def test_a_passage_interrupted_by_page_furniture_is_found_in_pieces() -> None:
    page = "Alpha beta gamma delta epsilon zeta. Page 7 of 9. Eta theta iota kappa lambda mu."
    haystack, where = normalized([(ord(ch), i) for i, ch in enumerate(page)])
    stored = "Alpha beta gamma delta epsilon zeta. Eta theta iota kappa lambda mu."
    ranges = locate(haystack, where, stored)
    assert len(ranges) == 2
    assert page[ranges[0][0] : ranges[0][1] + 1] == "Alpha beta gamma delta epsilon zeta."
    assert page[ranges[1][0] : ranges[1][1] + 1].startswith("Eta theta")
