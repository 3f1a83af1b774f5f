"""Spreadsheets (.xlsx) and delimited tables (.csv): rows with their header, sheets, bounds."""

from __future__ import annotations

import datetime as dt
import gc
import time
from pathlib import Path

import pytest

from askcorpus.ingest.documents import discover, load_document
from askcorpus.ingest.formats import UnreadableFile
from askcorpus.ingest.formats.builder import OLE_MAGIC, TextBuilder, add_rows
from askcorpus.ingest.formats.delimited import read_csv
from askcorpus.ingest.formats.xlsx import read_xlsx

from .zipbombs import add_bomb_member, truncated

TRADE = [["Country", "Exports", "Year"], ["Russia", 12, 2023], ["Kazakhstan", 7.5, 2023]]


def make_xlsx(path: Path, title: str | None = None) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    trade = book.active
    trade.title = "Trade"
    for row in TRADE:
        trade.append(row)
    ports = book.create_sheet("Ports")
    ports.append(["Murmansk", 61.0, "ice-free all year"])  # a number: not a header row
    ports.append([None, None])
    ports.append(["Opened", dt.datetime(1916, 10, 4)])
    ports["D1"] = "=1+1"  # a formula whose value was never computed by Excel
    if title:
        book.properties.title = title
    book.save(path)
    return path


def test_xlsx_rows_carry_the_header_and_sheets_are_sections(tmp_path: Path) -> None:
    ex = read_xlsx(tmp_path / "t.xlsx", make_xlsx(tmp_path / "t.xlsx").read_bytes())
    assert ex.kind == "xlsx"
    assert ex.text.split("\n\n") == [
        "Country: Russia | Exports: 12 | Year: 2023",
        "Country: Kazakhstan | Exports: 7.5 | Year: 2023",
        "Murmansk | 61 | ice-free all year",
        "Opened | 1916-10-04",
    ]
    # Each row is a section with its number in the sheet (the header is row 1, an empty row
    # still counts), which passages turn into row ranges.
    assert [(s.title, ex.text[s.start :][:8]) for s in ex.sections] == [
        ("Sheet Trade, row 2", "Country:"),
        ("Sheet Trade, row 3", "Country:"),
        ("Sheet Ports, row 1", "Murmansk"),
        ("Sheet Ports, row 3", "Opened |"),
    ]


def test_xlsx_title_from_properties_else_the_file_name(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "a.xlsx", title="Arctic Trade 2023")
    assert read_xlsx(path, path.read_bytes()).title == "Arctic Trade 2023"
    path.unlink()
    make_xlsx(tmp_path / "exports.xlsx")
    entries, _ = discover(tmp_path)
    assert load_document(entries[0], 10**8).title == "exports"


def test_bad_workbooks_are_skipped_with_a_reason(tmp_path: Path) -> None:
    good = make_xlsx(tmp_path / "good.xlsx")
    bad = truncated(good, tmp_path / "half.xlsx")
    with pytest.raises(UnreadableFile, match=r"^corrupt XLSX"):
        read_xlsx(bad, bad.read_bytes())
    with pytest.raises(UnreadableFile, match=r"^password-protected"):
        read_xlsx(good, OLE_MAGIC + b"\0" * 600)
    bomb = add_bomb_member(good, tmp_path / "bomb.xlsx", "xl/worksheets/sheet1.xml")
    with pytest.raises(UnreadableFile, match=r"zip bomb"):
        read_xlsx(bomb, bomb.read_bytes())


def test_rows_stop_at_the_text_limit_and_time_scales_linearly(tmp_path: Path) -> None:
    # A sheet far past the limit is read only up to it: memory is bounded by the limit, not
    # the sheet; reading four times the rows takes about four times as long, not sixteen.
    def rows(n: int):  # noqa: ANN202
        yield ["Station", "Reading"]
        for i in range(n):
            yield [f"S{i}", i * 0.5]

    out = TextBuilder(limit=10_000)
    added = add_rows(out, rows(1_000_000))
    assert out.truncated and len(out.text) <= 10_000
    assert 300 < added < 1000

    def timed(n: int) -> float:
        best = float("inf")
        for _ in range(3):
            # The reader's cost, not the collector's: in a long test session the cyclic GC's
            # full passes over everything earlier tests left alive made this look superlinear.
            gc.collect()
            gc.disable()
            try:
                t = time.perf_counter()
                add_rows(TextBuilder(), rows(n))
                best = min(best, time.perf_counter() - t)
            finally:
                gc.enable()
        return best

    # Four times the rows: about 4x linear, 16x quadratic; 8x leaves room for a busy machine.
    assert timed(80_000) < 8 * timed(20_000)


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_dialects_encodings_and_header(tmp_path: Path) -> None:
    comma = write_csv(tmp_path / "a.csv", 'Country,Exports\nRussia,12\n"Korea, South",3\n')
    assert read_csv(comma, comma.read_bytes()).text == (
        "Country: Russia | Exports: 12\n\nCountry: Korea, South | Exports: 3"
    )
    semi = write_csv(tmp_path / "b.csv", "Land;Ausfuhr\nÖsterreich;4\n", "cp1252")
    assert read_csv(semi, semi.read_bytes()).text == "Land: Österreich | Ausfuhr: 4"
    tabs = write_csv(tmp_path / "c.tsv", "\ufeffCity\tPort\nArkhangelsk\tyes\n")
    ex = read_csv(tabs, tabs.read_bytes())
    assert ex.kind == "csv"
    assert ex.text == "City: Arkhangelsk | Port: yes"
    numbers = write_csv(tmp_path / "d.csv", "1,2\n3,4\n")
    assert read_csv(numbers, numbers.read_bytes()).text == "1 | 2\n\n3 | 4"


def test_bad_csv_is_skipped_with_a_reason(tmp_path: Path) -> None:
    binary = write_csv(tmp_path / "x.csv", "")
    with pytest.raises(UnreadableFile, match=r"binary"):
        read_csv(binary, b"a,b\n\x00\x01\x02\x03" * 100)
    entries, _ = discover(tmp_path)
    with pytest.raises(UnreadableFile, match=r"empty"):
        load_document(entries[0], 10**8)
