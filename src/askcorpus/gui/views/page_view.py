"""The reading pane's page view: a PDF hit on its rendered page, the passage's lines shaded and
its best sentence marked more strongly, with page up/down and zoom (fit width, +/−).

The view never renders: it asks for a page (``renderRequested`` with a
:class:`~askcorpus.gui.page_render.PageRequest`) and shows what comes back
(:meth:`PageView.show_page`); answers for anything but the latest request are ignored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QImage,
    QKeyEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from askcorpus.gui.page_render import PageRequest, RenderedPage
from askcorpus.gui.tasks import DocumentView
from askcorpus.gui.views.page_canvas import MARGIN, PageCanvas, line_pitch
from askcorpus.gui.views.widgets import flat_button

ZOOMS = (0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0)  # multiples of "fit width"
FIT = ZOOMS.index(1.0)
SCALE_STEP = 8  # render scales are rounded up to 1/8, so small resizes reuse the cache
DEFAULT_PAGE_WIDTH = 612.0  # points (US letter), until the first render tells


@dataclass(frozen=True, slots=True)
class PageTarget:
    """What the view shows: a PDF and the passage's text on each page it covers."""

    view: DocumentView
    page: int  # 1-based page shown
    first_page: int  # the passage's first page


def passage_on_page(view: DocumentView, page: int, span: tuple[int, int]) -> str:
    """The part of the text at ``span`` (document offsets) lying on ``page`` (1-based)."""
    starts = view.document.page_starts
    lo = starts[page - 1]
    hi = starts[page] if page < len(starts) else len(view.document.text)
    a, b = max(span[0], lo), min(span[1], hi)
    return view.document.text[a:b] if a < b else ""


