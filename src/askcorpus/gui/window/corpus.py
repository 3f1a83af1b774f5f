"""The window's corpus: start-up loading, switching folders (menu, dialog, drag and drop,
empty-state buttons), the title, and the language model's status.
Mixed into :class:`~askcorpus.gui.window.main_window.MainWindow`.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog

from askcorpus.gui import states
from askcorpus.gui.prefs import index_dir_for
from askcorpus.gui.text import message
from askcorpus.settings import Settings

if TYPE_CHECKING:
    from askcorpus.gui.window.main_window import MainWindow

    _Base = MainWindow
else:
    _Base = object

log = logging.getLogger(__name__)


class CorpusMixin(_Base):
    """Which corpus the window searches, and getting it (and the model) loaded."""

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

    def _on_state_action(self, key: str) -> None:
        """A button of the results pane's empty state."""
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

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if len(urls) == 1 and urls[0].isLocalFile() and Path(urls[0].toLocalFile()).is_dir():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            self.open_corpus(Path(urls[0].toLocalFile()))

    # -- the language model --------------------------------------------------------------------
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
