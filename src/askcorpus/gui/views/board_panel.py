"""The evidence board in the window: the pins of the open index (quote, source, location, note,
a flag when the document changed since), pinning the selected result (Ctrl+B or the panel's
button), notes, unpinning, and export (Markdown, CSV, JSON, CSL-JSON, RIS).

Every board operation that reads the index (the document's hash when pinning, staleness) runs
on the engine's query queue, the one thread that uses the index, and hands the UI an immutable
:class:`BoardView`. :func:`attach_board` puts the panel in a dock of the main window with its
menu and shortcut, so the window's own code needs one call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from askcorpus.gui.text import message
from askcorpus.gui.workers import JobRunner
from askcorpus.records import Hit
from askcorpus.settings import Settings

if TYPE_CHECKING:
    from askcorpus.gui.window.main_window import MainWindow
    from askcorpus.search.board import Board, Pin, StalePin
    from askcorpus.search.export import Item, Origin
    from askcorpus.search.index import Index

EXPORT_LABELS = {
    "md": "Markdown…",
    "csv": "CSV (spreadsheet)…",
    "json": "JSON…",
    "csl-json": "CSL-JSON (Zotero)…",
    "ris": "RIS (reference managers)…",
}


@dataclass(frozen=True, slots=True)
class BoardView:
    """What the panel shows: the pins, which are stale and why, and where they come from."""

    pins: tuple[Pin, ...] = ()
    stale: tuple[StalePin, ...] = ()
    items: tuple[Item, ...] = ()
    origin: Origin | None = None  # None before an index is shown (nothing to export yet)

    def why_stale(self, key: str) -> str | None:
        """The stale message of pin ``key``, or None when it is current."""
        return next((s.message for s in self.stale if s.pin.key == key), None)


def _origin(corpus: str, updated: str) -> Origin:
    # Imported when first used, not with the window: the board's modules pull in the store's
    # (numpy), which the window's start-up does not need.
    from askcorpus.search.export import Origin

    return Origin(corpus, updated)


def _view(board: Board, index: Index) -> BoardView:
    """The board's state against ``index`` (runs on the query thread)."""
    stale = board.stale(index.store)
    manifest = index.store.manifest
    return BoardView(
        tuple(board.pins()),
        tuple(stale),
        tuple(board.items(stale)),
        _origin(manifest.corpus, manifest.updated),
    )


