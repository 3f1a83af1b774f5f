"""PDF pages for the reading pane, rendered with pypdfium2 on a worker thread (no Qt here).

A request names a file, a page and a scale, plus the passage's text on that page (and its best
sentence); the answer is the page's pixels and the passage's lines as rectangles, in fractions
of the page so the window can draw them at any zoom.

The passage is found on the page through pdfium's text page: the page's characters and the
stored text are both reduced to their letters (whitespace, pdfium's hyphenation marks and
control characters dropped, ligatures spelled out, case folded), which survives the extractor's
regrouping of lines into paragraphs and its hyphen joins. When the exact sequence is not found
(page furniture inside a passage, say), the passage is looked up in pieces, in order. The
rectangles of each matched character range come from pdfium (``FPDFText_CountRects``: one per
line), so they follow the text's own line boxes.

Rendered pages are kept in a small cache bounded by bytes; the last opened document stays open.
pdfium is not thread-safe: every call holds the lock the PDF reader of the indexer holds too.
"""

from __future__ import annotations

import ctypes
import logging
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from askcorpus.errors import AskcorpusError

log = logging.getLogger(__name__)

#: Bytes of rendered pages kept (a letter page at 2x is ~7.7 MB).
CACHE_BYTES = 96 * 2**20
#: Largest page rendered, in pixels (a poster at high zoom would otherwise take gigabytes).
MAX_PIXELS = 24_000_000
#: Characters pdfium puts in its text that the extractor drops (hyphenation marks, NULs).
_DROPPED = {0xFFFE, 0x02, 0x00}
_LIGATURES = {0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl", 0xFB06: "st"}
_PIECE_WORDS = 6  # words per piece when the passage is looked up in pieces
_DEVICE = 1_000_000  # device size for page → fraction conversion


class PageUnavailable(AskcorpusError):
    """A PDF page cannot be shown (file gone, unreadable, or no such page)."""


class PageCancelled(Exception):  # noqa: N818 - a signal to stop, not an error to show
    """The render was cancelled (the selection moved on) before it was done."""


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One page to show: ``page`` is 1-based; ``passage``/``sentence`` are the stored text to
    mark on it ('' for none)."""

    path: Path
    page: int
    scale: float
    passage: str = ""
    sentence: str = ""


@dataclass(frozen=True, slots=True)
class Rect:
    """A rectangle as fractions of the page shown (0..1, origin top left)."""

    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True, slots=True)
class PageImage:
    """A rendered page: 4 bytes a pixel (B, G, R, unused), ``stride`` bytes a row."""

    width: int
    height: int
    stride: int
    pixels: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class RenderedPage:
    """The answer to a :class:`PageRequest`."""

    request: PageRequest
    image: PageImage
    page_count: int
    size: tuple[float, float]  # the page's width and height in points, as displayed
    passage_rects: tuple[Rect, ...] = ()
    sentence_rects: tuple[Rect, ...] = ()
    has_text: bool = True  # False: no text layer (a scan), so nothing can be marked

    @property
    def marked(self) -> bool:
        """Whether any of the passage was found and marked on the page."""
        return bool(self.passage_rects)


def pdfium_lock() -> threading.Lock:
    """The lock around every pdfium call (shared with the indexer's PDF reader)."""
    from askcorpus.ingest.formats import pdf

    # The PDF reader's own lock: the window may render while it indexes on another thread.
    return pdf._PDFIUM_LOCK  # noqa: SLF001 - one lock for the process's one pdfium


def normalized(chars: list[tuple[int, int]]) -> tuple[str, list[int]]:
    """Letters of ``chars`` ((code point, char index) pairs) as one string and, for each of its
    characters, the char index it came from."""
    out: list[str] = []
    where: list[int] = []
    for code, index in chars:
        if code in _DROPPED or code < 0x20 or 0x7F <= code < 0xA0:
            continue
        text = _LIGATURES.get(code)
        if text is None:
            try:
                text = chr(code)
            except (ValueError, OverflowError):
                continue
        if text.isspace():
            continue
        for ch in text.casefold():
            out.append(ch)
            where.append(index)
    return "".join(out), where


def fold(text: str) -> str:
    """``text`` reduced as :func:`normalized` reduces a page's characters."""
    return normalized([(ord(ch), 0) for ch in text])[0]


def locate(haystack: str, where: list[int], needle: str, start: int = 0) -> list[tuple[int, int]]:
    """Char-index ranges (first, last; inclusive) of ``needle`` in the page whose letters are
    ``haystack``: the whole passage when it occurs as it is, else its pieces found in order."""
    whole = fold(needle)
    if not whole:
        return []
    pos = haystack.find(whole, start)
    if pos >= 0:
        return [(where[pos], where[pos + len(whole) - 1])]
    words = needle.split()
    found: list[tuple[int, int]] = []
    cursor = start
    for i in range(0, len(words), _PIECE_WORDS):
        piece = fold(" ".join(words[i : i + _PIECE_WORDS]))
        if len(piece) < 4:  # a short piece would match anywhere
            continue
        pos = haystack.find(piece, cursor)
        if pos < 0:
            continue
        a, b = where[pos], where[pos + len(piece) - 1]
        if found and a <= found[-1][1] + 3:  # touching the previous piece: one range
            found[-1] = (found[-1][0], b)
        else:
            found.append((a, b))
        cursor = pos + len(piece)
    return found


class PageRenderer:
    """Renders pages and marks passages; used from one worker thread at a time."""

    def __init__(self, cache_bytes: int = CACHE_BYTES):
        self._cache: OrderedDict[tuple[object, ...], tuple[PageImage, tuple[float, float]]] = (
            OrderedDict()
        )
        self._cache_bytes = cache_bytes
        self._cached = 0
        self._doc: Any = None
        self._doc_key: tuple[object, ...] | None = None
        self.renders = 0  # pages rendered (not served from the cache)

    def close(self) -> None:
        """Close the open document and drop the cache."""
        with pdfium_lock():
            self._close_doc()
        self._cache.clear()
        self._cached = 0

    def _close_doc(self) -> None:
        if self._doc is not None:
            self._doc.close()
        self._doc, self._doc_key = None, None

    def _document(self, request: PageRequest) -> tuple[Any, tuple[object, ...]]:
        """The open PDF of ``request`` and what identifies this version of the file (a file
        changed since it was opened, or cached, is opened and rendered again)."""
        import pypdfium2 as pdfium

        try:
            st = request.path.stat()
        except OSError as exc:
            raise PageUnavailable(
                f"cannot open {request.path.name}: it is no longer in the corpus folder",
                request.path,
                "reindex to drop it from the results",
            ) from exc
        key = (str(request.path), st.st_size, st.st_mtime_ns)
        if self._doc_key != key:
            self._close_doc()
            try:
                self._doc = pdfium.PdfDocument(str(request.path))
            except (OSError, pdfium.PdfiumError) as exc:
                raise PageUnavailable(
                    f"cannot open {request.path.name}: {exc}",
                    request.path,
                    "open it in your PDF viewer, or reindex if it has changed",
                ) from exc
            self._doc_key = key
        return self._doc, key

    def render(self, request: PageRequest, cancel: threading.Event | None = None) -> RenderedPage:
        """The page of ``request``, rendered (or from the cache) with the passage marked."""
        with pdfium_lock():
            if cancel is not None and cancel.is_set():
                raise PageCancelled
            doc, version = self._document(request)
            count = len(doc)
            if not 1 <= request.page <= count:
                raise PageUnavailable(
                    f"{request.path.name} has no page {request.page} (it has {count})",
                    request.path,
                    "reindex: the file has changed since it was indexed",
                )
            page = doc[request.page - 1]
            try:
                image, size = self._image(page, request, version)
                if cancel is not None and cancel.is_set():
                    raise PageCancelled
                passage, sentence, has_text = _marks(page, request)
            finally:
                page.close()
        return RenderedPage(request, image, count, size, passage, sentence, has_text)

    def _image(
        self, page: Any, request: PageRequest, version: tuple[object, ...]
    ) -> tuple[PageImage, tuple[float, float]]:
        import pypdfium2.raw as pdfium_c

        key = (*version, request.page, round(request.scale, 3))
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        width, height = page.get_size()
        rotation = page.get_rotation()
        if rotation in (90, 270):
            width, height = height, width
        scale = min(request.scale, math.sqrt(MAX_PIXELS / max(1.0, width * height)))
        bitmap = page.render(
            scale=scale,
            force_bitmap_format=pdfium_c.FPDFBitmap_BGRx,
            may_draw_forms=False,
            draw_annots=True,
        )
        try:
            image = PageImage(bitmap.width, bitmap.height, bitmap.stride, bytes(bitmap.buffer))
        finally:
            bitmap.close()
        self.renders += 1
        entry = (image, (float(width), float(height)))
        self._cache[key] = entry
        self._cached += len(image.pixels)
        while self._cached > self._cache_bytes and len(self._cache) > 1:
            _key, (old, _size) = self._cache.popitem(last=False)
            self._cached -= len(old.pixels)
        return entry


def _marks(page: Any, request: PageRequest) -> tuple[tuple[Rect, ...], tuple[Rect, ...], bool]:
    """Rectangles of the passage and of its best sentence on ``page``, and whether the page has
    a text layer at all."""
    import pypdfium2.raw as pdfium_c

    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        chars = [(int(pdfium_c.FPDFText_GetUnicode(textpage.raw, i)), i) for i in range(n)]
        haystack, where = normalized(chars)
        if not haystack:
            return (), (), False
        passage = locate(haystack, where, request.passage) if request.passage else []
        sentence: list[tuple[int, int]] = []
        if request.sentence:
            first = where.index(passage[0][0]) if passage else 0
            sentence = locate(haystack, where, request.sentence, first)
        return (
            _rects(page, textpage, passage),
            _rects(page, textpage, sentence),
            True,
        )
    finally:
        textpage.close()


def _rects(page: Any, textpage: Any, ranges: list[tuple[int, int]]) -> tuple[Rect, ...]:
    import pypdfium2.raw as pdfium_c

    out: list[Rect] = []
    x, y = ctypes.c_int(), ctypes.c_int()

    def device(px: float, py: float) -> tuple[float, float]:
        # The page's own rotation applies, as it does when the page is rendered.
        pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, _DEVICE, _DEVICE, 0, px, py, x, y)
        return x.value / _DEVICE, y.value / _DEVICE

    for first, last in ranges:
        for k in range(textpage.count_rects(first, last - first + 1)):
            left, bottom, right, top = textpage.get_rect(k)
            (x1, y1), (x2, y2) = device(left, top), device(right, bottom)
            out.append(Rect(min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)))
    return tuple(out)