class PageView(QWidget):
    """Page navigation and zoom above the scrollable page."""

    renderRequested = Signal(object)  # PageRequest (a direct connection on the UI thread)
    pageChanged = Signal(int)  # the page shown (1-based), as soon as it is asked for
    cancelRequested = Signal()  # the page asked for is no longer wanted

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.target: PageTarget | None = None
        self.request: PageRequest | None = None
        self.rendered: RenderedPage | None = None
        self.zoom = FIT
        self._page_size = (DEFAULT_PAGE_WIDTH, DEFAULT_PAGE_WIDTH * 11 / 8.5)
        self._scroll_to_passage = False
        self._scroll_to_end = False  # an unmarked page is shown from its end, not its top

        self.prev_page = flat_button(self, "‹", "Previous page")
        self.next_page = flat_button(self, "›", "Next page")
        self.page_label = QLabel(self)
        self.page_label.setObjectName("muted")
        self.zoom_out = flat_button(self, "−", "Zoom out (Ctrl+wheel)")
        self.zoom_fit = flat_button(self, "Fit width", "Fit the page to the pane's width")
        self.zoom_in = flat_button(self, "+", "Zoom in (Ctrl+wheel)")
        self.note = QLabel(self)
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.prev_page.clicked.connect(lambda: self.go_to_page(-1))
        self.next_page.clicked.connect(lambda: self.go_to_page(1))
        self.zoom_out.clicked.connect(lambda: self.set_zoom(self.zoom - 1))
        self.zoom_in.clicked.connect(lambda: self.set_zoom(self.zoom + 1))
        self.zoom_fit.clicked.connect(lambda: self.set_zoom(FIT))

        bar = QHBoxLayout()
        bar.setContentsMargins(16, 2, 12, 2)
        bar.setSpacing(2)
        for w in (self.prev_page, self.page_label, self.next_page):
            bar.addWidget(w)
        bar.addSpacing(12)
        bar.addWidget(self.note, 1)
        for w in (self.zoom_out, self.zoom_fit, self.zoom_in):
            bar.addWidget(w)

        self.canvas = PageCanvas()
        self.scroller = QScrollArea(self)
        self.scroller.setObjectName("pageScroll")
        self.scroller.setWidget(self.canvas)
        self.scroller.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroller.setAccessibleName("Page")
        self.scroller.viewport().installEventFilter(self)
        self.scroller.installEventFilter(self)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addLayout(bar)
        col.addWidget(self.scroller, 1)
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(120)
        self._resize_timer.timeout.connect(self._on_resized)
        self._update_controls()

    # -- what to show --------------------------------------------------------------------------
    def show_document(self, view: DocumentView) -> None:
        """Show the page holding ``view``'s passage (asks for it to be rendered)."""
        first = view.document.page_at(view.span[0]) or 1
        self.target = PageTarget(view, first, first)
        self._scroll_to_passage = True
        self._request()

    def clear(self) -> None:
        """Show nothing (and drop the answer to any request still out)."""
        if self.request is not None:
            self.cancelRequested.emit()
        self.target = self.request = self.rendered = None
        self.canvas.set_page(None, None)
        self._update_controls()

    def go_to_page(self, delta: int, at_end: bool = False) -> None:
        """Show the page ``delta`` pages away (scrolled to its end with ``at_end``, as Page Up
        from the top of a page does, unless the passage is marked on it)."""
        t = self.target
        if t is None:
            return
        page = t.page + delta
        if not 1 <= page <= self.page_count():
            return
        self.target = PageTarget(t.view, page, t.first_page)
        self._scroll_to_passage = True
        self._scroll_to_end = at_end
        self._request()

    def page_count(self) -> int:
        """Pages of the PDF shown (as rendered, else as indexed)."""
        if self.rendered is not None:
            return self.rendered.page_count
        return len(self.target.view.document.page_starts) if self.target else 0

    def set_zoom(self, level: int) -> None:
        """Zoom to ``ZOOMS[level]`` times the fit-width size."""
        level = max(0, min(len(ZOOMS) - 1, level))
        if level == self.zoom:
            return
        bar = self.scroller.verticalScrollBar()
        fraction = bar.value() / max(1, bar.maximum()) if bar.maximum() else 0.0
        self.zoom = level
        self._layout_page()
        bar.setValue(round(fraction * bar.maximum()))
        self._request_if_blurry()
        self._update_controls()

    # -- rendering -----------------------------------------------------------------------------
    def _display_size(self) -> QSize:
        w_pt, h_pt = self._page_size
        # The scroll bar's width is always set aside: fit width must not depend on whether the
        # page is taller than the pane (a bar appearing would narrow it, and narrow it again).
        bar = self.scroller.verticalScrollBar().sizeHint().width()
        fit = max(120, self.scroller.width() - bar - 2 * MARGIN)
        width = round(fit * ZOOMS[self.zoom])
        return QSize(width, round(width * h_pt / w_pt))

    def _wanted_scale(self) -> float:
        px = self._display_size().width() * self.devicePixelRatioF()
        return math.ceil(px / self._page_size[0] * SCALE_STEP) / SCALE_STEP

    def _request(self) -> None:
        t = self.target
        if t is None:
            return
        view = t.view
        highlight = view.highlight
        self.request = PageRequest(
            path=view.full_path,
            page=t.page,
            scale=self._wanted_scale(),
            passage=passage_on_page(view, t.page, view.span),
            sentence=passage_on_page(view, t.page, highlight) if highlight else "",
        )
        self.note.setText(f"Rendering page {t.page}…")
        self._update_controls()
        self.pageChanged.emit(t.page)
        self.renderRequested.emit(self.request)

    def _request_if_blurry(self) -> None:
        """Render again when the page is shown much larger than it was rendered."""
        if self.request is not None and self._wanted_scale() > self.request.scale * 1.1:
            self._request()

    def show_page(self, rendered: RenderedPage, image: QImage) -> None:
        """Show a rendered page (ignored unless it answers the latest request)."""
        if rendered.request != self.request:
            return
        self.rendered = rendered
        first_layout = self._page_size != rendered.size
        self._page_size = rendered.size
        self.canvas.set_page(rendered, image)
        self._layout_page()
        if first_layout:
            self._request_if_blurry()
        if self._scroll_to_passage:
            self._scroll_to_passage = False
            bar = self.scroller.verticalScrollBar()
            if self._scroll_to_end and not rendered.marked:
                bar.setValue(bar.maximum())
            else:
                self.scroll_to_marks()
        self.note.setText(self._note(rendered))
        self._update_controls()

    def show_failure(self, request: PageRequest, text: str) -> None:
        """Say why the requested page cannot be shown."""
        if request == self.request:
            self.canvas.set_page(None, None)
            self.note.setText(f"Cannot show the page: {text}")

    def _note(self, rendered: RenderedPage) -> str:
        if not rendered.request.passage:
            return "The passage is not on this page" if self.target else ""
        if not rendered.has_text:
            return "A scan: the passage cannot be marked on the page (its text was read by OCR)"
        if not rendered.marked:
            return "The passage could not be located on this page's text"
        return ""

    def _layout_page(self) -> None:
        self.canvas.set_display(self._display_size())

    def scroll_to_marks(self) -> None:
        """Scroll so the passage's first line sits a few lines below the top edge (its marked
        sentence kept in view), with the edge falling between two lines, not through one."""
        r = self.rendered
        bar = self.scroller.verticalScrollBar()
        if r is None or not r.passage_rects:
            bar.setValue(0)
            return
        lines = [self.canvas.page_rect(m) for m in r.passage_rects]
        first = lines[0]
        if r.sentence_rects:
            sentence = [self.canvas.page_rect(m) for m in r.sentence_rects]
            if sentence[-1].bottom() - first.top() > self.scroller.viewport().height() * 0.85:
                first = sentence[0]  # a long passage: start at its sentence instead
        pitch = line_pitch(lines)
        above = int(self.scroller.viewport().height() * 0.12 / pitch)
        gap = max(0.0, pitch - first.height())
        bar.setValue(max(0, round(first.top() - above * pitch - gap / 2)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Ctrl+wheel zooms, as in every PDF viewer; the plain wheel scrolls the page.
        if (
            isinstance(event, QWheelEvent)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
            and event.angleDelta().y()
        ):
            self.set_zoom(self.zoom + (1 if event.angleDelta().y() > 0 else -1))
            return True
        if isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            # Page Down at the bottom of a page turns to the next one, as in a PDF viewer.
            bar = self.scroller.verticalScrollBar()
            key = event.key()
            if key == Qt.Key.Key_PageDown and bar.value() >= bar.maximum():
                self.go_to_page(1)
                return True
            if key == Qt.Key.Key_PageUp and bar.value() <= bar.minimum():
                self.go_to_page(-1, at_end=True)
                return True
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.target is not None:
            self._layout_page()
            self._resize_timer.start()

    def _on_resized(self) -> None:
        self._request_if_blurry()

    def _update_controls(self) -> None:
        t = self.target
        n = self.page_count()
        self.page_label.setText(f"Page {t.page} of {n}" if t is not None else "")
        self.prev_page.setEnabled(t is not None and t.page > 1)
        self.next_page.setEnabled(t is not None and t.page < n)
        self.zoom_out.setEnabled(self.zoom > 0)
        self.zoom_in.setEnabled(self.zoom < len(ZOOMS) - 1)
        self.zoom_fit.setEnabled(self.zoom != FIT)
