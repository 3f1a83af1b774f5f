"""The filters of the question bar as plain data (no Qt): the filter words of a question
(``in:reports/2023``, ``type:pdf``, ``after:2022-01`` …) taken out of its text, and the chips
they become, combined into one :class:`~askcorpus.records.PassageFilter`.

The query language itself is :mod:`askcorpus.text.syntax`; this module only decides which
words are chips, how a new chip joins the ones there (one folder and one date of each side;
file kinds and languages add up), and how a chip reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath

from askcorpus.records import PassageFilter
from askcorpus.text.syntax import parse_query

#: Filters a question may have only one of: a new one replaces the old.
SINGLE = ("in", "after", "before")
#: Filters whose values add up into one chip (``type:pdf`` then ``type:docx`` = both).
LISTS = ("type", "lang")
_LABELS = {"in": "in", "type": "type", "after": "after", "before": "before", "lang": "language"}
_FILTER_TOKEN = re.compile(
    r"""(?<!\S)(?P<field>in|type|after|before|lang):
    (?:[\"“](?P<qvalue>[^\"“”]*)[\"”]|(?P<value>[^\s\"“”]+))(?!\S)""",
    re.VERBOSE | re.IGNORECASE,
)


def token(field: str, value: str) -> str:
    """The filter word ``field:value`` (quoted when the value holds a space)."""
    value = value.strip()
    return f'{field}:"{value}"' if any(c.isspace() for c in value) else f"{field}:{value}"


def split_token(text: str) -> tuple[str, str]:
    """``(field, value)`` of one filter word."""
    m = _FILTER_TOKEN.fullmatch(text.strip())
    if m is None:
        field, _colon, value = text.partition(":")
        return field.lower(), value.strip('"“”')
    value = m.group("qvalue") if m.group("qvalue") is not None else m.group("value")
    return m.group("field").lower(), value


def take_filters(question: str) -> tuple[str, list[str]]:
    """The question without its filter words, and those words in order. The whole question
    is checked first (:func:`parse_query`), so a malformed one raises
    :class:`~askcorpus.errors.QueryError` and nothing is taken."""
    parse_query(question)
    found = [m.group(0) for m in _FILTER_TOKEN.finditer(question)]
    if not found:
        return question, []
    rest = " ".join(_FILTER_TOKEN.sub(" ", question).split())
    return rest, found


def add_chip(chips: Iterable[str], word: str) -> list[str]:
    """``chips`` with the filter word ``word`` joined in (see the module docstring); raises
    :class:`~askcorpus.errors.QueryError` when ``word`` is not a valid filter."""
    parse_query(word)
    field, value = split_token(word)
    out: list[str] = []
    joined = False
    for chip in chips:
        f, v = split_token(chip)
        if f == field and field in SINGLE:
            continue  # the new one replaces it
        if f == field and field in LISTS and not joined:
            values = list(dict.fromkeys([*v.split(","), *value.split(",")]))
            out.append(token(field, ",".join(x for x in values if x)))
            joined = True
            continue
        out.append(chip)
    if not joined:
        out.append(token(field, value))
    return out


def chips_filter(chips: Iterable[str]) -> PassageFilter:
    """The one filter the chips make together."""
    return parse_query(" ".join(chips)).where


def chip_label(word: str) -> str:
    """How a chip reads: ``in: reports/2023``, ``type: pdf, docx``."""
    field, value = split_token(word)
    return f"{_LABELS.get(field, field)}: {', '.join(v for v in value.split(',') if v)}"


def folders_of(sources: Iterable[str]) -> list[str]:
    """Every folder holding a document (``reports``, ``reports/2023`` …), sorted; the choices
    ``in:`` completes."""
    found: set[str] = set()
    for source in sources:
        for parent in PurePosixPath(source).parents:
            if str(parent) not in ("", "."):
                found.add(str(parent))
    return sorted(found, key=lambda f: (f.lower(), f))


_QUOTE_MARKS = re.compile(r"[\"“”]")
_FIELD_LIKE = re.compile(r"(?<!\S)([A-Za-z]+):")
_MINUS_WORD = re.compile(r"(?<!\S)-(?=[^\s\d])")


def plain_question(text: str) -> str:
    """``text`` (a passage or a selection asked by "Find similar") with nothing the query
    language would read as syntax: no quote marks, no ``field:`` words, no ``-word``."""
    text = _QUOTE_MARKS.sub(" ", text)
    text = _FIELD_LIKE.sub(r"\1 ", text)
    return _MINUS_WORD.sub("", text)
