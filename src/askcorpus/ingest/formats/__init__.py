"""Format readers: turn a file's bytes into a document's text, title, pages and sections.

Each reader is registered by file suffix. A reader raises :class:`UnreadableFile` with a one-line
reason when the file cannot be used; the indexer reports it and goes on with the other files.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from askcorpus.errors import AskcorpusError
from askcorpus.records import DocumentKind, Section


class UnreadableFile(AskcorpusError):  # noqa: N818 - reads better at raise sites
    """One file cannot be indexed; ``message`` is the reason shown in the indexing report."""


@dataclass(frozen=True, slots=True)
class Extracted:
    """What a reader got out of a file."""

    text: str
    title: str | None = None
    kind: DocumentKind = "text"
    page_starts: tuple[int, ...] = ()
    sections: tuple[Section, ...] = ()
    #: 1-based pages whose text was read by OCR (askcorpus.ingest.ocr).
    ocr_pages: tuple[int, ...] = ()
    #: The document's own date from its metadata, ISO ``YYYY-MM-DD`` (see
    #: :mod:`askcorpus.ingest.formats.dates`); None when it has none (the loader then uses the
    #: file's modification day).
    date: str | None = None


def heading_sections(headings: list[tuple[int, int, str]]) -> tuple[Section, ...]:
    """Sections from ``(start, level, text)`` headings in document order.

    A section's title is its heading prefixed by its enclosing headings ("Methods › Sampling"),
    so a passage from a deep subsection keeps its context. A top-level heading that occurs once
    is the document's own title (passages carry the title anyway) and is left out of the paths.
    """
    if not headings:
        return ()
    levels = [level for _start, level, _text in headings]
    top = min(levels)
    title_level = top if levels.count(top) == 1 else None
    sections = []
    trail: list[tuple[int, str]] = []
    for start, level, raw_text in headings:
        text = " ".join(raw_text.split())  # one line, even from "<h2>A<br>B</h2>"
        trail = [(lv, t) for lv, t in trail if lv < level]
        trail.append((level, text))
        path = [t for lv, t in trail if lv != title_level] or [text]
        sections.append(Section(start, " › ".join(path)[:200]))
    return tuple(sections)


Reader = Callable[[Path, bytes], Extracted]
_READERS: dict[str, Reader] = {}


def register(*suffixes: str) -> Callable[[Reader], Reader]:
    """Decorator registering a reader for file suffixes (lower case, with the dot)."""

    def wrap(reader: Reader) -> Reader:
        for suffix in suffixes:
            _READERS[suffix] = reader
        return reader

    return wrap


def require(module: str, what: str) -> ModuleType:
    """Import an optional format library, or raise :class:`UnreadableFile` saying what to install.

    Readers import their library lazily so a missing one costs only its own format: those files
    are reported with this reason while every other file is indexed.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        package = _PACKAGES.get(module, module)
        raise UnreadableFile(f"{what} support is not installed (pip install {package})") from exc


_PACKAGES = {
    "pypdfium2": "pypdfium2",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "openpyxl": "openpyxl",
    "odf": "odfpy",
    "striprtf": "striprtf",
    "ebooklib": "ebooklib",
    "PIL.Image": "Pillow",
    "PIL.ImageOps": "Pillow",
}


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
    # Imported for their @register side effect. The readers of PDF, Office, OpenDocument, RTF,
    # e-book and image files import their libraries only when called (see require), so their files are
    # always found and, if the library is missing, reported with the package to install rather
    # than silently ignored.
    from askcorpus.ingest.formats import (  # noqa: F401
        delimited,
        docx,
        epub,
        html,
        image,
        mail,
        opendocument,
        pdf,
        pptx,
        rtf,
        text,
        xlsx,
    )
