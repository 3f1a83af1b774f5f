"""HTML (saved web pages): the visible text, paragraph by paragraph, with headings as sections.

Uses the standard library's tolerant ``html.parser`` (no dependency), kept linear on hostile
pages (unterminated tails cut first, skipped subtrees counted per tag) and bounded by a time
budget per page past which the page is skipped with a reason. Dropped: scripts, styles,
templates, forms and other invisible or interactive parts, elements marked hidden, and page
furniture that announces itself — ``<nav>``, ``role="navigation"``, and ``<header>``,
``<footer>``, ``<aside>`` outside the page's ``<main>``/``<article>``. Block elements become
paragraphs separated by blank lines; ``<pre>`` keeps its lines. The title comes from ``<title>``,
else the first ``<h1>``; the date from a ``<meta>`` such as ``article:published_time``,
``dcterms.created`` or ``date``.

Over 300 lines on purpose: the parser's state (what is hidden, furniture, main content) and
the decisions it feeds are one design, read together; the byte decoding is apart already
(:mod:`askcorpus.ingest.formats.encoding`).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

from askcorpus.ingest.formats import Extracted, UnreadableFile, heading_sections, register
from askcorpus.ingest.formats.dates import first_date
from askcorpus.ingest.formats.encoding import bom_encoding, decode_text

_INVISIBLE = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "svg",
        "math",
        "canvas",
        "iframe",
        "object",
        "embed",
        "select",
        "button",
        "form",
        "dialog",
        "map",
        "audio",
        "video",
    ]
)
_ALWAYS_FURNITURE = frozenset({"nav"})
_PAGE_FURNITURE = frozenset({"header", "footer", "aside"})
_FURNITURE_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "menubar", "menu"})
_CONTENT = frozenset({"main", "article"})
# class/id words marking furniture anywhere, and words marking it outside <main>/<article>.
_ALWAYS_FURNITURE_MARKS = frozenset(
    {"cookie", "cookies", "consent", "breadcrumb", "breadcrumbs", "skiplink", "newsletter"}
)
_PAGE_FURNITURE_MARKS = frozenset(
    {"nav", "navbar", "navigation", "menu", "sidebar", "footer", "header", "masthead", "banner"}
)
_TOKEN = re.compile(r"[a-z0-9]+")
_BLOCKS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "body",
        "html",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "caption",
        "figure",
        "figcaption",
        "address",
        "hr",
        "details",
        "summary",
        "center",
        "header",
        "footer",
        "aside",
        "fieldset",
        "legend",
    ]
)
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_META_CHARSET = re.compile(
    rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)|<\?xml[^>]+encoding\s*=\s*[\"']([\w.:-]+)",
    re.IGNORECASE,
)
# <meta> names giving a page's own date, best first: when it was published or written, then when
# it was last changed.
_META_DATES = (
    "article:published_time",
    "dcterms.created",
    "dc.date.created",
    "date",
    "dcterms.date",
    "dc.date",
    "citation_publication_date",
    "datepublished",
    "dcterms.issued",
    "article:modified_time",
    "dcterms.modified",
    "last-modified",
    "datemodified",
)
_SPACE = re.compile(r"[ \t\n\r\f\v\u00a0\u200b]+")
# Seconds of parsing one page may take before it is skipped. The parse is linear (see
# _without_unterminated_tail and the skip counts), so only a huge page on a slow machine comes
# near it; it bounds whatever html.parser path is still superlinear.
TIME_BUDGET = 30.0
_CHECK_EVERY = 1024  # parser events between looks at the clock
_TAG_OPEN = re.compile(r"<[A-Za-z/!?]")
_MARKED_SECTION_CLOSE = re.compile(r"\][ \t\n\r\f]*>")


class _OverBudget(Exception):
    """Raised from a parser callback when the page's time budget is spent."""


