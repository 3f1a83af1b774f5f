"""The reading pane's document text: plain text at a readable line length with airy spacing,
scrolled to a passage in whole lines."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import (
    QColor,
    QPalette,
    QResizeEvent,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import QTextEdit, QWidget

READING_WIDTH = 760  # px: comfortable line length; wider panes get side margins
LINE_HEIGHT = 140  # percent: airy lines for reading
LINE_HEIGHT_MAX_CHARS = 400_000  # beyond this, spacing costs more layout time than it is worth


class ReaderText(QTextEdit):
    """Read-only document view with a readable line length and line spacing."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("reader")
        self.setReadOnly(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.setAcceptRichText(False)
        self.setUndoRedoEnabled(False)
        self.document().setDocumentMargin(18)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.12)
        self.setFont(font)

    def show_text(self, text: str) -> None:
        """Replace the document by ``text`` (plain, never markup), with airy line spacing."""
        self.setPlainText(text)
        if len(text) <= LINE_HEIGHT_MAX_CHARS:
            cursor = QTextCursor(self.document())
            cursor.select(QTextCursor.SelectionType.Document)
            fmt = QTextBlockFormat()
            fmt.setLineHeight(
                LINE_HEIGHT, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value
            )
            cursor.mergeBlockFormat(fmt)

    def resizeEvent(self, event: QResizeEvent) -> None:
        side = max(0, (self.width() - READING_WIDTH) // 2)
        self.setViewportMargins(side, 0, side, 0)
        super().resizeEvent(event)

    def _rect(self, pos: int) -> QRect:
        cursor = QTextCursor(self.document())
        cursor.setPosition(pos)
        return self.cursorRect(cursor)

    def scroll_to(self, pos: int, sentence: tuple[int, int] | None = None) -> None:
        """Scroll so the passage starts a little below the top of the pane; when its marked
        ``sentence`` would then end below the bottom edge, scroll on until it is in view."""
        bar = self.verticalScrollBar()
        height = self.viewport().height()
        target = int(height * 0.12)
        bar.setValue(bar.value() + self._rect(pos).top() - target)
        if sentence is not None:
            top, bottom = self._rect(sentence[0]).top(), self._rect(sentence[1]).bottom()
            below = bottom - (height - target)
            if below > 0:  # but never past the sentence's own start
                bar.setValue(bar.value() + min(below, top - target))
        # Whole lines only: a line cut in half by the top edge is scrolled fully into view.
        first = self.cursorRect(self.cursorForPosition(QPoint(24, 1)))
        if first.top() < 0:
            bar.setValue(bar.value() + first.top())

    def tint(self, a: int, b: int, color: QColor) -> QTextEdit.ExtraSelection:
        """An extra selection painting Qt positions ``a``..``b`` with ``color``."""
        sel = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.document())
        cursor.setPosition(a)
        cursor.setPosition(b, QTextCursor.MoveMode.KeepAnchor)
        fmt = QTextCharFormat()
        fmt.setBackground(color)
        fmt.setProperty(QTextFormat.Property.FullWidthSelection, False)
        sel.cursor = cursor
        sel.format = fmt
        return sel

    def show_selection(self, visible: bool, app: QPalette) -> None:
        """Draw the text selection in ``app``'s selection colours, or not at all."""
        # The passage is the text selection (so Ctrl+C copies it) but is drawn by the tints;
        # the selection colour comes back as soon as the user selects something.
        palette = self.palette()
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            if visible:
                highlight = app.color(group, QPalette.ColorRole.Highlight)
                text = app.color(group, QPalette.ColorRole.HighlightedText)
            else:
                highlight = QColor(0, 0, 0, 0)
                text = app.color(group, QPalette.ColorRole.Text)
            palette.setColor(group, QPalette.ColorRole.Highlight, highlight)
            palette.setColor(group, QPalette.ColorRole.HighlightedText, text)
        self.setPalette(palette)
