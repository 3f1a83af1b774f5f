"""The main window: ask, read ranked passages, jump to the source, reindex — never freezing.

The window only arranges widgets and reacts to the :class:`~askcorpus.gui.engine.Engine`'s
signals; every model, index, search and file-system scan runs in the engine's workers. It owns
a typed record of its widgets (:class:`~askcorpus.gui.window.layout.Parts`) and of its actions
(:class:`~askcorpus.gui.window.actions.Actions`), and seven controllers that receive what they
use and talk through public methods and signals: :class:`CorpusController` (which corpus,
loading), :class:`IndexingController` (indexing, changes, automatic updates, skipped files),
:class:`PageController` (PDF pages), :class:`ReadingController` (asking and reading),
:class:`MentionsController` (the Mentions tab), :class:`CorporaController` (several corpora)
and :class:`ActionsController` (commands).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeyEvent
from PySide6.QtWidgets import QMainWindow

from askcorpus.gui.engine import Engine
from askcorpus.gui.prefs import Preferences, default_data_dir
from askcorpus.gui.tasks import IndexInfo
from askcorpus.gui.theme import app_icon
from askcorpus.gui.views.board_panel import attach_board
from askcorpus.gui.views.coverage_view import attach_coverage
from askcorpus.gui.watcher import CorpusWatcher
from askcorpus.gui.window.actions import ActionsController, build_actions
from askcorpus.gui.window.corpora import CorporaController
from askcorpus.gui.window.corpus import CorpusController
from askcorpus.gui.window.indexing import IndexingController
from askcorpus.gui.window.layout import build_parts, restore_geometry, save_geometry
from askcorpus.gui.window.mentions import MentionsController
from askcorpus.gui.window.pages import PageController
from askcorpus.gui.window.reading import ReadingController
from askcorpus.settings import Settings

if TYPE_CHECKING:
    from askcorpus.embed.embedder import Embedder


class MainWindow(QMainWindow):
    """askcorpus — <corpus folder name>."""

    def __init__(
        self,
        settings: Settings,
        prefs: Preferences | None = None,
        embedder: Embedder | None = None,
        data_dir: Path | None = None,
    ):
        super().__init__()
        self.prefs = prefs or Preferences()
        self.engine = Engine(embedder, self)
        self.watcher = CorpusWatcher(self)
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.window_actions = build_actions(self)
        self.parts = build_parts(self, self.window_actions, self.prefs)
        self.corpus = CorpusController(
            self,
            self.parts,
            self.engine,
            self.watcher,
            self.prefs,
            settings,
            data_dir or default_data_dir(),
        )
        self.indexing = IndexingController(
            self,
            self.parts,
            self.window_actions,
            self.engine,
            self.corpus,
            self.watcher,
            self.prefs,
        )
        self.pages = PageController(self, self.parts, self.prefs)
        self.reading = ReadingController(
            self, self.parts, self.engine, self.corpus, self.prefs, self.pages
        )
        self.mentions = MentionsController(self, self.parts, self.engine, self.corpus, self.reading)
        self.corpora = CorporaController(
            self, self.parts, self.engine, self.corpus, self.reading, self.prefs
        )
        self.window_actions.corpora.triggered.connect(self.corpora.show_dialog)
        self.window_actions.team.triggered.connect(self.corpora.show_team_dialog)
        self.commands = ActionsController(
            self,
            self.window_actions,
            self.parts.results.empty,
            self.prefs,
            self.corpus,
            self.indexing,
            self.reading,
        )
        self.indexing.ready.connect(self.reading.ask_pending)
        self.parts.results.view.resultsPainted.connect(self.engine.answer_shown)
        self.board_panel = attach_board(self)  # docks of their own: Board menu, Index > Coverage
        self.coverage_view = attach_coverage(self)
        self.parts.question_edit.installEventFilter(self)
        self.parts.reader.text.installEventFilter(self)
        restore_geometry(self, self.parts.splitter, self.prefs)

    def start(self) -> None:
        """Begin loading the index and model in the background (call after show())."""
        self.corpus.start()

    @property
    def settings(self) -> Settings:
        """The settings of the corpus shown."""
        return self.corpus.settings

    @property
    def info(self) -> IndexInfo | None:
        """The open index of that corpus (None while there is none)."""
        return self.corpus.info

    # -- keyboard, drag and drop, closing ------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            p = self.parts
            popups = (p.completer.popup(), p.folder_completer.completer.popup())
            completing = any(popup is not None and popup.isVisible() for popup in popups)
            if watched is p.question_edit and not completing:
                if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and p.results.model.rowCount():
                    p.results.move_selection(1 if key == Qt.Key.Key_Down else -1)
                    return True
                if key == Qt.Key.Key_Escape and p.question_edit.text():
                    p.question_edit.clear()
                    return True
            if watched is p.reader.text and key == Qt.Key.Key_Escape:
                p.results.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
                return True
        return super().eventFilter(watched, event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.corpus.dropped_folder(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        self.corpus.drop(event.mimeData())

    def closeEvent(self, event: QCloseEvent) -> None:
        save_geometry(self, self.parts.splitter, self.prefs)
        self.hide()
        self.watcher.clear()
        self.engine.shutdown()
        self.pages.shutdown()
        super().closeEvent(event)
