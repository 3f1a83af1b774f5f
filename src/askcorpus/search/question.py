"""A question made ready to search, and what is decided of it before or beside ranking: its
filters and phrases read, and a mistyped folder named.
"""

from __future__ import annotations

from collections.abc import Sequence

from askcorpus.errors import QueryError
from askcorpus.records import PassageFilter
from askcorpus.settings import MAX_TOP_K
from askcorpus.store.base import Store
from askcorpus.text.query import clean_question
from askcorpus.text.syntax import merge_filters, read_query


def read_question(
    question: str, k: int, where: PassageFilter | None, syntax: bool
) -> tuple[int, str, str | None, PassageFilter]:
    """A question made ready to search: ``k`` checked, its filters and phrases read (unless
    ``syntax`` is False) and merged with ``where``, its text cleaned; returns ``(k, text,
    note, filter)``. A bad ``k``, a malformed query or an empty question is a
    :class:`QueryError`."""
    if not 1 <= k <= MAX_TOP_K:
        raise QueryError(f"top-k must be between 1 and {MAX_TOP_K}, not {k}")
    parsed = read_query(question, syntax)
    allowed = merge_filters(parsed.where, where) if where else parsed.where
    text, note = clean_question(parsed.text)
    if not text:
        raise QueryError("the question is empty", hint="type a question")
    return k, text, note, allowed


def check_folder(stores: Sequence[Store], folder: str) -> None:
    """A :class:`QueryError` when no store holds a document in ``folder``: a mistyped
    ``in:`` is named, with the folders there are, instead of an empty answer."""
    sources = [s for store in stores for s in store.document_states()]
    if any(s == folder or s.startswith(folder + "/") for s in sources):
        return
    tops = sorted({s.split("/")[0] for s in sources if "/" in s})
    close = [t for t in tops if t.lower() == folder.split("/")[0].lower()]
    shown = ", ".join(close or tops[:8]) or "none: every document is at the top level"
    raise QueryError(f"no document in folder {folder}", hint=f"folders: {shown}")
