"""The main window: ask, read ranked passages, jump to the source, reindex — never freezing.

The window only arranges widgets and reacts to the :class:`~askcorpus.gui.engine.Engine`'s
signals; every model, index, search and file-system scan runs in the engine's workers.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QCompleter,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from askcorpus.gui import states
from askcorpus.gui.dialogs import SkippedDialog, show_about, show_shortcuts
from askcorpus.gui.engine import Engine
from askcorpus.gui.prefs import Preferences, default_data_dir, index_dir_for
from askcorpus.gui.reader_pane import ReaderPane
from askcorpus.gui.results_model import SkippedModel
from askcorpus.gui.results_panel import ResultsPanel
from askcorpus.gui.snippets import menu_text
from askcorpus.gui.tasks import IndexInfo
from askcorpus.gui.text import message
from askcorpus.gui.theme import app_icon
from askcorpus.gui.watcher import CorpusWatcher
from askcorpus.gui.widgets import IndexProgressPanel, NoticeBar
from askcorpus.gui.window_indexing import IndexingMixin
from askcorpus.gui.window_reading import ReadingMixin
from askcorpus.settings import Settings

log = logging.getLogger(__name__)


class MainWindow(ReadingMixin, IndexingMixin, QMainWindow):
    """askcorpus — <corpus folder name>."""

    def __init__(
        self,
        settings: Settings,
        prefs: Preferences | None = None,
        embedder: object | None = None,
        data_dir: Path | None = None,
    ):
        super().__init__()
        self.launch_settings = settings
        self.settings = settings
        self.prefs = prefs or Preferences()
        self.data_dir = data_dir or default_data_dir()
        self.engine = Engine(embedder, self)  # type: ignore[arg-type]
        self.info: IndexInfo | None = None
        self.question = ""
        self._pending_question: str | None = None
        self.skipped_model = SkippedModel(self)
        self._skipped_dialog: SkippedDialog | None = None
        self.watcher = CorpusWatcher(self)
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self._build_actions()
        self._build_ui()
        self._build_menus()
        self._connect()
        self._restore_geometry()
        self._set_title()
        self.results.show_state(*states.opening(self._corpus_name()))

    # -- construction --------------------------------------------------------------------------
    def _action(
        self, text: str, shortcut: QKeySequence | str | None, slot, tip: str = ""
    ) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.open_action = self._action(
            "&Open Corpus Folder…",
            QKeySequence.StandardKey.Open,
            self.choose_corpus,
            "Search another folder of documents",
        )
        self.quit_action = self._action("&Quit", QKeySequence.StandardKey.Quit, self.close)
        self.copy_action = self._action(
            "&Copy Citation",
            QKeySequence.StandardKey.Copy,
            self.copy_citation,
            "Copy the passage with its title, path and location",
        )
        self.open_source_action = self._action(
            "Open in &Default App", None, self.open_source, "Open the file with your usual app"
        )
        self.ask_action = self._action("&Ask a Question", "Ctrl+L", self.focus_question)
        self.reindex_action = self._action(
            "&Reindex",
            "Ctrl+R",
            lambda: self.reindex(False),
            "Bring the index up to date with the corpus folder (Ctrl+R)",
        )
        self.rebuild_action = self._action(
            "Re&build Index from Scratch",
            None,
            lambda: self.reindex(True),
            "Index every document again",
        )
        self.cancel_action = self._action("&Cancel Indexing", None, self._cancel_indexing)
        self.cancel_action.setEnabled(False)
        self.skipped_action = self._action("&Skipped Files…", None, self.show_skipped)
        self.find_action = self._action(
            "&Find in Document…", QKeySequence.StandardKey.Find, self.reader_find
        )
        self.prev_action = self._action("&Previous Passage", "Alt+Up", lambda: self.navigate(-1))
        self.next_action = self._action("&Next Passage", "Alt+Down", lambda: self.navigate(1))
        self.shortcuts_action = self._action(
            "&Keyboard Shortcuts",
            QKeySequence.StandardKey.HelpContents,
            lambda: show_shortcuts(self),
        )
        self.about_action = self._action("&About askcorpus", None, lambda: show_about(self))

    def _build_ui(self) -> None:
        self.question_edit = QLineEdit(self, objectName="question")
        self.question_edit.setPlaceholderText("Ask a question about your documents…   (Ctrl+L)")
        self.question_edit.setClearButtonEnabled(True)
        font = self.question_edit.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.question_edit.setFont(font)
        self.question_edit.setMinimumWidth(320)
        self.question_edit.setAccessibleName("Question")
        self.question_edit.installEventFilter(self)
        self.recent_model = QStringListModel(self.prefs.recent_questions(), self)
        self.completer = QCompleter(self.recent_model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setMaxVisibleItems(8)
        self.question_edit.setCompleter(self.completer)
        self.ask_button = QPushButton("Ask", self)
        self.ask_button.setDefault(True)
        self.ask_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.ask_button.setMinimumHeight(self.question_edit.sizeHint().height())

        bar = QToolBar("Main", self)
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        holder = QWidget(bar)
        row = QVBoxLayout(holder)
        row.setContentsMargins(6, 6, 6, 6)
        row.addWidget(self.question_edit)
        bar.addWidget(holder)
        bar.addWidget(self.ask_button)
        bar.addSeparator()
        bar.addAction(self.reindex_action)
        bar.addAction(self.open_action)
        for action in (self.reindex_action, self.open_action):
            button = bar.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.toolbar = bar

        self.progress = IndexProgressPanel(self)
        self.changes_bar = NoticeBar(self)
        self.error_bar = NoticeBar(self)
        self.results = ResultsPanel(self)
        self.reader = ReaderPane(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.results)
        self.splitter.addWidget(self.reader)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(1)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 5)
        self.results.setMinimumWidth(340)
        self.reader.setMinimumWidth(360)

        central = QWidget(self)
        col = QVBoxLayout(central)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        notices = QVBoxLayout()
        notices.setContentsMargins(8, 0, 8, 0)
        notices.setSpacing(6)
        for w in (self.progress, self.changes_bar, self.error_bar):
            notices.addWidget(w)
        col.addLayout(notices)
        col.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        status = self.statusBar()
        status.setSizeGripEnabled(True)
        self.model_label = QLabel(self)
        self.model_label.setObjectName("muted")
        self.stats_label = QLabel(self)
        self.stats_label.setObjectName("muted")
        self.skipped_button = QToolButton(self)
        self.skipped_button.setAutoRaise(True)
        self.skipped_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.skipped_button.clicked.connect(self.show_skipped)
        self.skipped_button.hide()
        for label in (self.model_label, self.stats_label):
            label.setContentsMargins(8, 0, 8, 0)
        status.addPermanentWidget(self.model_label)
        status.addPermanentWidget(self.skipped_button)
        status.addPermanentWidget(self.stats_label)
        self.resize(1280, 820)

    def _build_menus(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit = menus.addMenu("&Edit")
        edit.addAction(self.ask_action)
        edit.addAction(self.copy_action)
        edit.addAction(self.open_source_action)
        edit.addAction(self.find_action)
        edit.addSeparator()
        edit.addAction(self.prev_action)
        edit.addAction(self.next_action)
        index = menus.addMenu("&Index")
        index.addAction(self.reindex_action)
        index.addAction(self.rebuild_action)
        index.addAction(self.cancel_action)
        index.addSeparator()
        index.addAction(self.skipped_action)
        help_menu = menus.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)
        self._fill_recent_menu()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.prefs.recent_corpora()
        for folder in recent:
            action = self.recent_menu.addAction(menu_text(f"{folder.name}  —  {folder}"))
            action.triggered.connect(lambda _c=False, f=folder: self.open_corpus(f))
        if recent:
            self.recent_menu.addSeparator()
            clear = self.recent_menu.addAction("Clear Recent")
            clear.triggered.connect(self._clear_recent)
        self.recent_menu.setEnabled(bool(recent))

    def _clear_recent(self) -> None:
        self.prefs.clear_recent_corpora()
        self._fill_recent_menu()

    def _connect(self) -> None:
        self.question_edit.returnPressed.connect(self.ask_from_field)
        self.ask_button.clicked.connect(self.ask_from_field)
        self.completer.activated.connect(self.ask)
        e = self.engine
        e.opened.connect(self._on_opened)
        e.missing.connect(self._on_missing)
        e.openFailed.connect(self._on_open_failed)
        e.modelReady.connect(self._on_model_ready)
        e.modelFailed.connect(self._on_model_failed)
        e.searchDone.connect(self._on_search_done)
        e.searchFailed.connect(self._on_search_failed)
        e.documentReady.connect(self._on_document)
        e.documentGone.connect(self._on_document_gone)
        e.documentFailed.connect(
            lambda exc: self.reader.clear("Cannot show this document", str(exc))
        )
        e.indexingStarted.connect(self._on_indexing_started)
        e.indexingProgress.connect(self._on_indexing_progress)
        e.indexingDone.connect(self._on_indexed)
        e.indexingFailed.connect(self._on_indexing_failed)
        e.indexingCancelled.connect(self._on_indexing_cancelled)
        e.changesFound.connect(self._on_changes)
        self.progress.cancelRequested.connect(e.cancel_indexing)
        self.changes_bar.actionTriggered.connect(lambda: self.reindex(False))
        self.error_bar.actionTriggered.connect(lambda: self.reindex(False))
        self.results.hitSelected.connect(self._on_hit_selected)
        self.results.selectionCleared.connect(self.reader.clear)
        self.results.hitActivated.connect(lambda _h: self.open_source())
        self.results.view.customContextMenuRequested.connect(self._results_menu)
        self.results.view.back.connect(self.focus_question)
        self.results.empty.actionTriggered.connect(self._on_state_action)
        self.reader.navigate.connect(self.navigate)
        self.reader.openRequested.connect(self.open_source)
        self.reader.copyRequested.connect(self.copy_citation)
        self.reader.reindexRequested.connect(lambda: self.reindex(False))
        self.reader.text.installEventFilter(self)
        self.watcher.changed.connect(self.engine.scan)

    # -- start-up and corpus switching ---------------------------------------------------------
    def start(self) -> None:
        """Begin loading the index and model in the background (call after show())."""
        self.question_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self._open(self.settings)

    def _corpus_name(self) -> str:
        path = self.settings.corpus_dir.expanduser()
        with contextlib.suppress(OSError):
            path = path.resolve()
        return path.name or str(path)

    def _set_title(self) -> None:
        self.setWindowTitle(f"askcorpus — {self._corpus_name()}")

    def _open(self, settings: Settings) -> None:
        self.settings = settings
        self.info = None
        self._pending_question = None
        self._set_title()
        self.watcher.clear()
        self.changes_bar.hide()
        self.error_bar.hide()
        self._indexing_over()  # a run for the previous corpus is being cancelled
        self.stats_label.setText("")
        self.skipped_model.set_files(())
        self._update_skipped()
        self.reader.clear()
        self.results.show_state(*states.opening(self._corpus_name()))
        self._update_model_label()
        self.engine.open(settings)

    def open_corpus(self, folder: Path) -> None:
        """Switch to the corpus in ``folder`` (its index lives in its own folder)."""
        folder = Path(folder).expanduser()
        settings = self.launch_settings.with_paths(
            folder, index_dir_for(folder, self.launch_settings, self.data_dir)
        )
        if folder.is_dir():
            self.prefs.add_recent_corpus(folder)
            self._fill_recent_menu()
        self._open(settings)

    def choose_corpus(self) -> None:
        """Ask for a folder and open it."""
        start = str(self.settings.corpus_dir.expanduser().resolve().parent)
        folder = QFileDialog.getExistingDirectory(self, "Open corpus folder", start)
        if folder:
            self.open_corpus(Path(folder))

    def _on_model_ready(self, seconds: float) -> None:
        log.info("model ready in %.1f s", seconds)
        # A question asked meanwhile is already queued behind the model on the query worker.
        self._update_model_label()

    def _on_model_failed(self, exc: BaseException) -> None:
        self.model_label.setText("Language model unavailable")
        self.results.show_state(
            *states.failed("Cannot load the language model", message(exc), False)
        )

    def _update_model_label(self) -> None:
        self.model_label.setText("" if self.engine.model_ready else "Loading the language model…")

    def reader_find(self) -> None:
        """Ctrl+F: find in the document shown in the reading pane."""
        self.reader.open_find()

    def _cancel_indexing(self) -> None:
        if self.progress.cancel.isEnabled():
            self.progress.cancel.click()

    def _on_state_action(self, key: str) -> None:
        if key.startswith("recent:"):
            self.open_corpus(Path(key.removeprefix("recent:")))
        elif key == "open":
            self.choose_corpus()
        elif key == "retry":
            self._open(self.settings)
        elif key == "reindex":
            self.reindex(False)
        elif key == "rebuild":
            self.reindex(True)

    # -- keyboard, drag and drop, closing ------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if watched is self.question_edit and not self.completer.popup().isVisible():
                if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.results.model.rowCount():
                    self.results.move(1 if key == Qt.Key.Key_Down else -1)
                    return True
                if key == Qt.Key.Key_Escape and self.question_edit.text():
                    self.question_edit.clear()
                    return True
            if watched is self.reader.text and key == Qt.Key.Key_Escape:
                self.results.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
                return True
        return super().eventFilter(watched, event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if len(urls) == 1 and urls[0].isLocalFile() and Path(urls[0].toLocalFile()).is_dir():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            self.open_corpus(Path(urls[0].toLocalFile()))

    def _restore_geometry(self) -> None:
        geometry = self.prefs.geometry("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        splitter = self.prefs.geometry("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([560, 720])

    def closeEvent(self, event: QCloseEvent) -> None:
        self.prefs.set_geometry("geometry", self.saveGeometry())
        self.prefs.set_geometry("splitter", self.splitter.saveState())
        self.prefs.sync()
        self.hide()
        self.watcher.clear()
        self.engine.shutdown()
        super().closeEvent(event)
