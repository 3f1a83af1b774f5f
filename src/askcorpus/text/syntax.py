"""The small query language on top of plain questions: filters and phrases written in the
question itself, parsed into the text to search and a :class:`~askcorpus.records.PassageFilter`.

* ``in:reports/2023`` (or ``in:"Annual reports"``): only documents in that folder or below it;
* ``type:pdf,docx``: only those kinds of file (:data:`KIND_WORDS` lists the words understood);
* ``after:2022-01`` / ``before:2023-07``: the document's date is on or after / before that
  day (a year or a month means its first day);
* ``lang:ru,en``: documents in those languages (ISO 639-1 codes);
* ``"exact phrase"``: must occur in every hit (the keyword side filters on it, the meaning side
  ranks within); it stays in the text searched;
* ``-word`` and ``-"a phrase"``: no hit holds them.

A question without any of these is returned as it is, so it searches exactly as before. A
malformed one (an unclosed quote, an unknown ``field:``, a bad date, an unknown kind) is a
:class:`~askcorpus.errors.QueryError` naming what is wrong with a hint, never a query the
keyword index cannot read and never a silent empty answer.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from dataclasses import dataclass
from typing import TypeVar

from askcorpus.errors import QueryError
from askcorpus.records import DocumentKind, PassageFilter

#: The words ``type:`` understands, and the kind of document each means.
KIND_WORDS: dict[str, DocumentKind] = {
    "pdf": "pdf",
    "docx": "docx",
    "doc": "docx",
    "word": "docx",
    "pptx": "pptx",
    "ppt": "pptx",
    "slides": "pptx",
    "xlsx": "xlsx",
    "xlsm": "xlsx",
    "xls": "xlsx",
    "excel": "xlsx",
    "csv": "csv",
    "tsv": "csv",
    "md": "markdown",
    "markdown": "markdown",
    "txt": "text",
    "text": "text",
    "html": "html",
    "htm": "html",
    "xhtml": "html",
    "web": "html",
    "epub": "epub",
    "eml": "email",
    "email": "email",
    "mail": "email",
    "mbox": "email",
    "odt": "odt",
    "ods": "ods",
    "odp": "odp",
    "rtf": "rtf",
    "image": "image",
    "images": "image",
    "png": "image",
    "jpg": "image",
    "jpeg": "image",
    "tif": "image",
    "tiff": "image",
    "scan": "image",
}
FIELDS = ("in", "type", "after", "before", "lang")
_FIELD_HINT = "filters are in:FOLDER, type:KINDS, after:DATE, before:DATE, lang:CODES"

_QUOTES = '"“”'
# One token of the question: an optional minus, then a quoted phrase, a field with a (quoted)
# value, or a bare word; only at the start or after white space.
_TOKEN = re.compile(
    r"""(?<!\S)
    (?P<neg>-)?
    (?:
        [\"“](?P<phrase>[^\"“”]*)[\"”]
      | (?P<field>[A-Za-z]+):(?!//)(?:[\"“](?P<qvalue>[^\"“”]*)[\"”]|(?P<value>[^\s\"“”]*))
      | (?P<word>[^\s\"“”]+)
    )""",
    re.VERBOSE,
)
_WORD = re.compile(r"\w+")
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A question split into the text to search and the filter it wrote."""

    text: str
    where: PassageFilter


def parse_query(question: str) -> ParsedQuery:
    """The text to search and the :class:`PassageFilter` of ``question`` (see the module
    docstring); raises :class:`QueryError` for a malformed query."""
    _check_quotes(question)
    kept: list[str] = []
    folder: str | None = None
    kinds: set[DocumentKind] = set()
    after: str | None = None
    before: str | None = None
    languages: set[str] = set()
    required: list[tuple[str, ...]] = []
    excluded: list[tuple[str, ...]] = []
    pos = 0
    for m in _TOKEN.finditer(question):
        between = question[pos : m.start()]
        pos = m.end()
        negative = bool(m.group("neg"))
        phrase, field, word = m.group("phrase"), m.group("field"), m.group("word")
        if phrase is not None:
            words = tuple(w.lower() for w in _WORD.findall(phrase))
            if negative:
                if words:
                    excluded.append(words)
                kept.append(between)
                continue
            if words:
                required.append(words)
        elif field is not None and m.group("value") is not None and not m.group("value"):
            if field.lower() in FIELDS:
                raise QueryError(f"{field}: needs a value", hint=_FIELD_HINT)
            # "Note: ..." (a colon before a space) is text, not a filter.
        elif field is not None and negative and field.lower() in FIELDS:
            raise QueryError(
                f"-{field}: is not a filter",
                hint=f"{_FIELD_HINT}; leave out the minus",
            )
        elif field is not None and not negative:
            value = m.group("qvalue") if m.group("qvalue") is not None else m.group("value")
            name = field.lower()
            if name == "in":
                if folder is not None:
                    raise QueryError("only one in: folder per question", hint=_FIELD_HINT)
                folder = folder_value(value)
            elif name == "type":
                kinds |= kind_values(value)
            elif name == "after":
                after = _later(after, date_value(value, "after"))
            elif name == "before":
                before = _earlier(before, date_value(value, "before"))
            elif name == "lang":
                languages |= language_values(value)
            else:
                raise QueryError(f"unknown filter {field}:", hint=_FIELD_HINT)
            kept.append(between)
            continue
        elif negative and word is not None and _WORD.search(word) and not _is_number(word):
            excluded.append(tuple(w.lower() for w in _WORD.findall(word)))
            kept.append(between)
            continue
        kept.append(between + m.group(0))
    kept.append(question[pos:])
    text = "".join(kept)
    if text != question:
        text = " ".join(text.split())
    where = PassageFilter(
        folder=folder,
        kinds=frozenset(kinds),
        after=after,
        before=before,
        languages=frozenset(languages),
        required=tuple(dict.fromkeys(required)),
        excluded=tuple(dict.fromkeys(excluded)),
    )
    return ParsedQuery(text, where)


def _check_quotes(question: str) -> None:
    """An odd number of quote marks means one was left open."""
    if sum(question.count(q) for q in _QUOTES) % 2:
        raise QueryError(
            "the question has an unclosed quote",
            hint='close the "phrase", or remove the quote mark',
        )


def _is_number(word: str) -> bool:
    """``-5`` or ``-3.2`` is a number, not an exclusion."""
    return re.fullmatch(r"-?[\d.,]+%?", word) is not None


def folder_value(value: str) -> str:
    """A folder as the filter takes it: POSIX separators, relative, no trailing slash."""
    folder = value.replace("\\", "/").strip()
    while folder.startswith("./"):
        folder = folder[2:]
    folder = re.sub("/+", "/", folder).strip("/")
    if not folder or folder == "." or any(part == ".." for part in folder.split("/")):
        raise QueryError(
            f"in:{value} is not a folder of the corpus",
            hint="name a folder relative to the corpus, e.g. in:reports/2023",
        )
    return folder


def kind_values(value: str) -> set[DocumentKind]:
    """The kinds of ``pdf,docx`` (see :data:`KIND_WORDS`)."""
    kinds: set[DocumentKind] = set()
    for word in (w.strip().lower().lstrip(".") for w in value.split(",")):
        if not word:
            continue
        if word not in KIND_WORDS:
            raise QueryError(
                f"unknown file type {word!r}",
                hint="use e.g. type:pdf,docx,pptx,xlsx,csv,md,txt,html,epub,email,odt,rtf,image",
            )
        kinds.add(KIND_WORDS[word])
    if not kinds:
        raise QueryError("type: needs a file type", hint="e.g. type:pdf,docx")
    return kinds


def date_value(value: str, field: str = "after") -> str:
    """An ISO date (``YYYY-MM-DD``) from ``2022``, ``2022-01`` or ``2022-01-15``; a year or a
    month means its first day."""
    m = _DATE.fullmatch(value.strip())
    try:
        if m is None:
            raise ValueError(value)
        day = datetime.date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        raise QueryError(
            f"{field}:{value} is not a date", hint="write YYYY, YYYY-MM or YYYY-MM-DD"
        ) from None
    return day.isoformat()


def language_values(value: str) -> set[str]:
    """Language codes (ISO 639-1, lower case) from ``ru,en``."""
    codes = {c.strip().lower() for c in value.split(",") if c.strip()}
    bad = sorted(c for c in codes if not _LANGUAGE.fullmatch(c))
    if bad or not codes:
        raise QueryError(
            f"lang:{value} is not a list of language codes", hint="e.g. lang:en or lang:ru,en"
        )
    return codes


def _later(a: str | None, b: str) -> str:
    return b if a is None else max(a, b)


def _earlier(a: str | None, b: str) -> str:
    return b if a is None else min(a, b)


def merge_filters(a: PassageFilter, b: PassageFilter) -> PassageFilter:
    """One filter letting through what both let through (the question's and the options').
    Two different folders, or kinds or languages with nothing in common, would let nothing
    through: that is a :class:`QueryError`, not an empty answer."""
    if a.folder and b.folder and a.folder != b.folder:
        inner = _inner_folder(a.folder, b.folder)
        if inner is None:
            raise QueryError(
                f"in:{a.folder} and in:{b.folder} have no document in common",
                hint="give one folder",
            )
        folder: str | None = inner
    else:
        folder = a.folder or b.folder
    kinds = _both(a.kinds, b.kinds, "type")
    languages = _both(a.languages, b.languages, "lang")
    return dataclasses.replace(
        a,
        folder=folder,
        kinds=frozenset(kinds),
        after=max(d for d in (a.after, b.after) if d) if (a.after or b.after) else None,
        before=min(d for d in (a.before, b.before) if d) if (a.before or b.before) else None,
        languages=frozenset(languages),
        required=tuple(dict.fromkeys(a.required + b.required)),
        excluded=tuple(dict.fromkeys(a.excluded + b.excluded)),
        exclude_sources=a.exclude_sources | b.exclude_sources,
    )


def _inner_folder(x: str, y: str) -> str | None:
    """The deeper of two nested folders, None when neither holds the other."""
    if y.startswith(x + "/"):
        return y
    if x.startswith(y + "/"):
        return x
    return None


def _both(x: frozenset[_T], y: frozenset[_T], name: str) -> frozenset[_T]:
    if x and y:
        common = x & y
        if not common:
            raise QueryError(
                f"{name}:{','.join(sorted(map(str, x)))} and {name}:"
                f"{','.join(sorted(map(str, y)))} have nothing in common",
                hint=f"give one {name}: list",
            )
        return common
    return x or y
