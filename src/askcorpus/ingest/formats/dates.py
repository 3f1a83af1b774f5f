"""A document's own date from its metadata, as ISO ``YYYY-MM-DD``.

Readers find dates in many spellings: a ``datetime`` (Office core properties via python-docx,
python-pptx, openpyxl), a PDF date string (``D:20230415093000+02'00'``), an ISO 8601 string
(OpenDocument ``meta:creation-date``, EPUB ``dc:date``, HTML ``<meta>``), an RFC 2822 e-mail
``Date`` header. :func:`iso_date` turns any of them into the day as written (no time-zone
shift: the day the author's clock showed), or None when it is missing or not a real date. A date
given only to the month or year (an EPUB's ``dc:date`` of "2019") becomes its first day, so
``after:`` filters still place it in its year.
"""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_tz

# Years outside this range are placeholders or garbage (a zeroed field reads as year 1601/1900
# in some writers' epochs, 1899 from a spreadsheet's serial 0), not a document's date.
_FIRST_YEAR, _LAST_YEAR = 1901, 2200
_PDF = re.compile(r"^\s*D?:?\s*(\d{4})(\d{2})?(\d{2})?")
_ISO = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?=$|[T\s+Z]|\D)")


def iso_date(value: object) -> str | None:
    """``value`` (a date, datetime or date string) as ISO ``YYYY-MM-DD``, else None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return _checked(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return _checked(value.year, value.month, value.day)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    if text[:2] == "D:":
        return _from_match(_PDF.match(text))
    iso = _ISO.match(text)
    if iso is not None:
        return _from_match(iso)
    parsed = parsedate_tz(text)  # "Tue, 14 Mar 2023 09:30:00 +0100"
    if parsed is not None:
        return _checked(parsed[0], parsed[1], parsed[2])
    return _from_match(_PDF.match(text))  # a PDF date whose "D:" prefix was left out


def first_date(*values: object) -> str | None:
    """The first of ``values`` that :func:`iso_date` accepts (e.g. created, then modified)."""
    for value in values:
        date = iso_date(value)
        if date is not None:
            return date
    return None


def _from_match(match: re.Match[str] | None) -> str | None:
    if match is None:
        return None
    year, month, day = match.group(1), match.group(2), match.group(3)
    return _checked(int(year), int(month or 1), int(day or 1))


def _checked(year: int, month: int, day: int) -> str | None:
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:  # 2023-02-30, month 13
        return None
