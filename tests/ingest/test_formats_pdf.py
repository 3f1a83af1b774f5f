"""PDF reading: text per page, page numbers on passages and hits, and every kind of bad PDF."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from askcorpus.cli import main
from askcorpus.embed.embedder import Embedder
from askcorpus.indexer.update import update_index
from askcorpus.ingest.documents import discover, load_document
from askcorpus.ingest.formats import UnreadableFile
from askcorpus.ingest.formats.pdf import read_pdf
from askcorpus.records import Document
from askcorpus.search.index import Index
from askcorpus.settings import ChunkingParams, Settings
from askcorpus.text.chunking import chunk_document

from ..makedocs import make_pdf

PAGE_1 = [
    "Findings on the Gas Deal",
    "",
    "The agreement was signed in May 2014 after a decade of talks",
    "between Gazprom and CNPC. The price was not disclosed, but experts",
    "put the total value at 400 billion dollars over thirty years, which",
    "made it the largest contract in the history of the gas industry.",
    "",
    "Analysts in Moscow called the deal a turning point for the compli-",
    "cated relationship between the two neighbours.",
]
PAGE_2 = [
    "Pipelines and Prices",
    "",
    "The Power of Siberia pipeline carries gas from fields in Yakutia to",
    "the Chinese border at Blagoveshchensk. Construction began in the",
    "autumn of 2014 and the first deliveries arrived in December 2019.",
]
PAGE_3 = [
    "Outlook",
    "",
    "A second line, Power of Siberia 2, through Mongolia has been discussed",
    "for years, but no binding contract on its price has been signed yet.",
]


def long_page(heading: str, sentences: list[str], words_per_line: int = 12) -> list[str]:
    """A page with a heading and one paragraph of the sentences, wrapped into lines."""
    words = " ".join(sentences).split()
    lines = [" ".join(words[i : i + words_per_line]) for i in range(0, len(words), words_per_line)]
    return [heading, "", *lines]


FILLER = [
    "The two governments described the relationship as a comprehensive strategic partnership.",
    "Trade between the neighbours grew steadily through the decade, led by energy and machinery.",
    "Officials on both sides stressed that the arrangement was not directed against third states.",
    "Observers noted that the partners still disagree on several regional questions of security.",
    "Financing for the projects came from state banks, with loans tied to future deliveries.",
    "Local authorities along the border welcomed the construction jobs and the new roads.",
]


def load(path: Path) -> Document:
    entries, skipped = discover(path.parent)
    assert skipped == []
    (entry,) = [e for e in entries if e.path == path]
    return load_document(entry, 10**8)


def reason(path: Path) -> str:
    with pytest.raises(UnreadableFile) as info:
        read_pdf(path, path.read_bytes())
    return info.value.message


def test_text_is_extracted_per_page_with_page_starts(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "report.pdf", [PAGE_1, PAGE_2, PAGE_3], title="The Gas Deal Report")
    doc = load(path)
    assert doc.kind == "pdf"
    assert doc.title == "The Gas Deal Report"
    assert len(doc.page_starts) == 3 and doc.page_starts[0] == 0
    for number, (marker, page_lines) in enumerate(
        [("Findings on the Gas Deal", PAGE_1), ("Pipelines", PAGE_2), ("Outlook", PAGE_3)], 1
    ):
        at = doc.text.index(marker)
        assert doc.page_starts[number - 1] == at
        assert doc.page_at(at) == number
        assert doc.page_at(at + len(page_lines[-1])) == number
    # Lines of a paragraph are joined; paragraphs are separated by a blank line.
    assert "talks between Gazprom and CNPC." in doc.text
    assert "Findings on the Gas Deal\n\nThe agreement" in doc.text
    assert "industry.\n\nAnalysts in Moscow" in doc.text
    # A word hyphenated across a line break is joined again.
    assert "the complicated relationship" in doc.text
    assert "\r" not in doc.text and "\ufffe" not in doc.text


def test_passages_know_their_page(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "report.pdf", [PAGE_1, PAGE_2, PAGE_3])
    doc = load(path)
    passages = chunk_document(doc, ChunkingParams(target_words=20, max_words=40, min_words=5))
    assert len(passages) >= 3
    for p in passages:
        assert doc.text[p.start : p.end] == p.text
        assert p.page == doc.page_at(p.start)
    pages = {p.page for p in passages if "Blagoveshchensk" in p.text}
    assert pages == {2}
    assert {p.page for p in passages} == {1, 2, 3}


def test_title_falls_back_to_first_line_when_metadata_is_junk(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "x.pdf", [PAGE_1], title="Microsoft Word - draft3.docx")
    assert load(path).title == "Findings on the Gas Deal"
    bare = make_pdf(tmp_path / "y.pdf", [["x" * 300]])
    assert load(bare).title == "y"


def test_bookmarks_become_sections(tmp_path: Path) -> None:
    path = make_pdf(
        tmp_path / "r.pdf",
        [PAGE_1, PAGE_2, PAGE_3],
        outline=[("Findings on the Gas Deal", 0), ("Pipelines and Prices", 1), ("Outlook", 2)],
    )
    doc = load(path)
    assert [s.title for s in doc.sections] == [
        "Findings on the Gas Deal",
        "Pipelines and Prices",
        "Outlook",
    ]
    assert [s.start for s in doc.sections] == list(doc.page_starts)
    assert doc.section_at(doc.text.index("Blagoveshchensk")) == "Pipelines and Prices"


def test_page_numbers_and_running_heads_are_dropped(tmp_path: Path) -> None:
    pages = [
        ["Journal of Energy Studies", "", body[0], "", str(n)]
        for n, body in enumerate([PAGE_1[2:], PAGE_2[2:], PAGE_3[2:]], 1)
    ]
    doc = load(make_pdf(tmp_path / "j.pdf", pages))
    assert "Journal of Energy Studies" not in doc.text
    assert doc.text.split("\n\n") == [PAGE_1[2], PAGE_2[2], PAGE_3[2]]


def test_scanned_pdf_without_text_layer_is_reported(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "scan.pdf", [[], []], image_only=True)
    assert "no text layer — scanned?" in reason(path)


def test_encrypted_pdf_is_reported(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "locked.pdf", [PAGE_2], user_password="s3cret")
    # The fixture is a real encrypted PDF: it opens with its password and shows the text.
    with pdfium.PdfDocument(path.read_bytes(), password="s3cret") as pdf:
        assert "Power of Siberia" in pdf[0].get_textpage().get_text_range()
    assert reason(path) == "encrypted PDF (needs a password)"


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) // 3],
        lambda raw: b"%PDF-1.4\n" + bytes(range(256)) * 20,
        lambda raw: b"not a pdf at all",
    ],
    ids=["truncated", "garbage", "text"],
)
def test_corrupt_pdf_is_reported(tmp_path: Path, damage) -> None:  # noqa: ANN001
    good = make_pdf(tmp_path / "good.pdf", [PAGE_1])
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(damage(good.read_bytes()))
    assert reason(bad) == "corrupt PDF (data format error)"


def test_missing_pdf_library_skips_pdfs_with_a_clear_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_pdf(tmp_path / "report.pdf", [PAGE_1])
    monkeypatch.setitem(sys.modules, "pypdfium2", None)  # import now raises ImportError
    assert reason(path) == "PDF support is not installed (pip install pypdfium2)"


def test_search_hits_carry_the_page_in_api_cli_and_json(
    tmp_path: Path, embedder: Embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    # Pages of realistic length (one passage each at the default chunk size).
    pages = [
        long_page("Findings", [" ".join(PAGE_1[2:6]), *FILLER]),
        long_page("Pipelines", [" ".join(PAGE_2[2:]), *FILLER[::-1]]),
        long_page("Outlook", [" ".join(PAGE_3[2:]), *FILLER[1:], FILLER[0]]),
    ]
    make_pdf(corpus / "report.pdf", pages, title="The Gas Deal Report")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    report = update_index(settings, embedder)
    assert report.added == 1 and report.skipped == ()
    index = Index.open(settings.index_dir, settings, embedder)
    try:
        hit = index.search("Where does the Power of Siberia pipeline end?", 3).hits[0]
        doc = index.document("report.pdf")
    finally:
        index.close()
    assert "Blagoveshchensk" in hit.text and hit.page == 2
    assert doc.text[hit.start : hit.end] == hit.text
    assert "p. 2" in hit.location

    question = "Where does the Power of Siberia pipeline end?"
    assert main(["ask", "--index", str(settings.index_dir), "--json", question]) == 0
    data = json.loads(capsys.readouterr().out)
    top = data["results"][0]
    assert top["page"] == 2 and top["title"] == "The Gas Deal Report"
    assert main(["ask", "--index", str(settings.index_dir), question]) == 0
    assert "report.pdf, p. 2" in capsys.readouterr().out


def two_column_page(number: int, left: list[str], right: list[str]) -> list[tuple]:
    """Running head, the left column, the right column, then the page number (content order)."""
    placed = [(72.0, 760.0, "Journal of Energy Studies, Vol. 12")]
    for column_x, lines in ((72.0, left), (320.0, right)):
        y = 720.0
        for line in lines:
            if line:
                placed.append((column_x, y, line))
            y -= 13.75 if line else 22.0
    placed.append((300.0, 40.0, str(number)))
    return placed


def test_two_columns_running_heads_and_page_numbers(tmp_path: Path) -> None:
    def left(n: int) -> list[str]:
        return [
            f"Part {n}: Russia and China signed",
            "the agreement in May 2014 after a",
            "decade of talks on the price",
        ]

    def right(n: int) -> list[str]:
        return ["of gas delivered to the north.", "", f"Construction began in phase {n}."]

    pages = [two_column_page(n, left(n), right(n)) for n in (1, 2, 3)]
    doc = load(make_pdf(tmp_path / "cols.pdf", pages))
    for n in (1, 2, 3):
        end = doc.page_starts[n] if n < 3 else len(doc.text)
        page = doc.text[doc.page_starts[n - 1] : end].strip()
        # The sentence flows from the left column into the right one; furniture is gone.
        assert page.split("\n\n") == [
            f"Part {n}: Russia and China signed the agreement in May 2014 after a decade of talks "
            "on the price of gas delivered to the north.",
            f"Construction began in phase {n}.",
        ]
    assert "Journal" not in doc.text


def test_pdf_encrypted_without_a_user_password_is_read(tmp_path: Path) -> None:
    # Many PDFs are encrypted only to restrict editing or printing: they open without a password.
    path = make_pdf(tmp_path / "restricted.pdf", [PAGE_2], user_password="", title="Pipelines")
    assert b"/Encrypt" in path.read_bytes()
    assert b"Blagoveshchensk" not in path.read_bytes()  # the content really is encrypted
    doc = load(path)
    assert "the Chinese border at Blagoveshchensk" in doc.text
    assert doc.title == "Pipelines"


def test_a_scanned_page_among_text_pages_is_read_by_ocr_and_marked(tmp_path: Path) -> None:
    from askcorpus.ingest.ocr import OcrOptions

    from .scans import scanned_pdf

    text_pdf = make_pdf(tmp_path / "text.pdf", [PAGE_2, []])  # page 2: blank, no image
    scan = scanned_pdf(tmp_path / "scan.pdf", [["Emperor penguins huddle to survive the winter."]])
    merged = pdfium.PdfDocument(text_pdf)
    merged.import_pages(pdfium.PdfDocument(scan))
    path = tmp_path / "docs" / "mixed.pdf"
    path.parent.mkdir()
    merged.save(path)
    merged.close()
    cache = tmp_path / "cache"
    entries, _ = discover(path.parent)
    doc = load_document(entries[0], 10**8, OcrOptions(cache_dir=cache, threads=1))
    assert doc.ocr_pages == (3,)  # the blank page has no image: not OCRed
    assert len(list(cache.glob("*/*.json"))) == 1
    assert doc.page_at(doc.text.index("Blagoveshchensk")) == 1
    assert doc.page_at(doc.text.index("penguins")) == 3 and doc.is_ocr(doc.text.index("penguins"))
    assert not doc.is_ocr(doc.text.index("Blagoveshchensk"))
    # Without OCR the text pages are still indexed, the scanned one is empty.
    plain = load_document(entries[0], 10**8)
    assert plain.ocr_pages == () and "penguins" not in plain.text
    assert plain.text.startswith(PAGE_2[0])


def test_scan_without_ocr_names_the_switch(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "scan.pdf", [[], []], image_only=True)
    assert reason(path) == (
        "no text layer — scanned? (2 pages, needs OCR) — OCR is off (set ASKCORPUS_OCR=1 to read "
        "scans)"
    )