class _Extractor(HTMLParser):
    """Streams visible text into paragraphs; tracks skipped subtrees with a stack of tag names."""

    def __init__(self, drop_furniture: bool, deadline: float) -> None:
        super().__init__(convert_charrefs=True)
        self.drop_furniture = drop_furniture
        self.deadline = deadline
        self.events = 0
        self.paragraphs: list[str] = []
        self.headings: list[tuple[int, int, str]] = []  # (paragraph index, level, text)
        self.current: list[str] = []
        self.skip: list[str] = []  # open tags whose content is dropped
        # How often each tag is on self.skip: an end tag looks itself up here, not by scanning
        # the stack, which pages with thousands of unclosed tags in a <nav> made quadratic.
        self.skip_counts: Counter[str] = Counter()
        self.content_depth = 0  # inside <main>/<article>
        self.in_content: list[bool] = []  # per paragraph
        self.pre_depth = 0
        self.heading_level = 0
        self.title_parts: list[str] | None = None
        self.title = ""
        self.cells = 0
        self.meta_dates: dict[str, str] = {}  # <meta> date name (lower case) -> its content

    def _skips(self, tag: str, attrs: dict[str, str | None]) -> bool:
        if tag in _INVISIBLE:
            return True
        if "hidden" in attrs or (attrs.get("aria-hidden") or "").lower() == "true":
            return True
        if not self.drop_furniture:
            return False
        if tag in _ALWAYS_FURNITURE or (attrs.get("role") or "").lower() in _FURNITURE_ROLES:
            return True
        marks = set(_TOKEN.findall(f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()))
        if marks & _ALWAYS_FURNITURE_MARKS:
            return True
        if self.content_depth:
            return False
        return tag in _PAGE_FURNITURE or bool(marks & _PAGE_FURNITURE_MARKS)

    def _tick(self) -> None:
        self.events += 1
        if self.events % _CHECK_EVERY == 0 and time.monotonic() > self.deadline:
            raise _OverBudget

    def _push_skip(self, tag: str) -> None:
        self.skip.append(tag)
        self.skip_counts[tag] += 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tick()
        if tag == "meta":  # in <head>, which is skipped: read before the skip test
            self._meta(dict(attrs))
            return
        if tag == "title" and not self.title and self.skip in ([], ["head"]):
            self.title_parts = []
            return
        if self.skip:
            if tag not in _VOID:
                self._push_skip(tag)
            return
        if tag in _VOID:
            if tag == "br":
                self.current.append("\n")
            elif tag == "hr":
                self._flush()
            return
        if self._skips(tag, dict(attrs)):
            self._push_skip(tag)
            return
        if tag in _CONTENT:
            self.content_depth += 1
        if tag in ("td", "th"):
            if self.cells:
                self.current.append(" | ")
            self.cells += 1
        if tag in _BLOCKS:
            self._flush()
            if tag == "tr":
                self.cells = 0
        if tag == "li":
            self.current.append("• ")
        if tag == "pre":
            self.pre_depth += 1
        if tag in _HEADINGS:
            self.heading_level = _HEADINGS[tag]

    def _meta(self, attrs: dict[str, str | None]) -> None:
        name = (attrs.get("name") or attrs.get("property") or attrs.get("itemprop") or "").lower()
        content = attrs.get("content")
        if name in _META_DATES and content and name not in self.meta_dates:
            self.meta_dates[name] = content

    def handle_endtag(self, tag: str) -> None:
        self._tick()
        if tag == "title" and self.title_parts is not None:
            self.title = _SPACE.sub(" ", "".join(self.title_parts)).strip()
            self.title_parts = None
            return
        if self.skip:
            # Close up to the matching open tag; tolerate unclosed children inside.
            if self.skip_counts[tag]:
                while self.skip:
                    popped = self.skip.pop()
                    self.skip_counts[popped] -= 1
                    if popped == tag:
                        break
            return
        if tag in _BLOCKS:
            self._flush()
        if tag in _HEADINGS:
            self.heading_level = 0
        if tag in _CONTENT and self.content_depth:
            self.content_depth -= 1
        if tag == "pre" and self.pre_depth:
            self.pre_depth -= 1

    def handle_data(self, data: str) -> None:
        self._tick()
        if self.title_parts is not None:
            self.title_parts.append(data)
        elif not self.skip:
            self.current.append(data if self.pre_depth else _SPACE.sub(" ", data))

    def _flush(self) -> None:
        raw = "".join(self.current)
        self.current = []
        if self.pre_depth:
            text = raw.strip("\n")
            text = text if text.strip() else ""
        else:
            lines = (" ".join(line.split()) for line in raw.split("\n"))
            text = "\n".join(line for line in lines if line)
        if text:
            if self.heading_level:
                self.headings.append((len(self.paragraphs), self.heading_level, text))
                self.heading_level = 0
            self.paragraphs.append(text)
            self.in_content.append(self.content_depth > 0)

    def close(self) -> None:
        super().close()
        self._flush()


