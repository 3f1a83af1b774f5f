"""Which corpus the window searches: start-up loading, switching folders (menu, dialog, drag and
drop, empty-state buttons), the title, and the language model's status (:class:`CorpusController`).
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from PySide6.QtCore import QMimeData, QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMainWindow

from askcorpus.gui import states
from askcorpus.gui.engine import Engine
from askcorpus.gui.prefs import Preferences, index_dir_for
from askcorpus.gui.tasks import IndexInfo
from askcorpus.gui.text import message
from askcorpus.gui.watcher import CorpusWatcher
from askcorpus.gui.window.layout import Parts
from askcorpus.settings import Settings

log = logging.getLogger(__name__)


class CorpusController(QObject):
    """Owns the current corpus (``settings``) and what is known of its open index (``info``).

    ``switching`` is emitted when another corpus (or the same one again) starts opening, so the
    other controllers drop what belonged to the old one; ``indexOpened`` after ``info`` is set;
    ``recentChanged`` when the list of recent corpora changed.
    """

    switching = Signal()
    indexOpened = Signal(IndexInfo)
    recentChanged = Signal()

    def __init__(
        self,
        window: QMainWindow,
        parts: Parts,
        engine: Engine,
        watcher: CorpusWatcher,
        prefs: Preferences,
        launch_settings: Settings,
        data_dir: Path,
    ):
        super().__init__(window)
        self._window = window
        self._parts = parts
        self._engine = engine
        self._watcher = watcher
        self._prefs = prefs
        self._launch_settings = launch_settings
        self._data_dir = data_dir
        self.settings = launch_settings
        self.info: IndexInfo | None = None
        engine.opened.connect(self._on_opened)
        engine.modelReady.connect(self._on_model_ready)
        engine.modelFailed.connect(self._on_model_failed)
        self._set_title()
        parts.results.show_state(*states.opening(self.corpus_name()))

    def start(self) -> None:
        """Begin loading the index and model in the background (call after show())."""
        self._parts.question_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self._open(self.settings)

    def corpus_name(self) -> str:
        """The corpus folder's name, for titles and messages."""
        path = self.settings.corpus_dir.expanduser()
        with contextlib.suppress(OSError):
            path = path.resolve()
        return path.name or str(path)

    def _set_title(self) -> None:
        self._window.setWindowTitle(f"askcorpus — {self.corpus_name()}")

    def _open(self, settings: Settings) -> None:
        p = self._parts
        self.settings = settings
        self.info = None
        self._set_title()
        self._watcher.clear()
        p.changes_bar.hide()
        p.error_bar.hide()
        self.switching.emit()  # e.g. a run for the previous corpus is being cancelled
        p.reader.clear()
        p.results.show_state(*states.opening(self.corpus_name()))
        self._update_model_label()
        self._engine.open(settings)

    def reopen(self) -> None:
        """Open the current corpus again (Try Again)."""
        self._open(self.settings)

    def open_corpus(self, folder: Path) -> None:
        """Switch to the corpus in ``folder`` (its index lives in its own folder)."""
        folder = Path(folder).expanduser()
        settings = self.settings_for(folder)
        if folder.is_dir():
            self._prefs.add_recent_corpus(folder)
            self.recentChanged.emit()
        self._open(settings)

    def settings_for(self, folder: Path) -> Settings:
        """The settings of the corpus in ``folder`` (its index in its own folder)."""
        folder = Path(folder).expanduser()
        return self._launch_settings.with_paths(
            folder, index_dir_for(folder, self._launch_settings, self._data_dir)
        )

    def shown_folder(self) -> Path:
        """The corpus folder shown, absolute."""
        folder = self.settings.corpus_dir.expanduser()
        with contextlib.suppress(OSError):
            folder = folder.resolve()
        return folder

    def choose_corpus(self) -> None:
        """Ask for a folder and open it."""
        start = str(self.settings.corpus_dir.expanduser().resolve().parent)
        folder = QFileDialog.getExistingDirectory(self._window, "Open corpus folder", start)
        if folder:
            self.open_corpus(Path(folder))

    def recent_elsewhere(self) -> Path | None:
        """The most recent corpus that still exists and is not the one just tried."""
        current = self.settings.corpus_dir.expanduser().resolve()
        for folder in self._prefs.recent_corpora():
            if folder != current and folder.is_dir():
                return folder
        return None

    def watch_folder_only(self) -> None:
        """Watch the corpus folder itself (no index to list its documents)."""
        if self.settings.corpus_dir.is_dir():
            self._watcher.watch([str(self.settings.corpus_dir)])

    # -- drag and drop -------------------------------------------------------------------------
    @staticmethod
    def dropped_folder(mime: QMimeData) -> Path | None:
        """The one local folder dragged in ``mime``, if that is what it holds."""
        urls = mime.urls()
        if len(urls) == 1 and urls[0].isLocalFile() and Path(urls[0].toLocalFile()).is_dir():
            return Path(urls[0].toLocalFile())
        return None

    def drop(self, mime: QMimeData) -> None:
        """Open the folder dropped on the window."""
        urls = mime.urls()
        if urls and urls[0].isLocalFile():
            self.open_corpus(Path(urls[0].toLocalFile()))

    # -- the index and the language model ------------------------------------------------------
    def _on_opened(self, info: IndexInfo) -> None:
        self.info = info
        self.indexOpened.emit(info)

    def _on_model_ready(self, seconds: float) -> None:
        log.info("model ready in %.1f s", seconds)
        # A question asked meanwhile is already queued behind the model on the query worker.
        self._update_model_label()

    def _on_model_failed(self, exc: BaseException) -> None:
        self._parts.model_label.setText("Language model unavailable")
        self._parts.results.show_state(
            *states.failed("Cannot load the language model", message(exc), False)
        )

    def _update_model_label(self) -> None:
        ready = self._engine.model_ready
        self._parts.model_label.setText("" if ready else "Loading the language model…")
