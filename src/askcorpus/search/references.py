"""Exports for reference managers: CSL-JSON (:func:`to_csl_json`, the CSL-JSON input schema,
for Zotero and citeproc) and RIS (:func:`to_ris`). See :mod:`askcorpus.search.export` for how
each keeps hostile text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from askcorpus.search.citations import Item, Origin, citation, file_url

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
