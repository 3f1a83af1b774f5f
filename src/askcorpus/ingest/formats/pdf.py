"""PDF: the text layer of each page (pypdfium2), with page starts so every passage knows its page.

pdfium gives each page's text as lines. Lines are regrouped into paragraphs (separated by a blank
line, so chunking finds them) using the page geometry: a paragraph ends where the gap to the next
line is clearly larger than the usual line spacing, where text jumps up (a new column), or after
a short line ending a sentence. Lines inside a paragraph are joined with a space; words that
pdfium marks as hyphenated across a line break are joined. Pages are separated by a blank line.
The stored text is exactly this extraction, so offsets index it.

A page with no usable text layer but an image (a scan) is rendered and read by OCR
(:mod:`askcorpus.ingest.ocr`) when it is on; its OCR lines go through the same regrouping, and
the page is listed in ``Extracted.ocr_pages``.

Just over 300 lines on purpose: line regrouping, running-head removal, titles and outline
sections all work on the same pdfium page model and are read together.
"""

from __future__ import annotations

import bisect
import logging
import re
import statistics
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from askcorpus.ingest import ocr
from askcorpus.ingest.formats import Extracted, UnreadableFile, register, require
from askcorpus.ingest.formats.dates import first_date
from askcorpus.ingest.formats.text import guess_title
from askcorpus.records import Section

log = logging.getLogger(__name__)

# pdfium reports a hyphen it judged to be a line-end hyphenation as U+FFFE (older builds: 0x02)
# and already drops the line break after it; dropping the mark joins the word halves.
_DROP = {0xFFFE: None, 0x02: None, 0x00: None}
# Ligatures broken back into letters so "ﬁnancial" matches "financial" in keyword search.
_LIGATURES = {0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl", 0xFB06: "st"}
_TRANSLATE = {**_DROP, **_LIGATURES}
_PDFIUM_LOCK = threading.Lock()
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SENTENCE_END = re.compile(r"[.!?:;…][\"'”’)\]]*$")
_LIST_MARK = re.compile(r"^\s*(?:[•▪◦●■\-–—*]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s")
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?\s*$", re.IGNORECASE)
_JUNK_TITLES = re.compile(
    r"^(?:untitled|microsoft word\b|slide \d|document\d*$|title$)|\.(?:docx?|dvi|tex|pdf|indd|"
    r"ps|rtf|odt|pptx?|xlsx?)$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    left: float
    right: float
    bottom: float
    height: float


@dataclass(frozen=True, slots=True)
class _Para:
    text: str
    top: float  # baseline of its first line (PDF y grows upwards)
    bottom: float  # baseline of its last line


@register(".pdf")
def read_pdf(path: Path, raw: bytes) -> Extracted:
    """A PDF's text layer, page by page; title from metadata, else an early short line."""
    pdfium = require("pypdfium2", "PDF")
    with _PDFIUM_LOCK:  # pdfium is not thread-safe; the window indexes in a worker thread
        try:
            pdf = pdfium.PdfDocument(raw)
        except pdfium.PdfiumError as exc:
            message = str(exc).lower()
            if "password" in message or "security" in message:
                raise UnreadableFile("encrypted PDF (needs a password)") from exc
            raise UnreadableFile(f"corrupt PDF ({_pdfium_reason(exc)})") from exc
        try:
            return _extract(pdf, path)
        finally:
            pdf.close()


def _extract(pdf: Any, path: Path) -> Extracted:
    n_pages = len(pdf)
    if n_pages == 0:
        raise UnreadableFile("corrupt PDF (no pages)")
    pages: list[list[_Para]] = []
    scanned: list[int] = []
    failed = 0
    for i in range(n_pages):
        try:
            paras, is_scan = _page_text(pdf, i)
        except Exception:  # one damaged page costs that page, not the document
            log.debug("cannot read page %d of %s", i + 1, path, exc_info=True)
            failed += 1
            paras, is_scan = [], False
        pages.append(paras)
        if is_scan:
            scanned.append(i)
    if failed == n_pages:
        raise UnreadableFile("corrupt PDF (no page could be read)")
    ocr_pages = _ocr_scanned(pdf, pages, scanned, path)
    page_texts = ["\n\n".join(page) for page in _drop_running_lines(pages)]
    if not any(t.strip() for t in page_texts):
        pages_note = f"{n_pages} page{'s' if n_pages != 1 else ''}"
        reason = f"no text layer — scanned? ({pages_note}, needs OCR)"
        if scanned:  # pages with images: say why OCR did not give them text
            reason += f" — {ocr.blocker() or 'OCR found no text on them'}"
        raise UnreadableFile(reason)
    page_starts: list[int] = []
    offset = 0
    for text in page_texts:
        page_starts.append(offset)
        offset += len(text) + 2  # pages are joined by a blank line
    full = "\n\n".join(page_texts)
    return Extracted(
        text=full,
        title=_metadata_title(pdf) or guess_title(page_texts[0] or full[:4000], path),
        kind="pdf",
        page_starts=tuple(page_starts),
        sections=_outline_sections(pdf, full, page_starts),
        ocr_pages=ocr_pages,
        date=_metadata_date(pdf),
    )


def _ocr_scanned(
    pdf: Any, pages: list[list[_Para]], scanned: list[int], path: Path
) -> tuple[int, ...]:
    """OCR the ``scanned`` pages (0-based) into ``pages``; their 1-based numbers that got text."""
    options = ocr.active()
    if not scanned or options is None or ocr.blocker() is not None:
        return ()
    if len(scanned) > options.max_pages:
        raise UnreadableFile(
            f"{len(scanned)} scanned pages — more than the OCR limit of {options.max_pages} "
            "pages per file; split the file"
        )
    done = []
    for n, i in enumerate(scanned):
        ocr.next_page(options, n, len(scanned), path)  # cancelled? progress of the pages before
        page = pdf[i]
        try:
            width, height = page.get_size()
            scale = ocr.fit_scale(width, height, options.dpi / 72, options.max_pixels)
            image = page.render(scale=scale, grayscale=True).to_pil()
        finally:
            page.close()
        try:
            paras = ocr_paragraphs(ocr.recognize(image, options, ocr.upscale_for(scale * 72)))
        except Exception:  # the engine failing on one page costs that page, not the file
            log.warning("OCR failed on page %d", i + 1, exc_info=True)
            continue
        if paras:
            pages[i] = paras
            done.append(i + 1)
    ocr.next_page(options, len(scanned), len(scanned), path)
    return tuple(done)


def ocr_paragraphs(page: ocr.OcrPage) -> list[_Para]:
    """OCR lines grouped into paragraphs like a text layer's (pixel y turned to PDF's upward y)."""
    lines = [
        _Line(
            ocr.clean_line(ln.text), ln.left, ln.right, page.height - ln.bottom, ln.bottom - ln.top
        )
        for ln in page.lines
    ]
    return _paragraphs(lines)


def _pdfium_reason(exc: Exception) -> str:
    text = str(exc)
    m = re.search(r"PDFium: ([^)]+)", text)
    return (m.group(1) if m else text).strip().rstrip(".").lower() or "unreadable"


def _page_text(pdf: Any, index: int) -> tuple[list[_Para], bool]:
    """One page as a list of paragraphs, and whether it looks scanned: no usable text (fewer
    than 3 letters or digits) but an image to read by OCR."""
    page = pdf[index]
    try:
        textpage = page.get_textpage()
        try:
            lines = _lines(textpage)
        finally:
            textpage.close()
        usable = sum(ch.isalnum() for ln in lines for ch in ln.text) >= 3
        is_scan = not usable and _has_image(page)
    finally:
        page.close()
    return ([] if is_scan else _paragraphs(lines)), is_scan


def _has_image(page: Any) -> bool:
    from pypdfium2 import raw as pdfium_c

    return next(iter(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])), None) is not None


