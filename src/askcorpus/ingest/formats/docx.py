"""Word documents (.docx, via python-docx): paragraphs, headings and tables in reading order.

Each paragraph becomes a paragraph of the text (separated by blank lines); each table row becomes
one line with its cells joined by " | ". Headings (built-in Heading/Title styles or an outline
level) become sections. The title comes from the document properties, else the Title-styled
paragraph, else the first heading. The archive's declared sizes are checked first
(:mod:`askcorpus.ingest.formats.zipsafe`), so a zip bomb is refused without being inflated.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from askcorpus.ingest.formats import Extracted, UnreadableFile, heading_sections, register, require
from askcorpus.ingest.formats.builder import core_date, core_title
from askcorpus.ingest.formats.zipsafe import open_zip

_HEADING_STYLE = re.compile(r"^(?:heading|überschrift|titre|título|titolo|kop)\s*(\d)$", re.I)
_JUNK_TITLES = re.compile(r"^(?:untitled|document\d*|title|microsoft word.*)$", re.IGNORECASE)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _T, _TAB, _BR, _CR = (f"{_W}{tag}" for tag in ("p", "t", "tab", "br", "cr"))
_TXBX = f"{_W}txbxContent"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIP_CONTAINERS = frozenset({_TXBX, _FALLBACK})


@register(".docx")
def read_docx(path: Path, raw: bytes) -> Extracted:
    """A .docx file's body text; raises :class:`UnreadableFile` for corrupt or non-Word files."""
    docx = require("docx", "Word (.docx)")
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise UnreadableFile("corrupt DOCX (not a zip archive)")
    # Before python-docx inflates every part into memory: refuse what declares too much (a
    # 2 MB file whose document.xml inflates to 2 GB). python-docx reads at most those sizes.
    open_zip(raw, "DOCX").close()
    try:
        document = docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError) as exc:
        raise UnreadableFile("corrupt DOCX (damaged or missing parts)") from exc
    except Exception as exc:  # python-docx and lxml raise many types on damaged packages
        detail = " ".join(str(exc).split())[:80] or type(exc).__name__
        raise UnreadableFile(f"corrupt DOCX ({detail})") from exc

    paragraphs: list[str] = []
    headings: list[tuple[int, int, str]] = []  # (paragraph index, level, text)
    styled_title: str | None = None
    style_levels = _style_levels(document)
    for kind, block in _blocks(document):
        if kind == "table":
            rows = _table_rows(block)
            if rows:
                paragraphs.append("\n".join(rows))
            continue
        text = _xml_text(block)
        if text:
            level = _heading_level(block, style_levels)
            if level == 0 and styled_title is None:
                styled_title = text
            if level is not None:
                # Word's Title plays the part of an H1 and its Heading 1 that of an H2.
                headings.append((len(paragraphs), level + 1, text))
            paragraphs.append(text)
        # Text boxes anchored in the paragraph follow it as paragraphs of their own.
        paragraphs.extend(t for t in map(_xml_text, _text_box_paragraphs(block)) if t)

    starts, offset = [], 0
    for para in paragraphs:
        starts.append(offset)
        offset += len(para) + 2
    text = "\n\n".join(paragraphs)
    title = (
        core_title(document, _JUNK_TITLES)
        or styled_title
        or next((t for _i, _l, t in headings), None)
    )
    return Extracted(
        text=text,
        title=title,
        kind="docx",
        sections=heading_sections([(starts[i], level, t) for i, level, t in headings]),
        date=core_date(document),
    )


def _blocks(document: Any) -> list[tuple[str, Any]]:
    """Body paragraphs and tables in document order (python-docx lists them separately)."""
    from docx.table import Table

    body = document.element.body
    out: list[tuple[str, Any]] = []
    for child in body.iterchildren():
        if child.tag == _P:
            out.append(("p", child))
        elif child.tag == f"{_W}tbl":
            out.append(("table", Table(child, document)))
        elif child.tag == f"{_W}sdt":  # content controls (e.g. a cover page) hold paragraphs
            out.extend(("p", p) for p in child.iter(_P))
    return out


def _outside(element: Any, stop: Any) -> bool:
    """True unless ``element`` lies (below ``stop``) in a text box or a compatibility fallback."""
    node = element.getparent()
    while node is not None and node is not stop:
        if node.tag in _SKIP_CONTAINERS:
            return False
        node = node.getparent()
    return True


def _xml_text(p: Any) -> str:
    """A paragraph's visible text read from its XML: runs anywhere in it (hyperlinks, fields,
    content controls, tracked insertions), not deleted text, not its text boxes."""
    parts = []
    for el in p.iter(_T, _TAB, _BR, _CR):
        if not _outside(el, p):
            continue
        if el.tag == _T:
            parts.append(el.text or "")
        elif el.tag == _TAB:
            parts.append(" ")
        else:
            parts.append("\n")
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _text_box_paragraphs(p: Any) -> list[Any]:
    boxes = [b for b in p.iter(_TXBX) if _outside(b, p)]
    return [q for box in boxes for q in box.iter(_P) if q.getparent() is box]


def _table_rows(table: Any) -> list[str]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # merged cells repeat; keep one
                continue
            seen.add(id(cell._tc))
            value = " ".join(" ".join(_xml_text(p) for p in cell._tc.iter(_P)).split())
            if value:
                cells.append(value)
        if cells:
            rows.append(" | ".join(cells))
    return rows


def _style_levels(document: Any) -> dict[str, int]:
    """Paragraph style id -> 0 for Title, n for Heading n (directly or by inheritance).

    Worked out once per document: python-docx looks a paragraph's style up by a linear scan,
    which made reading a long document quadratic.
    """
    levels: dict[str, int] = {}
    for style in document.styles:
        current = style
        for _ in range(20):  # base-style chains are short; a cycle must not hang us
            if current is None:
                break
            name = (current.name or "").strip()
            if name.lower() == "title":
                levels[style.style_id] = 0
                break
            m = _HEADING_STYLE.match(name)
            if m:
                levels[style.style_id] = int(m.group(1))
                break
            current = getattr(current, "base_style", None)
    return levels


def _heading_level(p: Any, style_levels: dict[str, int]) -> int | None:
    """0 for the Title style, 1-9 for headings, None for body text."""
    level_by_style = style_levels.get(p.style) if p.style else None
    if level_by_style is not None:
        return level_by_style
    # Direct outline level on the paragraph (documents from other word processors).
    ppr = p.pPr
    level = ppr.find(f"{_W}outlineLvl") if ppr is not None else None
    if level is not None:
        value = level.get(f"{_W}val")
        if value is not None and value.isdigit() and int(value) < 9:
            return int(value) + 1
    return None
