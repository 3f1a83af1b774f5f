"""Format readers: turn a file's bytes into a document's text, title, pages and sections.

Each reader is registered by file suffix. A reader raises :class:`UnreadableFile` with a one-line
reason when the file cannot be used; the indexer reports it and goes on with the other files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from askcorpus.errors import AskcorpusError
from askcorpus.records import Section


class UnreadableFile(AskcorpusError):  # noqa: N818 - reads better at raise sites
    """One file cannot be indexed; ``message`` is the reason shown in the indexing report."""


@dataclass(frozen=True, slots=True)
class Extracted:
    """What a reader got out of a file."""

    text: str
    title: str | None = None
    kind: str = "text"
    page_starts: tuple[int, ...] = ()
    sections: tuple[Section, ...] = ()


Reader = Callable[[Path, bytes], Extracted]
_READERS: dict[str, Reader] = {}


def register(*suffixes: str) -> Callable[[Reader], Reader]:
    """Decorator registering a reader for file suffixes (lower case, with the dot)."""

    def wrap(reader: Reader) -> Reader:
        for suffix in suffixes:
            _READERS[suffix] = reader
        return reader

    return wrap


def reader_for(path: Path) -> Reader | None:
    """The reader for ``path``'s suffix, or None when the format is not supported."""
    _load_builtin_readers()
    return _READERS.get(path.suffix.lower())


def supported_suffixes() -> frozenset[str]:
    """All file suffixes some reader handles."""
    _load_builtin_readers()
    return frozenset(_READERS)


_loaded = False


def _load_builtin_readers() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    # Imported for their @register side effect; optional formats may be absent.
    from askcorpus.formats import text  # noqa: F401