def _lines(textpage: Any) -> list[_Line]:
    """The page's text lines with the geometry of their first and last characters."""
    raw_text = textpage.get_text_range()
    if not raw_text.strip():
        return []
    from pypdfium2 import raw as pdfium_c

    # Char boxes are looked up by pdfium's char index, which counts UTF-16 units of its text.
    astral = (
        [i for i, ch in enumerate(raw_text) if ord(ch) > 0xFFFF] if max(raw_text) > "\uffff" else []
    )

    def char_index(text_index: int) -> int:
        utf16 = text_index + bisect.bisect_left(astral, text_index)
        return int(pdfium_c.FPDFText_GetCharIndexFromTextIndex(textpage.raw, utf16))

    lines: list[_Line] = []
    pos = 0
    for piece in raw_text.split("\r\n"):
        start, end = pos, pos + len(piece)
        pos = end + 2
        stripped = piece.strip()
        if not stripped:
            lines.append(_Line("", 0.0, 0.0, 0.0, 0.0))
            continue
        first = start + (len(piece) - len(piece.lstrip()))
        last = start + len(piece.rstrip()) - 1
        try:
            left, bottom, _r, top = textpage.get_charbox(char_index(first), loose=True)
            _l, _b, right, _t = textpage.get_charbox(char_index(last), loose=True)
        except Exception:  # geometry is only a hint for paragraphs; text matters
            left = bottom = right = top = 0.0
        text = _CONTROL.sub(" ", stripped.translate(_TRANSLATE))
        lines.append(_Line(text, left, right, bottom, max(top - bottom, 0.0)))
    return lines