def _decode(raw: bytes) -> str:
    """Decode by BOM, then as UTF-8 when valid, then by ``<meta charset>``, then by detection.

    Valid UTF-8 wins over a declared single-byte charset: pages re-saved as UTF-8 often keep
    their old declaration, while legacy text is practically never valid UTF-8 by accident.
    """
    if bom_encoding(raw) is None:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        m = _META_CHARSET.search(raw[:4096])
        if m:
            label = (m.group(1) or m.group(2)).decode("ascii").lower()
            # As browsers do (WHATWG Encoding): Latin-1 and ASCII labels mean Windows-1252.
            if label in {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "us-ascii", "ascii"}:
                label = "cp1252"
            try:
                return raw.decode(label)
            except (LookupError, UnicodeDecodeError):
                pass  # a wrong declaration is common; fall back to detection
    return decode_text(raw)


def _without_unterminated_tail(markup: str) -> str:
    """``markup`` without an unterminated comment, marked section or tag at its end.

    A browser drops those (the comment or tag runs to the end of the file); html.parser instead
    re-scans to the end of the file from every "<" in them, which made a page ending in
    ``"<a " * 20000`` take 84 s. Cutting them first keeps the parse linear.
    """
    last_close = markup.rfind("-->")
    start = markup.find("<!--", last_close + 3 if last_close >= 0 else 0)
    if start >= 0:
        markup = markup[:start]
    last_close = max((m.end() for m in _MARKED_SECTION_CLOSE.finditer(markup)), default=0)
    start = markup.find("<![", last_close)
    if start >= 0:
        markup = markup[:start]
    m = _TAG_OPEN.search(markup, markup.rfind(">") + 1)
    return markup[: m.start()] if m else markup


def _extract(markup: str, drop_furniture: bool, deadline: float) -> _Extractor:
    parser = _Extractor(drop_furniture, deadline)
    try:
        parser.feed(markup)
        parser.close()
    except _OverBudget:
        raise UnreadableFile(
            f"HTML page took longer than {TIME_BUDGET:.0f} s to parse — skipped"
        ) from None
    return parser


@register(".html", ".htm", ".xhtml")
def read_html(path: Path, raw: bytes) -> Extracted:
    """A saved web page's visible text; raises :class:`UnreadableFile` when none is left."""
    markup = _decode(raw)
    if "\x00" in markup[:8192]:
        raise UnreadableFile("binary file (not HTML)")
    markup = _without_unterminated_tail(markup)
    deadline = time.monotonic() + TIME_BUDGET
    parser = _extract(markup, drop_furniture=True, deadline=deadline)
    if not parser.paragraphs:
        # Some pages put everything in <header>/<nav>-like wrappers: better boilerplate than nothing.
        parser = _extract(markup, drop_furniture=False, deadline=deadline)
    if not parser.paragraphs:
        raise UnreadableFile("no visible text in this HTML page")
    keep = _main_content(parser)
    starts: dict[int, int] = {}
    offset = 0
    for i in keep:
        starts[i] = offset
        offset += len(parser.paragraphs[i]) + 2
    text = "\n\n".join(parser.paragraphs[i] for i in keep)
    headings = [(starts[i], level, title) for i, level, title in parser.headings if i in starts]
    h1 = next((t for _s, level, t in headings if level == 1), None)
    return Extracted(
        text=text,
        title=parser.title or h1,
        kind="html",
        sections=heading_sections(headings),
        date=first_date(*(parser.meta_dates.get(name) for name in _META_DATES)),
    )


def _main_content(parser: _Extractor) -> list[int]:
    """Indexes of the paragraphs to keep: those in ``<main>``/``<article>`` when the page has
    them and they hold a good share of its text (the rest is related links, comments, ads),
    else all."""
    everything = list(range(len(parser.paragraphs)))
    inside = [i for i in everything if parser.in_content[i]]
    inside_chars = sum(len(parser.paragraphs[i]) for i in inside)
    total_chars = sum(len(p) for p in parser.paragraphs)
    return inside if inside and inside_chars >= 0.25 * total_chars else everything
