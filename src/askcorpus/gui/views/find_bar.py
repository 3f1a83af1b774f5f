"""Find in the reading pane (Ctrl+F): type, Enter for the next match, Shift+Enter for the
previous, Esc to close. Matches are case-insensitive; the count says where you are."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QTextEdit, QToolButton, QWidget

MAX_COUNTED = 999


class FindBar(QWidget):
    """A one-line find bar for a QTextEdit."""

    found = Signal()  # a match was selected (the pane shows the selection normally then)

    def __init__(self, editor: QTextEdit, parent: QWidget | None = None):
        super().__init__(parent)
        self._editor = editor
        self.field = QLineEdit(self)
        self.field.setPlaceholderText("Find in document")
        self.field.setClearButtonEnabled(True)
        self.field.setAccessibleName("Find in document")
        self.field.installEventFilter(self)
        self.field.textChanged.connect(lambda _t: self.find_match(True, from_start=True))
        self.count = QLabel(self)
        self.count.setObjectName("muted")
        prev_button = self._button(
            "‹", "Previous match (Shift+Enter)", lambda: self.find_match(False)
        )
        next_button = self._button("›", "Next match (Enter)", lambda: self.find_match(True))
        close_button = self._button("✕", "Close (Esc)", self.close_bar)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 4, 0, 0)
        row.setSpacing(4)
        row.addWidget(self.field, 1)
        row.addWidget(self.count)
        row.addWidget(prev_button)
        row.addWidget(next_button)
        row.addWidget(close_button)
        self.hide()

    def _button(self, text: str, tip: str, slot: Callable[[], object]) -> QToolButton:
        b = QToolButton(self)
        b.setText(text)
        b.setToolTip(tip)
        b.setAutoRaise(True)
        b.clicked.connect(slot)
        return b

    def open_bar(self) -> None:
        """Show the bar with its text selected, ready to type."""
        self.show()
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def close_bar(self) -> None:
        """Hide the bar and go back to the document."""
        self.hide()
        self._editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def find_match(self, forward: bool = True, from_start: bool = False) -> bool:
        """Select the next (or previous) match; False when there is none."""
        needle = self.field.text()
        doc = self._editor.document()
        if not needle:
            self.count.setText("")
            return False
        flags = QTextDocument.FindFlag(0) if forward else QTextDocument.FindFlag.FindBackward
        cursor = self._editor.textCursor()
        if from_start:
            cursor = QTextCursor(doc)
        elif forward:
            cursor.setPosition(max(cursor.position(), cursor.anchor()))
        else:
            cursor.setPosition(min(cursor.position(), cursor.anchor()))
        match = doc.find(needle, cursor, flags)
        if match.isNull():  # wrap around
            start = QTextCursor(doc)
            if not forward:
                start.movePosition(QTextCursor.MoveOperation.End)
            match = doc.find(needle, start, flags)
        if match.isNull():
            self.count.setText("No matches")
            return False
        self.found.emit()
        self._editor.setTextCursor(match)
        self._editor.ensureCursorVisible()
        self.count.setText(self._position(needle, match))
        return True

    def _position(self, needle: str, match: QTextCursor) -> str:
        doc = self._editor.document()
        total, index = 0, 0
        cursor = doc.find(needle, QTextCursor(doc))
        while not cursor.isNull() and total < MAX_COUNTED:
            total += 1
            if cursor.selectionStart() == match.selectionStart():
                index = total
            cursor = doc.find(needle, cursor)
        more = "+" if total >= MAX_COUNTED else ""
        return f"{index} of {total}{more}"

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.field and event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                shift = event.modifiers() & Qt.KeyboardModifier.ShiftModifier  # type: ignore[attr-defined]
                self.find_match(not shift)
                return True
            if key == Qt.Key.Key_Escape:
                self.close_bar()
                return True
        return super().eventFilter(watched, event)
