"""Rich Text Format (.rtf, via striprtf): paragraphs of the document's text.

striprtf turns the control words into plain text (``\\par`` ends a line, ``\\'e9`` and ``\\uN``
escapes become characters in the file's code page); each non-blank line becomes a paragraph.
The title comes from the ``{\\info{\\title ...}}`` group, if any. A file that does not begin
with ``{\\rtf`` is refused as not RTF.
"""

from __future__ import annotations

import re
from pathlib import Path

from askcorpus.ingest.formats import Extracted, UnreadableFile, register, require
from askcorpus.ingest.formats.builder import TextBuilder, one_line
from askcorpus.ingest.formats.dates import iso_date

_TITLE = re.compile(rb"\{\\title\s+([^{}]*)\}")
_CREATED = re.compile(rb"\\creatim((?:\\(?:yr|mo|dy|hr|min|sec)\d+\s?)+)")
_TIME_PART = re.compile(rb"\\(yr|mo|dy)(\d+)")
_HEX = re.compile(r"\\'([0-9a-fA-F]{2})")


@register(".rtf")
def read_rtf(path: Path, raw: bytes) -> Extracted:
    """An RTF file's paragraphs; raises :class:`UnreadableFile` for non-RTF or damaged files."""
    striprtf = require("striprtf.striprtf", "RTF (.rtf)")
    if not raw.lstrip().startswith(b"{\\rtf"):
        raise UnreadableFile("not an RTF file (it does not begin with {\\rtf)")
    # RTF is 7-bit by definition; stray 8-bit bytes are read as Windows-1252, RTF's default.
    source = raw.decode("cp1252", errors="replace")
    try:
        plain = striprtf.rtf_to_text(source, errors="replace")
    except Exception as exc:  # striprtf fails on damaged control words and unknown code pages
        detail = one_line(str(exc))[:80] or type(exc).__name__
        raise UnreadableFile(f"corrupt RTF ({detail})") from exc
    out = TextBuilder()
    for line in plain.split("\n"):
        if not out.add(" ".join(line.split())):
            break
    return out.extracted("rtf", _title(raw), path, date=_created(raw))


def _title(raw: bytes) -> str | None:
    match = _TITLE.search(raw[: 1 << 20])
    if match is None:
        return None
    text = match.group(1).decode("cp1252", errors="replace")
    text = _HEX.sub(lambda m: bytes([int(m.group(1), 16)]).decode("cp1252", "replace"), text)
    title = one_line(re.sub(r"\\[a-z]+-?\d* ?", "", text))
    return title[:200] if len(title) >= 3 else None


def _created(raw: bytes) -> str | None:
    """The ``{\\info{\\creatim\\yr2023\\mo4\\dy15...}}`` date."""
    match = _CREATED.search(raw[: 1 << 20])
    if match is None:
        return None
    parts = {k.decode(): int(v) for k, v in _TIME_PART.findall(match.group(1))}
    if "yr" not in parts:
        return None
    return iso_date(f"{parts['yr']:04d}-{parts.get('mo', 1):02d}-{parts.get('dy', 1):02d}")
