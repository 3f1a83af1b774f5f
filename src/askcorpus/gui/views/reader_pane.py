"""The reading pane: the whole indexed document, scrolled to a passage and highlighted — or,
for a PDF, the page itself with the passage marked (:mod:`askcorpus.gui.views.page_view`).

The passage is tinted and its best sentence marked more strongly (extra selections, which leave
the text untouched); the passage is also the pane's text selection, so Ctrl+C in the pane copies
exactly it. Text is shown as plain text — never interpreted as markup. A passage read by OCR
carries a note that its quote may hold recognition errors.

(Just over 300 lines: the header, the text and the page view share one view of the document
shown and its buttons' states, and read best together.)
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import (
    QKeySequence,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from askcorpus.gui.tasks import DocumentView
from askcorpus.gui.theme import Tints
from askcorpus.gui.views.find_bar import FindBar
from askcorpus.gui.views.page_view import PageView
from askcorpus.gui.views.reader_text import ReaderText
from askcorpus.gui.views.reader_tools import ReaderMode, ReaderTools
from askcorpus.gui.views.results_model import OCR_NOTE
from askcorpus.gui.views.snippets import QtPositions, join_nonempty
from askcorpus.gui.views.widgets import EmptyState, NoticeBar, flat_button
from askcorpus.text.sentences import paragraph_spans


class ReaderPane(QWidget):
    """Header (title, where, passage navigation, actions), notices, and the document text."""

    navigate = Signal(int)  # -1 previous passage, +1 next
    openRequested = Signal()
    copyRequested = Signal()
    reindexRequested = Signal()
    modeChanged = Signal(str)  # "text" or "page": the user switched views
    findSimilar = Signal(str, bool)  # text to search for, leave this document out?

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pane")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.view: DocumentView | None = None
        self._shown_key: tuple[str, str] | None = None
        self._map = QtPositions("")
        self._programmatic_selection = False
        self.mode: ReaderMode = "page"  # for PDFs; other documents are always text

        self.title = QLabel()
        self.title.setObjectName("readerTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.meta = QLabel()
        self.meta.setObjectName("readerMeta")
        self.meta.setTextFormat(Qt.TextFormat.PlainText)
        self.meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.prev_button = flat_button(
            self, "‹  Previous", "Previous passage of this document (Alt+Up)"
        )
        self.next_button = flat_button(self, "Next  ›", "Next passage of this document (Alt+Down)")
        self.position_label = QLabel()
        self.position_label.setObjectName("muted")
        self.copy_button = flat_button(
            self, "Copy citation", "Copy the passage with its source (Ctrl+C)"
        )
        self.open_button = flat_button(self, "Open in default app", "Open the file (Enter)")
        self.prev_button.clicked.connect(lambda: self.navigate.emit(-1))
        self.next_button.clicked.connect(lambda: self.navigate.emit(1))
        self.copy_button.clicked.connect(self.copyRequested)
        self.open_button.clicked.connect(self.openRequested)

        nav = QHBoxLayout()
        nav.setContentsMargins(0, 0, 0, 0)
        nav.setSpacing(4)
        nav.addWidget(self.prev_button)
        nav.addWidget(self.position_label)
        nav.addWidget(self.next_button)
        nav.addStretch(1)
        nav.addWidget(self.copy_button)
        nav.addWidget(self.open_button)

        self.notice = NoticeBar(self)
        self.notice.actionTriggered.connect(self.reindexRequested)
        self.text = ReaderText(self)
        self.text.setAccessibleName("Document")
        self.text.viewport().installEventFilter(self)
        self.text.installEventFilter(self)
        self.page_view = PageView(self)
        self.page_view.pageChanged.connect(lambda _page: self._update_buttons())
        self.views = QStackedWidget(self)
        self.views.addWidget(self.text)
        self.views.addWidget(self.page_view)
        self.tools = ReaderTools(self)
        self.tools.modeChanged.connect(self._on_mode)
        self.tools.findSimilar.connect(self._on_find_similar)
        self.ocr_note = QLabel(OCR_NOTE, self)
        self.ocr_note.setObjectName("ocrNote")
        self.ocr_note.setWordWrap(True)
        self.ocr_note.hide()

        header = QWidget(self)
        head = QVBoxLayout(header)
        head.setContentsMargins(20, 14, 16, 8)
        head.setSpacing(3)
        head.addWidget(self.title)
        head.addWidget(self.meta)
        head.addSpacing(6)
        head.addLayout(nav)
        head.addWidget(self.tools)
        head.addWidget(self.ocr_note)
        head.addWidget(self.notice)
        self.find_bar = FindBar(self.text, self)
        self.find_bar.found.connect(self._user_selection)
        head.addWidget(self.find_bar)

        content = QWidget(self)
        col = QVBoxLayout(content)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        col.addWidget(header)
        col.addWidget(self.views, 1)

        self.empty = EmptyState(self)
        self.empty.set_text(
            "Nothing selected", "Pick a result to read it in its document, highlighted."
        )
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self._update_buttons()

    def changeEvent(self, event: QEvent) -> None:
        # Light/dark switch: the highlight tints are blends of the palette, recompute them.
        if event.type() == QEvent.Type.PaletteChange and self.view is not None:
            start, end = self.view.span
            self._highlight(start, end, self.view.highlight)
        super().changeEvent(event)

    # -- state ---------------------------------------------------------------------------------
    def clear(self, title: str = "Nothing selected", body: str = "") -> None:
        """Show an empty state instead of a document."""
        self.view = None
        self.page_view.clear()
        self.empty.set_text(title, body or "Pick a result to read it in its document, highlighted.")
        self.stack.setCurrentIndex(0)
        self._update_buttons()

    def show_view(self, view: DocumentView) -> None:
        """Show ``view``'s document, scrolled to its passage, passage and sentence highlighted."""
        self.view = view
        doc = view.document
        key = (doc.source, doc.content_hash)
        if key != self._shown_key:
            self.text.show_text(doc.text)
            self._map = QtPositions(doc.text)
            self._shown_key = key
        start, end = view.span
        self.title.setText(doc.title)
        self.meta.setText(join_nonempty([doc.source, view.location], "  ·  "))
        self.position_label.setText(f"Passage {view.position + 1} of {len(view.passages)}")
        if view.file_state == "missing":
            self.notice.show_message(
                "This file is no longer in the corpus folder (moved or deleted since indexing). "
                "Showing the indexed text.",
                "Reindex",
            )
        elif view.file_state == "changed":
            self.notice.show_message(
                "This file has changed since it was indexed. Showing the indexed text.", "Reindex"
            )
        else:
            self.notice.hide()
        self.ocr_note.setVisible(doc.is_ocr(start))
        self._highlight(start, end, view.highlight)
        self.stack.setCurrentIndex(1)
        self._show_mode()
        self._update_buttons()

    # -- text or page --------------------------------------------------------------------------
    @property
    def can_page(self) -> bool:
        """Whether the document shown is a PDF with pages (so it has a page view)."""
        v = self.view
        return v is not None and v.document.kind == "pdf" and bool(v.document.page_starts)

    @property
    def showing_page(self) -> bool:
        """True while the page view is shown."""
        return self.can_page and self.mode == "page"

    def set_mode(self, mode: ReaderMode) -> None:
        """Show PDFs as text or as pages from now on."""
        self.mode = mode
        if self.view is not None:
            self._show_mode()
            self._update_buttons()

    def toggle_mode(self) -> None:
        """Ctrl+T: switch between the text and the page of a PDF."""
        if self.can_page:
            self._on_mode("text" if self.mode == "page" else "page")

    def _on_mode(self, mode: str) -> None:
        self.set_mode("page" if mode == "page" else "text")
        self.modeChanged.emit(self.mode)

    def _show_mode(self) -> None:
        self.tools.set_mode(self.mode, self.can_page)
        if self.showing_page and self.view is not None:
            page = self.page_view
            shown = page.target.view if page.target is not None else None
            if shown is not self.view:
                page.show_document(self.view)
            self.views.setCurrentWidget(page)
            self.find_bar.hide()
        else:
            if self.page_view.target is not None and self.page_view.target.view is not self.view:
                self.page_view.clear()  # another document: its page is no longer wanted
            self.views.setCurrentWidget(self.text)

    def current_page(self) -> int | None:
        """The PDF page in view: the one shown in the page view, else the passage's."""
        v = self.view
        if v is None or not v.document.page_starts:
            return None
        if self.showing_page and self.page_view.target is not None:
            return self.page_view.target.page
        return v.document.page_at(v.span[0])

    def _on_find_similar(self, exclude: bool) -> None:
        if self.view is None:
            return
        selected = "" if self._programmatic_selection or self.showing_page else self.selected_text()
        self.findSimilar.emit(selected.strip() or self.view.text, exclude)

    def _update_buttons(self) -> None:
        v = self.view
        self.prev_button.setEnabled(v is not None and v.position > 0)
        self.next_button.setEnabled(v is not None and v.position < len(v.passages) - 1)
        self.copy_button.setEnabled(v is not None)
        self.open_button.setEnabled(v is not None and v.file_state != "missing")
        page = self.current_page() if v is not None and v.document.kind == "pdf" else None
        self.open_button.setText("Open in default app" if page is None else f"Open at page {page}")
        self.open_button.setToolTip(
            "Open the file (Enter)" if page is None else f"Open the PDF at page {page} (Enter)"
        )
        self.tools.setVisible(v is not None)
        self.position_label.setVisible(v is not None)

    # -- highlighting --------------------------------------------------------------------------
    def _highlight(self, start: int, end: int, sentence: tuple[int, int] | None) -> None:
        tints = Tints.current(self)
        a, b = self._map(start), self._map(end)
        # One tint per paragraph, so the blank lines between them stay unmarked.
        text = self.view.document.text if self.view is not None else ""
        selections = [
            self.text.tint(self._map(pa), self._map(pb), tints.passage_bg)
            # The chunker's paragraphs (a passage is never blank, the fallback is for safety).
            for pa, pb in paragraph_spans(text, start, end) or [(start, end)]
        ]
        if sentence is not None:
            selections.append(
                self.text.tint(self._map(sentence[0]), self._map(sentence[1]), tints.sentence_bg)
            )
        self.text.setExtraSelections(selections)
        cursor = QTextCursor(self.text.document())
        # Anchored at the end, positioned at the start: the widget keeps the passage's start
        # (not its end) in view whenever it re-checks the cursor's visibility.
        cursor.setPosition(b)
        cursor.setPosition(a, QTextCursor.MoveMode.KeepAnchor)
        self.text.show_selection(False, self.palette())
        self._programmatic_selection = True
        self.text.setTextCursor(cursor)
        marked = (self._map(sentence[0]), self._map(sentence[1])) if sentence else None
        QTimer.singleShot(0, lambda: self.text.scroll_to(a, marked))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._programmatic_selection and event.type() in (
            QEvent.Type.MouseButtonPress,
            QEvent.Type.KeyPress,
        ):
            if event.type() == QEvent.Type.KeyPress and event.matches(  # type: ignore[attr-defined]
                QKeySequence.StandardKey.Copy
            ):
                return False
            self._user_selection()
        return super().eventFilter(watched, event)

    def _user_selection(self) -> None:
        """The user takes over the selection: show it in the usual selection colour."""
        if self._programmatic_selection:
            self._programmatic_selection = False
            self.text.show_selection(True, self.palette())

    # -- queries for the window and tests ------------------------------------------------------
    def selected_text(self) -> str:
        """The pane's selected text, with Qt's paragraph separators turned back into newlines."""
        return self.text.textCursor().selectedText().replace("\u2029", "\n")

    def open_find(self) -> None:
        """Ctrl+F: open the find bar (when a document's text is shown)."""
        if self.view is not None and not self.showing_page:
            self.find_bar.open_bar()

    def focus_text(self) -> None:
        """Move keyboard focus to the document."""
        self.text.setFocus(Qt.FocusReason.ShortcutFocusReason)
