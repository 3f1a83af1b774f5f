"""The main window: ask, read ranked passages, jump to the source, reindex — never freezing.

The window only arranges widgets and reacts to the :class:`~askcorpus.gui.engine.Engine`'s
signals; every model, index, search and file-system scan runs in the engine's workers. Its parts
live in mixins, one job each: :mod:`~askcorpus.gui.window.layout` (widgets),
:mod:`~askcorpus.gui.window.actions` (actions and menus), :mod:`~askcorpus.gui.window.corpus`
(which corpus, loading), :mod:`~askcorpus.gui.window.reading` (asking and reading) and
:mod:`~askcorpus.gui.window.indexing` (indexing, changes, skipped files). This module wires them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow

from askcorpus.gui import states
from askcorpus.gui.engine import Engine
from askcorpus.gui.prefs import Preferences, default_data_dir
from askcorpus.gui.tasks import IndexInfo
from askcorpus.gui.theme import app_icon
from askcorpus.gui.views.dialogs import SkippedDialog
from askcorpus.gui.views.results_model import SkippedModel
from askcorpus.gui.watcher import CorpusWatcher
from askcorpus.gui.window.actions import ActionsMixin
from askcorpus.gui.window.corpus import CorpusMixin
from askcorpus.gui.window.indexing import IndexingMixin
from askcorpus.gui.window.layout import LayoutMixin
from askcorpus.gui.window.reading import ReadingMixin
from askcorpus.settings import Settings


class MainWindow(ReadingMixin, IndexingMixin, CorpusMixin, ActionsMixin, LayoutMixin, QMainWindow):
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

    # -- keyboard and closing ------------------------------------------------------------------
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

    def closeEvent(self, event: QCloseEvent) -> None:
        self._save_geometry()
        self.hide()
        self.watcher.clear()
        self.engine.shutdown()
        super().closeEvent(event)