def _paragraphs(lines: list[_Line]) -> list[_Para]:
    """Group lines into paragraphs using spacing, columns, short lines and list markers."""
    real = [ln for ln in lines if ln.text]
    if not real:
        return []
    heights = [ln.height for ln in real if ln.height > 0]
    height = statistics.median(heights) if heights else 12.0
    steps = [
        a.bottom - b.bottom
        for a, b in zip(real, real[1:], strict=False)
        if 0 < a.bottom - b.bottom < 3 * height
    ]
    # The lower quartile is the ordinary line spacing even when paragraph gaps are frequent; on a
    # page of a few lines it may be a gap itself, so it is capped near single spacing there.
    step = sorted(steps)[len(steps) // 4] if steps else height * 1.2
    if len(steps) < 4:
        step = min(step, 1.35 * height)
    widths = [ln.right - ln.left for ln in real if ln.right > ln.left]
    full_width = statistics.median(widths) if widths else 0.0

    paragraphs: list[_Para] = []
    current = ""
    bottoms: list[float] = []
    prev: _Line | None = None

    def flush() -> None:
        nonlocal current
        if current:
            paragraphs.append(_Para(current, max(bottoms), min(bottoms)))
        current = ""
        bottoms.clear()

    for line in lines:
        if not line.text:
            prev = None
            flush()
            continue
        if prev is not None and current:
            gap = prev.bottom - line.bottom
            short_prev = full_width > 0 and (prev.right - prev.left) < 0.6 * full_width
            ends_sentence = _SENTENCE_END.search(prev.text) is not None
            # Text jumping up is a new column or box: a paragraph whose last line ran full width
            # without ending a sentence flows on into it.
            jumped = gap < -0.5 * height
            new_paragraph = (
                (jumped and (ends_sentence or short_prev))
                or gap > 1.45 * step
                or (short_prev and ends_sentence)
            )
            if new_paragraph:
                flush()
                current = line.text
            elif short_prev or _LIST_MARK.match(line.text):
                current += "\n" + line.text
            else:
                current += " " + line.text
        else:
            current = line.text
        bottoms.append(line.bottom)
        prev = line
    flush()
    return paragraphs


def _drop_running_lines(pages: list[list[_Para]]) -> list[list[str]]:
    """Page texts without page furniture: the topmost and bottommost paragraph of a page go
    when they are only a number or recur (digits aside) on at least 40 % of the pages."""

    def key(para: _Para) -> str:
        return re.sub(r"\d+", "#", " ".join(para.text.lower().split()))

    def edges(page: list[_Para]) -> set[int]:
        if not page:
            return set()
        order = range(len(page))
        return {max(order, key=lambda i: page[i].top), min(order, key=lambda i: page[i].bottom)}

    counts: dict[str, int] = {}
    for page in pages:
        for k in {key(page[i]) for i in edges(page)}:
            counts[k] = counts.get(k, 0) + 1
    threshold = max(2.0, 0.4 * len(pages))
    running = {k for k, n in counts.items() if n >= threshold and len(k) < 100}
    out = []
    for page in pages:
        drop = {
            i for i in edges(page) if key(page[i]) in running or _PAGE_NUMBER.match(page[i].text)
        }
        out.append([para.text for i, para in enumerate(page) if i not in drop])
    if not any(out):  # pages all alike (a form): keep their text
        return [[para.text for para in page] for page in pages]
    return out


def _metadata_title(pdf: Any) -> str | None:
    try:
        title = (pdf.get_metadata_value("Title") or "").strip()
    except Exception:  # metadata is optional and sometimes garbled
        return None
    if len(title) < 3 or not re.search(r"[^\W\d_]", title) or _JUNK_TITLES.search(title):
        return None
    return title[:200]


def _metadata_date(pdf: Any) -> str | None:
    """The info dictionary's /CreationDate, else /ModDate (``D:YYYYMMDD...``)."""
    try:
        return first_date(*(pdf.get_metadata_value(key) for key in ("CreationDate", "ModDate")))
    except Exception:  # metadata is optional and sometimes garbled
        return None


def _outline_sections(pdf: Any, text: str, page_starts: list[int]) -> tuple[Section, ...]:
    """Bookmarks as sections: each starts where its title appears on its page, else at the page."""
    sections: list[Section] = []
    try:
        items = list(pdf.get_toc(max_depth=4))
    except Exception:  # a broken outline must not cost the document
        log.debug("unreadable PDF outline", exc_info=True)
        return ()
    lowered = text.lower()
    for item in items:
        try:
            title, page = _bookmark(item)
        except Exception:  # one broken bookmark: skip it, keep the rest
            continue
        title = " ".join(title.split())
        if not title or page is None or not 0 <= page < len(page_starts):
            continue
        lo = page_starts[page]
        hi = page_starts[page + 1] if page + 1 < len(page_starts) else len(text)
        found = lowered.find(title.lower(), lo, hi)
        sections.append(Section(found if found >= 0 else lo, title[:200]))
    sections.sort(key=lambda s: s.start)
    return tuple(sections)


def _bookmark(item: Any) -> tuple[str, int | None]:
    """Title and 0-based page of an outline item (pypdfium2 5 objects or 4's named tuples)."""
    if hasattr(item, "get_title"):
        dest = item.get_dest()
        return item.get_title() or "", dest.get_index() if dest is not None else None
    return item.title or "", item.page_index
