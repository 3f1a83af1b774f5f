"""The row under the question field: the filters as removable chips, a "Filter" menu adding
them, and the one-line message of a malformed query; plus the completion of folder names
after ``in:`` in the question field (:class:`FolderCompleter`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
)

from askcorpus.errors import QueryError
from askcorpus.gui.filters import add_chip, chip_label, token
from askcorpus.gui.text import message

#: The File type menu: label, the ``type:`` word.
KIND_CHOICES = (
    ("PDF", "pdf"),
    ("Word", "docx"),
    ("PowerPoint", "pptx"),
    ("Excel", "xlsx"),
    ("CSV", "csv"),
    ("Markdown", "md"),
    ("Plain text", "txt"),
    ("Web page", "html"),
    ("E-mail", "email"),
    ("EPUB", "epub"),
    ("Scanned image", "image"),
)
# The word the cursor is in, when it is an in: filter (quoted or not).
_IN_WORD = re.compile(r'(?:^|(?<=\s))in:"?([^\s"]*)$', re.IGNORECASE)


class FilterBar(QWidget):
    """The chips (``chips`` holds their filter words, in order) and the query message.
    ``changed`` is emitted when the user adds or removes a chip."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.chips: list[str] = []
        self.folders: list[str] = []
        self.buttons: list[QToolButton] = []
        self.menu_button = QToolButton(self)
        self.menu_button.setText("Filter")
        self.menu_button.setObjectName("filterMenu")
        self.menu_button.setToolTip(
            "Narrow the search to a folder, kinds of file or a period; you can also type "
            "in:FOLDER type:pdf after:2022-01 before:2023 in the question"
        )
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_button.setAutoRaise(True)
        self.menu_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.menu = QMenu(self)
        self.menu_button.setMenu(self.menu)
        self.menu.aboutToShow.connect(self._fill_menu)
        self.error = QLabel(self)
        self.error.setObjectName("queryError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setAccessibleName("Query problem")
        self.error.hide()
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(4)
        self._row.addWidget(self.menu_button)
        self._row.addWidget(self.error, 1)
        self._row.addStretch(0)

    # -- chips ---------------------------------------------------------------------------------
    def set_chips(self, chips: list[str]) -> None:
        """Show ``chips`` (filter words), replacing the ones shown."""
        for b in self.buttons:
            b.hide()
            b.deleteLater()
        self.buttons = []
        self.chips = list(chips)
        for i, word in enumerate(self.chips):
            b = QToolButton(self)
            b.setObjectName("chip")
            b.setText(f"{chip_label(word)}  ✕")
            b.setToolTip(f"{word} — click to remove this filter")
            b.setAccessibleName(f"Filter {chip_label(word)}, remove")
            b.setCursor(Qt.CursorShape.PointingHandCursor)
            b.clicked.connect(lambda _c=False, w=word: self.remove(w))
            self._row.insertWidget(i, b)
            self.buttons.append(b)

    def add(self, word: str) -> bool:
        """Add the filter word ``word`` (False, with its message shown, when it is not one)."""
        try:
            chips = add_chip(self.chips, word)
        except QueryError as exc:
            self.show_error(message(exc))
            return False
        self.show_error(None)
        self.set_chips(chips)
        self.changed.emit()
        return True

    def extend(self, words: list[str]) -> None:
        """Add the filter words taken from a question (no ``changed``: that search runs)."""
        chips = self.chips
        for word in words:
            chips = add_chip(chips, word)
        self.set_chips(chips)

    def remove(self, word: str) -> None:
        """Remove a chip."""
        if word in self.chips:
            self.set_chips([c for c in self.chips if c != word])
            self.changed.emit()

    def clear(self) -> None:
        """Remove every chip."""
        if self.chips:
            self.set_chips([])
            self.changed.emit()

    def show_error(self, text: str | None) -> None:
        """The one-line message of a malformed query (None hides it)."""
        self.error.setText(" ".join((text or "").split()))
        self.error.setToolTip(text or "")
        self.error.setVisible(bool(text))

    # -- the Filter menu -------------------------------------------------------------------------
    def _fill_menu(self) -> None:
        m = self.menu
        m.clear()
        m.addAction("In Folder…", self.ask_folder)
        kinds = m.addMenu("File Type")
        for label, word in KIND_CHOICES:
            kinds.addAction(label, partial(self.add, token("type", word)))
        m.addAction("After Date…", lambda: self._ask_date("after", "On or after (YYYY-MM-DD):"))
        m.addAction("Before Date…", lambda: self._ask_date("before", "Before (YYYY-MM-DD):"))
        m.addAction("Language…", self._ask_language)
        m.addSeparator()
        clear = m.addAction("Clear Filters", self.clear)
        clear.setEnabled(bool(self.chips))

    def ask_folder(self) -> None:
        """In Folder…: a folder of the corpus (completed from the indexed documents)."""
        folder, ok = QInputDialog.getItem(
            self, "Search in a folder", "Folder of the corpus:", self.folders, 0, True
        )
        if ok and folder.strip():
            self.add(token("in", folder))

    def _ask_date(self, field: str, label: str) -> None:
        text, ok = QInputDialog.getText(self, f"Documents dated {field}", label)
        if ok and text.strip():
            self.add(token(field, text))

    def _ask_language(self) -> None:
        text, ok = QInputDialog.getText(self, "Language", "Language codes (e.g. en or ru,en):")
        if ok and text.strip():
            self.add(token("lang", text.replace(" ", "")))


class FolderCompleter(QObject):
    """Completes the folder after ``in:`` where the cursor is in the question field (the
    field's own completer offers recent questions)."""

    def __init__(self, edit: QLineEdit, folders: Callable[[], list[str]]):
        super().__init__(edit)
        self._edit = edit
        self._folders = folders
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setWidget(edit)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.activated.connect(self._insert)
        edit.textEdited.connect(self._update)
        # Enter on a folder offered picks it, and only that: without this filter (run before
        # the completer's own) the field also got the Enter and asked with half a folder name.
        popup = self.completer.popup()
        if popup is not None:
            popup.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        popup = self.completer.popup()
        if (
            watched is popup
            and popup is not None
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab)
        ):
            current = popup.currentIndex()
            if current.isValid():
                popup.hide()
                self._insert(str(current.data()))
                return True
            popup.hide()  # nothing picked: Enter asks the question as typed
        return super().eventFilter(watched, event)

    def _hide(self, completer: QCompleter) -> None:
        popup = completer.popup()
        if popup is not None:
            popup.hide()

    def _word(self) -> re.Match[str] | None:
        text = self._edit.text()[: self._edit.cursorPosition()]
        return _IN_WORD.search(text)

    def _update(self, _text: str) -> None:
        m = self._word()
        if m is None:
            self._hide(self.completer)
            return
        folders = self._folders()
        if self.model.stringList() != folders:
            self.model.setStringList(folders)
        other = self._edit.completer()
        if other is not None:
            self._hide(other)
        self.completer.setCompletionPrefix(m.group(1))
        if self.completer.completionCount():
            # Shown once the field's own completer has handled the same edit: shown at once,
            # the popup was hidden again on a real display (not under offscreen).
            QTimer.singleShot(0, self._show)
        else:
            self._hide(self.completer)

    def _show(self) -> None:
        if self._word() is not None and self.completer.completionCount():
            self.completer.complete()

    def _insert(self, folder: str) -> None:
        m = self._word()
        if m is None:
            return
        text, cursor = self._edit.text(), self._edit.cursorPosition()
        word = token("in", folder) + " "
        self._edit.setText(text[: m.start()] + word + text[cursor:].lstrip())
        self._edit.setCursorPosition(m.start() + len(word))
