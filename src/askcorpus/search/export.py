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
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal

from askcorpus.errors import QueryError
from askcorpus.records import DocumentKind, Hit, SearchResult

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


@dataclass(frozen=True, slots=True)
class Origin:
    """Where exported passages come from: the corpus folder (absolute; empty when the index
    predates it) and the date the index was last updated (ISO)."""

    corpus: str
    indexed: str

    @property
    def indexed_day(self) -> str:
        """The day the index was updated, ``YYYY-MM-DD``."""
        return self.indexed[:10]


@dataclass(frozen=True, slots=True)
class Item:
    """One exported passage: a hit of a result list, or a pin of a board (with its note)."""

    source: str
    title: str
    start: int
    end: int
    text: str
    location: str
    kind: DocumentKind = "text"
    page: int | None = None
    rank: int | None = None
    score: float | None = None
    date: str | None = None
    note: str | None = None
    pinned_at: str | None = None
    stale: bool = False


def item_from_hit(hit: Hit) -> Item:
    """The exported form of a hit."""
    return Item(
        source=hit.source,
        title=hit.title,
        start=hit.start,
        end=hit.end,
        text=hit.text,
        location=hit.place,
        kind=hit.kind,
        page=hit.page,
        rank=hit.rank,
        score=hit.score,
        date=hit.date,
    )


def items_from_result(result: SearchResult) -> list[Item]:
    """The hits of a result, in rank order."""
    return [item_from_hit(h) for h in result.hits]


def file_url(item: Item, origin: Origin) -> str | None:
    """A ``file://`` URL of the item's document (``#page=N`` for a PDF page), or None when the
    corpus folder is unknown."""
    if not origin.corpus:
        return None
    url = PurePosixPath(origin.corpus, item.source).as_uri()
    if item.kind == "pdf" and item.page is not None:
        url += f"#page={item.page}"
    return url


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


def citation(item: Item, origin: Origin) -> str:
    """A one-line citation: title, path, location, offsets and the date indexed."""
    parts = [item.title, item.source, item.location, f"characters {item.start}–{item.end}"]
    if origin.indexed:
        parts.append(f"indexed {origin.indexed_day}")
    return ", ".join(parts)


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


# --- CSL-JSON and RIS -----------------------------------------------------------------------

_CSL_TYPES: dict[str, str] = {"epub": "book", "email": "personal_communication", "html": "webpage"}
_RIS_TYPES: dict[str, str] = {"epub": "BOOK", "email": "PCOMM", "html": "ELEC", "pptx": "SLIDE"}


def _date_parts(iso: str | None) -> dict[str, list[list[int]]] | None:
    """A CSL date from an ISO date (``YYYY-MM-DD``, or a prefix of it), or None."""
    if not iso:
        return None
    match = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", iso)
    if match is None:
        return None
    return {"date-parts": [[int(p) for p in match.groups() if p is not None]]}


def reference_note(item: Item, origin: Origin) -> str:
    """What a reference manager keeps in its note: the quote, then where it stands."""
    lines = [f"“{item.text}”", f"askcorpus: {citation(item, origin)}"]
    if item.note:
        lines.append(f"pin note: {item.note}")
    if item.stale:
        lines.append("the document changed since this was pinned")
    return "\n".join(lines)


def to_csl_json(items: Sequence[Item], origin: Origin) -> str:
    """A JSON array of CSL items (the CSL-JSON input schema): type, id, title, URL, page,
    note (quote, path, offsets, date indexed), accessed (date indexed, or pinned), issued."""
    out = []
    for item in items:
        csl: dict[str, Any] = {
            "id": f"{item.source}#{item.start}-{item.end}",
            "type": _CSL_TYPES.get(item.kind, "document"),
            "title": item.title,
            "note": reference_note(item, origin),
            "source": item.source,
        }
        url = file_url(item, origin)
        if url:
            csl["URL"] = url
        if item.page is not None:
            csl["page"] = str(item.page)
        accessed = _date_parts(item.pinned_at or origin.indexed)
        if accessed:
            csl["accessed"] = accessed
        issued = _date_parts(item.date)
        if issued:
            csl["issued"] = issued
        out.append(csl)
    return json.dumps(out, ensure_ascii=False, indent=2) + "\n"


# A tag line (``TY  - JOUR``, ``ER  -``), as RIS readers match one.
_RIS_TAG = re.compile(r"^[A-Z][A-Z0-9]  -( |$)")
_RIS_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _ris_field(tag: str, value: str) -> Iterable[str]:
    lines = _RIS_CONTROL.sub(" ", value).split("\n")
    yield f"{tag}  - {lines[0]}"
    for line in lines[1:]:
        # A continuation line that would read as a tag (once leading spaces are dropped, as
        # some readers do) gets one more space; :func:`ris_line_text` takes it off again.
        yield " " + line if _RIS_TAG.match(line.lstrip(" ")) else line


def ris_line_text(line: str) -> str:
    """The text of a continuation line of :func:`to_ris` (the inverse of its tag guard)."""
    return line[1:] if line.startswith(" ") and _RIS_TAG.match(line.lstrip(" ")) else line


def _ris_date(iso: str | None) -> str | None:
    parts = _date_parts(iso)
    if parts is None:
        return None
    ymd = [f"{p:02d}" for p in parts["date-parts"][0]] + ["", ""]
    return "/".join(ymd[:3]) + "/"


def to_ris(items: Sequence[Item], origin: Origin) -> str:
    """RIS records (TY, TI, UR, SP, N1, Y2 = date indexed or pinned, DA = document date, ER),
    lines ended by CRLF as RIS asks."""
    lines: list[str] = []
    for item in items:
        lines += _ris_field("TY", _RIS_TYPES.get(item.kind, "GEN"))
        lines += _ris_field("TI", item.title)
        url = file_url(item, origin)
        if url:
            lines += _ris_field("UR", url)
        if item.page is not None:
            lines += _ris_field("SP", str(item.page))
        lines += _ris_field("N1", reference_note(item, origin))
        accessed = _ris_date(item.pinned_at or origin.indexed)
        if accessed:
            lines += _ris_field("Y2", accessed)
        issued = _ris_date(item.date)
        if issued:
            lines += _ris_field("DA", issued)
        lines += ["ER  - ", ""]
    return "\r\n".join(lines)
