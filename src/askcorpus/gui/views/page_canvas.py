"""The page itself: a rendered PDF page painted at the display size, with the passage's lines
tinted and its best sentence marked (multiplied over the paper like a highlighter)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QRegion
from PySide6.QtWidgets import QWidget

from askcorpus.gui.page_render import Rect, RenderedPage
from askcorpus.gui.theme import Tints, blend

MARGIN = 16  # px around the page
WHITE = QColor(255, 255, 255)


def line_pitch(lines: list[QRectF]) -> float:
    """The distance from one line's top to the next's, in px: the usual step between the
    marked lines (the height of a line and a bit when only one is marked)."""
    steps = sorted(
        b.top() - a.top()
        for a, b in zip(lines, lines[1:], strict=False)
        if 0 < b.top() - a.top() < 3 * a.height()
    )
    return steps[len(steps) // 2] if steps else max(1.0, lines[0].height() * 1.25)


class PageCanvas(QWidget):
    """Paints the rendered page scaled to the display size, and the marks over it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.image: QImage | None = None
        self.rendered: RenderedPage | None = None
        self.display = QSize(0, 0)

    def sizeHint(self) -> QSize:
        return self.display + QSize(2 * MARGIN, 2 * MARGIN)

    def set_page(self, rendered: RenderedPage | None, image: QImage | None) -> None:
        """Show ``rendered`` (its pixels as ``image``)."""
        self.rendered, self.image = rendered, image
        self.update()

    def set_display(self, size: QSize) -> None:
        """Draw the page ``size`` big (px)."""
        self.display = size
        self.setFixedSize(self.sizeHint())
        self.update()

    def page_rect(self, rect: Rect) -> QRectF:
        """A mark's rectangle in this widget's coordinates."""
        w, h = self.display.width(), self.display.height()
        return QRectF(
            MARGIN + rect.left * w,
            MARGIN + rect.top * h,
            (rect.right - rect.left) * w,
            (rect.bottom - rect.top) * h,
        )

    def _region(self, rects: tuple[Rect, ...]) -> QRegion:
        region = QRegion()
        for rect in rects:
            region = region.united(self.page_rect(rect).adjusted(-2, -1, 2, 1).toAlignedRect())
        return region

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        tints = Tints.current(self)
        page = QRectF(MARGIN, MARGIN, self.display.width(), self.display.height())
        painter.fillRect(page.adjusted(1, 2, 1, 2), tints.separator)  # a hint of a shadow
        painter.fillRect(page, WHITE)
        if self.image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(page, self.image)
        if self.rendered is not None:
            # Multiplied over the paper like a highlighter: the print stays black on the tint.
            # The page is paper-white in dark mode too, so the light-mode marker colours apply.
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Multiply)
            # The sentence is cut out of the passage's tint: two tints multiplied turn olive.
            sentence = self._region(self.rendered.sentence_rects)
            passage = self._region(self.rendered.passage_rects).subtracted(sentence)
            for region, colour in (
                (passage, blend(WHITE, tints.accent, 0.22)),
                (sentence, QColor("#f7cf5a")),
            ):
                painter.setClipRegion(region)
                painter.fillRect(region.boundingRect(), colour)
        painter.end()
