"""OpenDocument reading (.odt, .ods, .odp): headings, tables, sheets, slides, bad files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from askcorpus.ingest.formats import UnreadableFile
from askcorpus.ingest.formats.opendocument import read_opendocument

from .zipbombs import add_bomb_member, truncated


def _cell(value: str | float) -> object:
    from odf.table import TableCell
    from odf.text import P

    if isinstance(value, str):
        cell = TableCell(valuetype="string")
    else:
        cell = TableCell(valuetype="float", value=value)
    cell.addElement(P(text=value if isinstance(value, str) else f"{value:g}"))  # as displayed
    return cell


def _table(name: str, rows: list[list[str | float]]) -> object:
    from odf.table import Table, TableRow

    table = Table(name=name)
    for values in rows:
        row = TableRow()
        for value in values:
            row.addElement(_cell(value))
        table.addElement(row)
    return table


def make_odt(path: Path, title: str | None = None) -> Path:
    from odf import dc
    from odf.opendocument import OpenDocumentText
    from odf.text import H, LineBreak, P, S, Span

    doc = OpenDocumentText()
    if title:
        doc.meta.addElement(dc.Title(text=title))
    doc.text.addElement(H(outlinelevel=1, text="Baltic Ferry Study"))
    doc.text.addElement(P(text="Ferries carry most freight between Tallinn and Helsinki."))
    doc.text.addElement(H(outlinelevel=2, text="Timetable"))
    p = P(text="The first sailing leaves at")
    p.addElement(S(c=3))
    p.addElement(Span(text="07:30"))
    p.addElement(LineBreak())
    p.addElement(Span(text="every weekday."))
    doc.text.addElement(p)
    doc.text.addElement(H(outlinelevel=2, text="Fleet"))
    doc.text.addElement(_table("Fleet", [["Ship", "Built"], ["Megastar", 2017.0]]))
    doc.save(str(path))
    return path


def make_ods(path: Path) -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import TableCell, TableRow

    doc = OpenDocumentSpreadsheet()
    grain = _table("Grain", [["Port", "Wheat"], ["Novorossiysk", 31.0]])
    padding = TableRow(numberrowsrepeated=1048000)
    padding.addElement(TableCell(numbercolumnsrepeated=16384))
    grain.addElement(padding)  # what spreadsheets write after the last used row
    doc.spreadsheet.addElement(grain)
    doc.spreadsheet.addElement(_table("Notes", [["Harvest", "record in 2022"]]))
    doc.save(str(path))
    return path


def make_odp(path: Path) -> Path:
    from odf.draw import Frame, Page, TextBox
    from odf.namespaces import PRESENTATIONNS
    from odf.opendocument import OpenDocumentPresentation
    from odf.presentation import Notes
    from odf.style import MasterPage, PageLayout
    from odf.text import P

    doc = OpenDocumentPresentation()
    layout = PageLayout(name="L")
    doc.automaticstyles.addElement(layout)
    master = MasterPage(name="M", pagelayoutname=layout)
    doc.masterstyles.addElement(master)

    def frame(texts: list[str], klass: str) -> object:
        f = Frame(
            width="20cm",
            height="3cm",
            x="1cm",
            y="1cm",
        )
        f.setAttrNS(PRESENTATIONNS, "class", klass)
        box = TextBox()
        for t in texts:
            box.addElement(P(text=t))
        f.addElement(box)
        return f

    for title, body, notes in [
        ("Danube Barges", ["Convoys of six barges pass Vienna daily."], None),
        ("Locks", ["The Iron Gate locks lift vessels 34 metres."], "Show the lock photo."),
    ]:
        page = Page(masterpagename=master)
        page.addElement(frame([title], "title"))
        page.addElement(frame(body, "outline"))
        if notes:
            n = Notes()
            n.addElement(frame([notes], "notes"))
            page.addElement(n)
        doc.presentation.addElement(page)
    doc.save(str(path))
    return path


def read(path: Path):  # noqa: ANN201
    return read_opendocument(path, path.read_bytes())


def test_odt_headings_paragraphs_and_tables(tmp_path: Path) -> None:
    ex = read(make_odt(tmp_path / "study.odt"))
    assert ex.kind == "odt"
    assert ex.text.split("\n\n") == [
        "Baltic Ferry Study",
        "Ferries carry most freight between Tallinn and Helsinki.",
        "Timetable",
        "The first sailing leaves at 07:30\nevery weekday.",
        "Fleet",
        "Ship | Built\nMegastar | 2017",
    ]
    assert [s.title for s in ex.sections] == ["Baltic Ferry Study", "Timetable", "Fleet"]
    for s in ex.sections:
        assert ex.text[s.start :].startswith(s.title)
    assert ex.title == "Baltic Ferry Study"
    assert read(make_odt(tmp_path / "t.odt", title="Ferry Report")).title == "Ferry Report"


def test_ods_sheets_rows_with_header_and_padding_not_expanded(tmp_path: Path) -> None:
    ex = read(make_ods(tmp_path / "grain.ods"))
    assert ex.kind == "ods"
    assert ex.text.split("\n\n") == ["Port: Novorossiysk | Wheat: 31", "Harvest | record in 2022"]
    assert [s.title for s in ex.sections] == ["Sheet Grain, row 2", "Sheet Notes, row 1"]


def test_odp_slides_are_pages_with_notes(tmp_path: Path) -> None:
    ex = read(make_odp(tmp_path / "barges.odp"))
    assert ex.kind == "odp"
    assert ex.text.split("\n\n") == [
        "Danube Barges",
        "Convoys of six barges pass Vienna daily.",
        "Locks",
        "The Iron Gate locks lift vessels 34 metres.",
        "Notes: Show the lock photo.",
    ]
    assert [s.title for s in ex.sections] == ["Slide 1: Danube Barges", "Slide 2: Locks"]
    assert ex.page_starts == (0, ex.text.index("Locks"))
    assert ex.title == "Danube Barges"


def test_bad_opendocument_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    good = make_odt(tmp_path / "good.odt")
    with pytest.raises(UnreadableFile, match=r"^corrupt ODT"):
        read(truncated(good, tmp_path / "half.odt"))
    bomb = add_bomb_member(good, tmp_path / "bomb.odt", "content.xml")
    with pytest.raises(UnreadableFile, match=r"zip bomb"):
        read(bomb)
    locked = tmp_path / "locked.odt"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(locked, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "META-INF/manifest.xml":
                data = data.replace(
                    b'manifest:full-path="content.xml"',
                    b'manifest:full-path="content.xml"><manifest:encryption-data/',
                    1,
                )
            dst.writestr(info, data)
    with pytest.raises(UnreadableFile, match=r"^password-protected ODT"):
        read(locked)
