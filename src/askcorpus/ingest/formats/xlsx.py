"""Excel workbooks (.xlsx, .xlsm, via openpyxl in read-only mode): one paragraph per row.

Each sheet is a section "Sheet <name>"; its rows are read as a stream (cached values of formulas,
not the formulas), cells joined by " | ", with the header row carried into every row (see
:func:`askcorpus.ingest.formats.builder.add_rows`). Rows, cells and the text are bounded, so a
sheet of a million rows costs at most the text limit and the rest is noted in the log. The
workbook title comes from its properties. The archive passes
:mod:`askcorpus.ingest.formats.zipsafe`'s directory check before openpyxl opens it.
"""

from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path
from typing import Any

from askcorpus.ingest.formats import Extracted, UnreadableFile, register, require
from askcorpus.ingest.formats.builder import (
    TextBuilder,
    add_rows,
    core_date,
    one_line,
    refuse_encrypted_office,
)
from askcorpus.ingest.formats.zipsafe import open_zip

log = logging.getLogger(__name__)


@register(".xlsx", ".xlsm")
def read_xlsx(path: Path, raw: bytes) -> Extracted:
    """A workbook's cell values, sheet by sheet; raises :class:`UnreadableFile` for bad files."""
    openpyxl = require("openpyxl", "Excel (.xlsx)")
    refuse_encrypted_office(raw, "XLSX")
    open_zip(raw, "XLSX").close()
    out = TextBuilder()
    try:
        with warnings.catch_warnings():  # openpyxl warns about styles and extensions it skips
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        try:
            for sheet in book.worksheets:
                if not hasattr(sheet, "iter_rows"):  # chart sheets hold no cells
                    continue
                # A sheet's declared dimension can claim 16,384 columns; without it openpyxl
                # pads no row past its last cell.
                sheet.reset_dimensions()
                out.section(f"Sheet {sheet.title}")
                add_rows(out, sheet.iter_rows(values_only=True), where=f"Sheet {sheet.title}")
                if out.full:
                    break
            title, date = _title(book), core_date(book)
        finally:
            book.close()
    except UnreadableFile:
        raise
    except Exception as exc:  # openpyxl and its XML parser raise many types on damaged files
        detail = one_line(str(exc))[:80] or type(exc).__name__
        raise UnreadableFile(f"corrupt XLSX ({detail})") from exc
    if not out.text:
        raise UnreadableFile("no text (every sheet is empty)")
    return out.extracted("xlsx", title, path, date=date)


def _title(book: Any) -> str | None:
    try:
        title = (book.properties.title or "").strip()
    except Exception:  # damaged docProps must not cost the workbook's text
        return None
    return title[:200] if len(title) >= 3 else None
