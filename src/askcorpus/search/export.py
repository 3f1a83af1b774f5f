"""Export a result list or an evidence board as Markdown, CSV, JSON, CSL-JSON or RIS.

Every export names, for each passage, the file (a ``file://`` link, ``#page=N`` for PDFs), its
title, page or location, the character offsets of the quote in the document's stored text and
the date the corpus was indexed (the manifest's ``updated``).

How each format keeps hostile text (quotes, newlines, commas, control characters):

* JSON and CSL-JSON: as JSON strings, exactly.
* CSV (:func:`to_csv`): exactly, quoted by the ``csv`` module, except that a text cell starting
  with ``= + - @``, a tab or a carriage return, which a spreadsheet would run as a formula, is
  prefixed with an apostrophe (OWASP's advice). A text cell that itself starts with an
  apostrophe gets one more, so removing one leading apostrophe from every text cell that has
  one (:func:`csv_cell_text`) gives the text back exactly. Number cells are never prefixed.
* Markdown: the quote is a block quote whose Markdown punctuation is backslash-escaped and whose
  line-edge whitespace, carriage returns and form feeds are character references (other control
  characters stay as they are), so a CommonMark parser reads back exactly the quote (NUL aside,
  which CommonMark turns into U+FFFD, and a vertical tab, U+001C-U+001F or U+0085 at a line's
  edge, which no Markdown form holds).
* RIS: tag lines; a value's further lines follow as continuation lines (RIS has no escaping):
  a continuation line that would read as a tag gets one more leading space
  (:func:`ris_line_text` removes it), and control characters other than tab and newline become
  spaces (RIS lines cannot hold them).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from askcorpus.errors import AskcorpusError, QueryError
from askcorpus.search.citations import (
    Item,
    Origin,
    citation,
    file_url,
    item_from_hit,
    items_from_result,
)
from askcorpus.search.references import ris_line_text, to_csl_json, to_ris

# Re-exported: callers of the export need only this module.
__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "SUFFIXES",
    "Item",
    "Origin",
    "citation",
    "csv_cell_text",
    "file_url",
    "item_from_hit",
    "items_from_result",
    "md_quote",
    "render",
    "ris_line_text",
    "save",
]

#: The output formats of ``askcorpus ask --format`` (text is the readable list of the CLI).
Format = Literal["text", "json", "md", "csv", "csl-json", "ris"]
FORMATS: tuple[Format, ...] = ("text", "json", "md", "csv", "csl-json", "ris")
#: File name suffix of each exported format.
SUFFIXES: dict[str, str] = {
    "json": ".json",
    "md": ".md",
    "csv": ".csv",
    "csl-json": ".json",
    "ris": ".ris",
}

CSV_COLUMNS = (
    "rank",
    "score",
    "source",
    "title",
    "page",
    "location",
    "start",
    "end",
    "text",
    "date",
    "kind",
    "url",
    "indexed",
    "note",
    "pinned_at",
    "stale",
)
_NUMBER_COLUMNS = frozenset({"rank", "score", "page", "start", "end", "stale"})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def render(fmt: str, items: Sequence[Item], origin: Origin, title: str = "") -> str:
    """``items`` in format ``fmt`` (one of :data:`FORMATS`); ``title`` heads the Markdown and
    JSON forms (the question, or the board's name)."""
    if fmt == "text":
        return to_text(items, origin)
    if fmt == "md":
        return to_markdown(items, origin, title)
    if fmt == "csv":
        return to_csv(items, origin)
    if fmt == "json":
        return to_json(items, origin, title)
    if fmt == "csl-json":
        return to_csl_json(items, origin)
    if fmt == "ris":
        return to_ris(items, origin)
    raise QueryError(
        f"unknown export format {fmt!r}", hint=f"use one of {', '.join(SUFFIXES)} (or text)"
    )


def save(path: Path, fmt: str, items: Sequence[Item], origin: Origin, title: str = "") -> None:
    """Write ``items`` in format ``fmt`` to ``path`` atomically (a temporary file renamed over
    it). CSV starts with a UTF-8 byte order mark, which spreadsheets need to read it as UTF-8."""
    text = render(fmt, items, origin, title)
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    try:
        fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding=encoding, newline="") as f:
                f.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise AskcorpusError(
            f"cannot write {path}: {exc.strerror or exc}", path, "choose another folder"
        ) from exc


def to_text(items: Sequence[Item], origin: Origin) -> str:
    """The readable list: number, citation, flags, the quote indented, the note. Not escaped:
    a caller writing to a terminal escapes it (:func:`askcorpus.errors.escape_terminal`)."""
    if not items:
        return "Nothing here.\n"
    lines: list[str] = []
    for n, item in enumerate(items, 1):
        flag = " [CHANGED since pinned]" if item.stale else ""
        lines.append(f"{item.rank or n}. {citation(item, origin)}{flag}")
        lines += [f"    {line}" for line in item.text.splitlines() if line.strip()]
        if item.note:
            lines.append(f"    note: {item.note}")
        lines.append("")
    return "\n".join(lines) + "\n"


