"""Comma- and tab-separated tables (.csv, .tsv): one paragraph per row, the header carried along.

The bytes are decoded like any text file (:func:`askcorpus.ingest.formats.encoding.decode_text`:
BOMs, UTF-8, legacy code pages); the dialect (delimiter, quoting) is sniffed from the start of
the file. Rows are written as by :func:`askcorpus.ingest.formats.builder.add_rows`, so a row found
alone reads "Country: Russia | Exports: 12".
The title is the file's name (a CSV holds no metadata).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from askcorpus.ingest.formats import Extracted, UnreadableFile, register
from askcorpus.ingest.formats.builder import TextBuilder, add_rows
from askcorpus.ingest.formats.encoding import decode_text

_SNIFF_CHARS = 64 * 1024
# csv refuses a field longer than its limit (131,072 characters by default); cells are cut to
# MAX_CELL_CHARS anyway, but one long quoted note must not cost the whole table. Raised once, at
# import: the limit is process-wide, and setting and restoring it per file would race between
# reader threads.
csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))


@register(".csv", ".tsv")
def read_csv(path: Path, raw: bytes) -> Extracted:
    """A delimited table's rows; raises :class:`UnreadableFile` for binary or undecodable files."""
    text = decode_text(raw)
    if "\x00" in text[:8192]:
        raise UnreadableFile("binary file (contains NUL bytes)")
    dialect = _dialect(text, path)
    out = TextBuilder()
    try:
        add_rows(out, csv.reader(io.StringIO(text, newline=""), dialect), where="")
    except csv.Error as exc:
        raise UnreadableFile(f"malformed CSV ({exc})"[:200]) from exc
    if not out.text:
        raise UnreadableFile("no text (the table is empty)")
    return out.extracted("csv", None, path)


def _dialect(text: str, path: Path) -> type[csv.Dialect] | csv.Dialect:
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS:  # do not let a row cut in half confuse the sniffer
        sample = sample.rsplit("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