class BoardPanel(QWidget):
    """The pins of one index, with note editing, unpinning and export."""

    boardShown = Signal()  # after each refresh of the list
    failed = Signal(str)  # a one-line message

    def __init__(self, runner: JobRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self._runner = runner
        self._settings: Settings | None = None
        self._index: Index | None = None
        self.view = BoardView()
        self.header = QLabel("No index open", self)
        self.header.setObjectName("muted")
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Pinned passages")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.currentRowChanged.connect(self._on_row)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText("Note on the selected pin (Enter to save)")
        self.note.setAccessibleName("Pin note")
        self.note.returnPressed.connect(self.save_note)
        self.pin_button = QPushButton("Pin Selected Result", self)
        self.unpin_button = QPushButton("Unpin", self)
        self.unpin_button.clicked.connect(self.unpin_selected)
        self.export_button = QToolButton(self)
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.export_menu = QMenu(self)
        for fmt, label in EXPORT_LABELS.items():
            action = self.export_menu.addAction(label)
            action.setData(fmt)
        self.export_menu.triggered.connect(lambda a: self.choose_export(str(a.data())))
        self.export_button.setMenu(self.export_menu)
        buttons = QHBoxLayout()
        for w in (self.pin_button, self.unpin_button, self.export_button):
            buttons.addWidget(w)
        buttons.addStretch(1)
        col = QVBoxLayout(self)
        col.setContentsMargins(8, 8, 8, 8)
        col.addWidget(self.header)
        col.addLayout(buttons)
        col.addWidget(self.list, 1)
        col.addWidget(self.note)
        self._enable()

    # -- the index ----------------------------------------------------------------------------
    def set_index(
        self,
        settings: Settings | None,
        index: Index | None,
        later: Callable[[Callable[[], None]], None] | None = None,
    ) -> None:
        """Show the board of ``index`` (None: no index open); ``later`` defers reading it (the
        engine's :meth:`~askcorpus.gui.engine.Engine.after_search`: a question typed at start-up
        is answered first)."""
        self._settings, self._index = settings, index
        if settings is None or index is None:
            self._show(BoardView())
            self.header.setText("No index open")
            return
        if later is None:
            self.refresh()
        else:
            later(partial(self._refresh_if, index))

    def _refresh_if(self, index: Index) -> None:
        if index is self._index:  # not closed or switched since
            self.refresh()

    def _run(self, work: object) -> None:
        """Run ``work(board, index)`` (or nothing) on the query thread, then show the board."""
        index, settings = self._index, self._settings
        if index is None or settings is None:
            self.failed.emit("Open an indexed corpus first")
            return

        def job() -> BoardView:
            from askcorpus.search.board import Board

            # The board file is read here too: a damaged one is a message, not a crash.
            board = Board.for_index(settings, index.store, settings.index_dir)
            if callable(work):
                work(board, index)
            return _view(board, index)

        def done(view: BoardView) -> None:
            if index is self._index:  # not an answer for an index closed meanwhile
                self._show(view)

        self._runner.submit(job, on_done=done, on_failed=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.failed.emit(message(exc))

    def refresh(self) -> None:
        """Read the board again and check which pins went stale."""
        self._run(None)

    def pin(self, hit: Hit, note: str | None = None) -> None:
        """Pin ``hit`` (with ``note``)."""
        self._run(lambda board, index: board.pin(hit, index.store, note))

    def unpin_selected(self) -> None:
        """Remove the selected pin."""
        key = self.selected_key()
        if key is not None:
            self._run(lambda board, _index: board.unpin(key))

    def save_note(self) -> None:
        """Set the selected pin's note to what the note field holds."""
        key = self.selected_key()
        if key is not None:
            text = self.note.text().strip()
            self._run(lambda board, _index: board.annotate(key, text))

    # -- the list -----------------------------------------------------------------------------
    def selected_key(self) -> str | None:
        """The key of the selected pin, if any."""
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _show(self, view: BoardView) -> None:
        keep = self.selected_key()
        self.view = view
        self.list.clear()
        for pin in view.pins:
            item = QListWidgetItem(self._label(pin, view.why_stale(pin.key)), self.list)
            item.setData(Qt.ItemDataRole.UserRole, pin.key)
            if pin.key == keep:
                self.list.setCurrentItem(item)
        stale = len(view.stale)
        count = f"{len(view.pins)} pinned passage{'s' if len(view.pins) != 1 else ''}"
        self.header.setText(count + (f" · {stale} changed since pinned" if stale else ""))
        self._enable()
        self.boardShown.emit()

    @staticmethod
    def _label(pin: Pin, stale: str | None) -> str:
        quote = " ".join(pin.quote.split())
        quote = quote if len(quote) <= 220 else quote[:219] + "…"
        lines = [f"“{quote}”", f"{pin.title} — {pin.source}, {pin.location}"]
        if pin.note:
            lines.append(f"Note: {pin.note}")
        if stale:
            lines.append(f"⚠ {stale}")
        return "\n".join(lines)

    def _on_row(self, _row: int) -> None:
        key = self.selected_key()
        pin = next((p for p in self.view.pins if p.key == key), None)
        self.note.setText((pin.note or "") if pin is not None else "")
        self._enable()

    def _enable(self) -> None:
        selected = self.selected_key() is not None
        self.unpin_button.setEnabled(selected)
        self.note.setEnabled(selected)
        self.export_button.setEnabled(bool(self.view.pins))

    # -- export -------------------------------------------------------------------------------
    def export(self, fmt: str, path: Path) -> None:
        """Write the board as ``fmt`` to ``path`` (what is shown, stale pins flagged)."""
        from askcorpus.search.export import save

        title = "Evidence board"
        if self._settings is not None:
            title += f" — {self._settings.corpus_dir.name}"
        save(path, fmt, self.view.items, self.view.origin or _origin("", ""), title)

    def choose_export(self, fmt: str) -> None:
        """Ask where to save the board as ``fmt``, then save it."""
        from askcorpus.search.export import SUFFIXES

        name = f"evidence-board{SUFFIXES[fmt]}"
        path, _filter = QFileDialog.getSaveFileName(self, "Export the board", name)
        if not path:
            return
        try:
            self.export(fmt, Path(path))
        except Exception as exc:  # a typed error or an OSError: one line, not a crash
            self.failed.emit(message(exc))


def attach_board(window: MainWindow) -> BoardPanel:
    """Put a board panel in a dock of the main window (hidden until used), with a Board menu
    (Pin Passage, Ctrl+B; Evidence Board, Ctrl+Shift+B; Export) and the index it follows."""
    engine, parts, corpus = window.engine, window.parts, window.corpus
    panel = BoardPanel(engine.queries, window)
    dock = QDockWidget("Evidence board", window)
    dock.setObjectName("boardDock")
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()

    def pin_current() -> None:
        hit = parts.results.current_hit()
        if hit is None:
            parts.status.showMessage("Select a result to pin it to the board", 3000)
            return
        panel.pin(hit)
        dock.show()
        parts.status.showMessage(f"Pinned {hit.source}, {hit.place}", 3000)

    pin = QAction("&Pin Passage to Board", window)
    pin.setShortcut(QKeySequence("Ctrl+B"))
    pin.triggered.connect(pin_current)
    window.addAction(pin)
    panel.pin_button.clicked.connect(pin_current)
    toggle = dock.toggleViewAction()
    toggle.setText("Evidence &Board")
    toggle.setShortcut(QKeySequence("Ctrl+Shift+B"))
    menu = window.menuBar().addMenu("&Board")
    menu.addAction(pin)
    menu.addAction(toggle)
    menu.addMenu(panel.export_menu).setText("&Export Board")
    panel.failed.connect(lambda text: parts.status.showMessage(text, 6000))
    engine.opened.connect(
        lambda info: panel.set_index(corpus.settings, info.index, engine.after_search)
    )
    corpus.switching.connect(lambda: panel.set_index(None, None))
    return panel