# --- JSON -----------------------------------------------------------------------------------


def item_json(item: Item, origin: Origin) -> dict[str, Any]:
    """One item as a JSON object (the keys of :data:`CSV_COLUMNS`, plus the corpus)."""
    return {
        "rank": item.rank,
        "score": item.score,
        "source": item.source,
        "title": item.title,
        "page": item.page,
        "location": item.location,
        "start": item.start,
        "end": item.end,
        "text": item.text,
        "date": item.date,
        "kind": item.kind,
        "url": file_url(item, origin),
        "corpus": origin.corpus,
        "indexed": origin.indexed,
        "note": item.note,
        "pinned_at": item.pinned_at,
        "stale": item.stale,
    }


def to_json(items: Sequence[Item], origin: Origin, title: str = "") -> str:
    """``{"title", "corpus", "indexed", "items": [...]}`` (see :func:`item_json`)."""
    data = {
        "title": title,
        "corpus": origin.corpus,
        "indexed": origin.indexed,
        "items": [item_json(i, origin) for i in items],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --- CSV ------------------------------------------------------------------------------------


def _neutral(cell: str) -> str:
    """A text cell a spreadsheet shows as text, never runs as a formula (module docstring)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def csv_cell_text(cell: str) -> str:
    """The text a CSV text cell of :func:`to_csv` holds (the inverse of its neutralising)."""
    return cell[1:] if cell.startswith("'") else cell


def to_csv(items: Sequence[Item], origin: Origin) -> str:
    """A header row (:data:`CSV_COLUMNS`), then one row per item."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for item in items:
        data = item_json(item, origin)
        row = []
        for column in CSV_COLUMNS:
            value = data[column]
            if value is None:
                row.append("")
            elif column in _NUMBER_COLUMNS:
                row.append(str(int(value)) if isinstance(value, bool) else str(value))
            else:
                row.append(_neutral(str(value)))
        writer.writerow(row)
    return out.getvalue()


# --- Markdown -------------------------------------------------------------------------------

# Inline punctuation CommonMark (and GitHub's tables and strike-through) may read as markup.
_MD_PUNCT = re.compile(r"([\\`*_\[\]<>#|~&!])")
# At a line's start: list markers, block quotes, setext underlines, ordered lists ("1." "1)").
_MD_LINE_START = re.compile(r"^([-+=])|^(\d+)([.)])")
# Characters a Markdown line cannot hold as themselves (line ends, form feed): references.
# Other controls stay raw: parsers turn references to them into U+FFFD.
_MD_CONTROL = re.compile("[\r\x0c]")


def _ref(ch: str) -> str:
    return f"&#{ord(ch)};"


def md_escape(line: str) -> str:
    """One line of text as CommonMark inline text that renders as exactly that text."""
    lead = len(line) - len(line.lstrip())
    body = line[lead:].rstrip()
    trail = line[lead + len(body) :]
    text = _MD_PUNCT.sub(r"\\\1", body)
    text = _MD_LINE_START.sub(
        lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), text
    )
    text = _MD_CONTROL.sub(lambda m: _ref(m.group(0)), text)
    return "".join(map(_ref, line[:lead])) + text + "".join(map(_ref, trail))


def md_quote(text: str) -> list[str]:
    """``text`` as block-quote lines: one Markdown line per text line, joined by hard breaks
    (a trailing backslash) so blank lines and line breaks are kept; final newlines, which
    cannot be breaks, are character references."""
    body = text.rstrip("\n")
    tail = _ref("\n") * (len(text) - len(body))
    out = ["> " + md_escape(line) + "\\" for line in body.split("\n")]
    out[-1] = out[-1][:-1] + tail
    return out


def to_markdown(items: Sequence[Item], origin: Origin, title: str = "") -> str:
    """A heading, then per item: its heading, the quote, and the citation with a file link."""
    lines: list[str] = []
    if title:
        lines += ["# " + md_escape(title), ""]
    for n, item in enumerate(items, 1):
        number = item.rank if item.rank is not None else n
        lines += [f"## {number}. {md_escape(item.title)} ({md_escape(item.location)})", ""]
        lines += md_quote(item.text)
        lines.append("")
        url = file_url(item, origin)
        name = md_escape(item.source)
        link = f"[{name}](<{url}>)" if url else name
        cite = [link, md_escape(item.location), f"characters {item.start}–{item.end}"]
        if origin.indexed:
            cite.append(f"indexed {origin.indexed_day}")
        if item.score is not None:
            cite.append(f"score {item.score:.3f}")
        lines.append("— " + ", ".join(cite))
        if item.stale:
            lines += ["", "**The document changed since this was pinned.**"]
        if item.note:
            lines += [""] + ["Note: " + md_escape(line) for line in item.note.split("\n")]
        lines.append("")
    return "\n".join(lines)
