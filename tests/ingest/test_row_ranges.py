"""Sheet passages say which rows they hold ("Sheet Energy, rows 12–30"): xlsx, ods and csv,
row numbers as the spreadsheet shows them, bounded marks on huge sheets."""

from __future__ import annotations

import re
from pathlib import Path

from askcorpus.ingest.documents import discover, load_document
from askcorpus.ingest.formats import builder
from askcorpus.ingest.formats.builder import TextBuilder, add_rows
from askcorpus.records import Document, Hit
from askcorpus.settings import ChunkingParams
from askcorpus.text.chunking import chunk_document, row_range

SMALL = ChunkingParams(target_words=30, max_words=40, min_words=5, overlap_sentences=0)


def load(path: Path) -> Document:
    (entry,) = [e for e in discover(path.parent)[0] if e.path == path]
    return load_document(entry, 1 << 24)


def rows_of(section: str) -> tuple[int, int]:
    m = re.search(r"rows? (\d+)(?:–(\d+))?$", section)
    assert m is not None, section
    return int(m.group(1)), int(m.group(2) or m.group(1))


def check_ranges(doc: Document, where: str, first_row: int) -> None:
    """Every passage's range holds exactly the rows whose text it quotes."""
    passages = chunk_document(doc, SMALL)
    assert len(passages) > 3
    for p in passages:
        assert p.section is not None and p.section.startswith(where)
        lo, hi = rows_of(p.section)
        numbers = [int(n) for n in re.findall(r"Item: item (\d+)\b", p.text)]
        assert numbers and (min(numbers) + first_row, max(numbers) + first_row) == (lo, hi)
    hit = Hit(
        1, 1.0, 1, doc.source, doc.title, 0, 1, "x", 1, section=passages[1].section, kind=doc.kind
    )
    assert hit.place == passages[1].section  # what JSON "location" shows


def test_xlsx_passages_carry_their_row_range(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Energy"
    sheet.append([])  # rows 1 and 2: empty (they still count)
    sheet.append([])
    sheet.append(["Item", "Output", "Region"])  # row 3: the header
    for n in range(60):
        sheet.append([f"item {n}", n * 10, "Siberia"])
    (tmp_path / "c").mkdir()
    book.save(tmp_path / "c" / "energy.xlsx")
    doc = load(tmp_path / "c" / "energy.xlsx")
    # "item n" is on row n + 4 (after the two empty rows and the header).
    check_ranges(doc, "Sheet Energy, row", 4)


def test_ods_repeated_rows_are_counted_in_the_numbers(tmp_path: Path) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    def row(values: list[str], repeat: int = 1) -> TableRow:
        r = TableRow(numberrowsrepeated=repeat) if repeat > 1 else TableRow()
        for v in values:
            c = TableCell()
            if v:
                c.addElement(P(text=v))
            r.addElement(c)
        return r

    doc = OpenDocumentSpreadsheet()
    table = Table(name="Grain")
    table.addElement(row(["Item", "Tonnes"]))  # row 1
    table.addElement(row([""], repeat=5))  # rows 2-6, empty
    for n in range(60):  # rows 7-66
        table.addElement(row([f"item {n}", str(n)]))
    doc.spreadsheet.addElement(table)
    (tmp_path / "c").mkdir()
    doc.save(str(tmp_path / "c" / "grain.ods"))
    check_ranges(load(tmp_path / "c" / "grain.ods"), "Sheet Grain, row", 7)


def test_csv_rows_without_a_sheet(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    lines = ["Item,Output"] + [f"item {n},{n}" for n in range(60)]
    (tmp_path / "c" / "t.csv").write_text("\n".join(lines) + "\n")
    check_ranges(load(tmp_path / "c" / "t.csv"), "row", 2)


def test_row_range_labels() -> None:
    assert row_range("Sheet A, row 3", "Sheet A, row 9") == "Sheet A, rows 3–9"
    assert row_range("Sheet A, row 3", "Sheet A, row 3") == "Sheet A, row 3"
    assert row_range("Sheet A, row 3", "Sheet B, row 1") == "Sheet A, row 3"
    assert row_range("row 2", "row 5") == "rows 2–5"
    assert row_range("Sheet A", "Sheet A, row 5") == "Sheet A"


def test_a_huge_sheet_marks_a_bounded_number_of_rows(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(builder, "MAX_ROW_MARKS", 10)
    out = TextBuilder()
    out.section("Sheet Big")
    add_rows(out, ([f"r{n}", n] for n in range(1, 101)), where="Sheet Big")
    titles = [s.title for s in out.extracted("xlsx", None, "x").sections]
    assert len(titles) == 11
    assert titles[-2:] == ["Sheet Big, row 10", "Sheet Big, from row 11"]
