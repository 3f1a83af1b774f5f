"""A document's own date from its metadata, per format, preferred to the file's mtime day."""

from __future__ import annotations

import datetime as dt
import os
from email.message import EmailMessage
from pathlib import Path

import pytest

from askcorpus.ingest.documents import discover, load_document
from askcorpus.ingest.formats import reader_for
from askcorpus.ingest.formats.dates import first_date, iso_date

from ..makedocs import make_docx, make_pdf
from .test_formats_opendocument import make_odt


def read(path: Path):  # noqa: ANN201
    reader = reader_for(path)
    assert reader is not None
    return reader(path, path.read_bytes())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("D:20230415093000+02'00'", "2023-04-15"),
        ("D:2019", "2019-01-01"),
        ("20210908", "2021-09-08"),
        ("2024-02-29T23:59:00Z", "2024-02-29"),
        ("2019", "2019-01-01"),
        ("2019-07", "2019-07-01"),
        ("Tue, 03 Jun 2025 09:15:00 +0000", "2025-06-03"),
        (dt.datetime(2022, 12, 31, 23, 0), "2022-12-31"),
        (dt.date(2020, 1, 2), "2020-01-02"),
        ("2023-02-30", None),  # not a day
        ("D:00000000", None),  # a zeroed field
        ("1899-12-30", None),  # a spreadsheet's day 0
        ("soon", None),
        ("", None),
        (None, None),
        (20230415, None),
    ],
)
def test_iso_date_reads_every_spelling_and_refuses_non_dates(value: object, expected: str) -> None:
    assert iso_date(value) == expected


def test_first_date_takes_the_first_real_one() -> None:
    assert first_date(None, "garbage", "2021-03-04", "2020-01-01") == "2021-03-04"
    assert first_date(None, "") is None


def _pdf_with_info(path: Path, entries: str) -> Path:
    """A real PDF whose info dictionary holds ``entries`` (written in place of the Producer,
    padded to its length so the cross-reference offsets stay exact)."""
    make_pdf(path, [["The Arctic council met in Tromso."]], title="Arctic Council Notes")
    raw = path.read_bytes()
    producer = b"/Producer (askcorpus tests)"
    replacement = entries.encode("latin-1")
    assert len(replacement) <= len(producer)
    path.write_bytes(raw.replace(producer, replacement.ljust(len(producer)), 1))
    return path


def test_pdf_creation_date_else_mod_date(tmp_path: Path) -> None:
    assert read(_pdf_with_info(tmp_path / "a.pdf", "/CreationDate (D:20230415)")).date == (
        "2023-04-15"
    )
    assert read(_pdf_with_info(tmp_path / "b.pdf", "/ModDate (D:20210908)")).date == "2021-09-08"
    assert read(_pdf_with_info(tmp_path / "c.pdf", "/Creator (x)")).date is None


def test_docx_created_else_modified(tmp_path: Path) -> None:
    import docx

    path = make_docx(tmp_path / "memo.docx", [("p", "The ferry runs daily.")])
    document = docx.Document(str(path))
    document.core_properties.created = dt.datetime(2018, 5, 6, 10, 0)
    document.core_properties.modified = dt.datetime(2020, 1, 1, 10, 0)
    document.save(str(path))
    assert read(path).date == "2018-05-06"


def test_pptx_and_xlsx_core_properties(tmp_path: Path) -> None:
    import openpyxl
    from pptx import Presentation

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    slide.shapes.title.text = "Ports of the Baltic"
    deck.core_properties.created = dt.datetime(2017, 3, 9, 8, 0)
    deck.save(str(tmp_path / "deck.pptx"))
    assert read(tmp_path / "deck.pptx").date == "2017-03-09"

    book = openpyxl.Workbook()
    book.active.append(["Port", "Tonnes"])
    book.active.append(["Riga", 12])
    book.properties.created = dt.datetime(2016, 11, 30, 8, 0)
    book.save(tmp_path / "trade.xlsx")
    assert read(tmp_path / "trade.xlsx").date == "2016-11-30"


def test_opendocument_creation_date_else_dc_date(tmp_path: Path) -> None:
    from odf import dc, meta
    from odf.opendocument import load

    path = make_odt(tmp_path / "ferry.odt")
    doc = load(str(path))
    doc.meta.addElement(dc.Date(text="2022-08-01T12:00:00"))
    doc.save(str(path))
    assert read(path).date == "2022-08-01"
    doc.meta.addElement(meta.CreationDate(text="2015-04-03T09:00:00"))
    doc.save(str(path))
    assert read(path).date == "2015-04-03"


def test_epub_dc_date(tmp_path: Path) -> None:
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("id-1")
    book.set_title("Farthest North")
    book.add_metadata("DC", "date", "1897-02-01")  # before 1901: refused as implausible
    book.add_metadata("DC", "date", "1999-06")
    chapter = epub.EpubHtml(title="One", file_name="c1.xhtml", lang="en")
    chapter.content = "<html><body><p>Nansen left Christiania in June 1893.</p></body></html>"
    book.add_item(chapter)
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = [chapter]
    epub.write_epub(str(tmp_path / "fram.epub"), book)
    assert read(tmp_path / "fram.epub").date == "1999-06-01"


def _message(date: str | None, subject: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "olga@example.org"
    if date:
        msg["Date"] = date
    msg["Subject"] = subject
    msg.set_content("The export duty on wheat falls to 4 percent.")
    return msg.as_bytes()


def test_email_date_header_and_a_mailbox_s_latest_message(tmp_path: Path) -> None:
    eml = tmp_path / "m.eml"
    eml.write_bytes(_message("Tue, 03 Jun 2025 09:15:00 +0000", "Tariffs"))
    assert read(eml).date == "2025-06-03"
    mbox = tmp_path / "box.mbox"
    mbox.write_bytes(
        b"From a@b Thu Jan  1 00:00:00 2025\n"
        + _message("Mon, 02 Jun 2025 09:00:00 +0000", "Later")
        + b"\nFrom a@b Thu Jan  1 00:00:00 2025\n"
        + _message("Fri, 10 Jan 2025 09:00:00 +0000", "Earlier")
        + b"\nFrom a@b Thu Jan  1 00:00:00 2025\n"
        + _message(None, "Undated")
    )
    assert read(mbox).date == "2025-06-02"


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        (
            '<meta property="article:published_time" content="2021-10-05T08:00:00+00:00">',
            "2021-10-05",
        ),
        ('<meta name="dcterms.created" content="2012-02-03">', "2012-02-03"),
        ('<meta name="DATE" content="2019-11-12">', "2019-11-12"),
        (
            '<meta name="date" content="not a date"><meta name="dc.date" content="2001-01-02">',
            "2001-01-02",
        ),
        ('<meta name="description" content="2020-01-01">', None),
    ],
)
def test_html_meta_dates(tmp_path: Path, meta: str, expected: str | None) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        f"<html><head><title>Gas</title>{meta}</head><body><p>The pipeline opened.</p></body></html>"
    )
    assert read(path).date == expected


def test_rtf_creation_time(tmp_path: Path) -> None:
    path = tmp_path / "memo.rtf"
    path.write_bytes(
        rb"{\rtf1\ansi{\info{\title Memo}{\creatim\yr2014\mo5\dy21\hr10\min4}}"
        rb"The pipeline carries oil.\par}"
    )
    assert read(path).date == "2014-05-21"


def test_the_loader_prefers_the_metadata_date_to_the_mtime(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "m.eml").write_bytes(_message("Tue, 03 Jun 2025 09:15:00 +0000", "Tariffs"))
    (corpus / "plain.txt").write_text("The export duty on wheat falls to 4 percent.\n")
    stamp = dt.datetime(2011, 7, 8, 12, 0, tzinfo=dt.UTC).timestamp()
    for name in ("m.eml", "plain.txt"):
        os.utime(corpus / name, (stamp, stamp))
    entries, _skipped = discover(corpus)
    dates = {e.source: load_document(e, 1 << 20).date for e in entries}
    assert dates == {"m.eml": "2025-06-03", "plain.txt": "2011-07-08"}
