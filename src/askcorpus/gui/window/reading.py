"""The window's reading side: asking, showing results and documents, passage navigation,
citations and opening the source. Mixed into :class:`~askcorpus.gui.window.main_window.MainWindow`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMenu

from askcorpus.gui import states
from askcorpus.gui.tasks import DocumentView, TimedResult
from askcorpus.gui.text import message
from askcorpus.gui.views.snippets import citation
from askcorpus.records import Hit

if TYPE_CHECKING:
    from askcorpus.gui.window.main_window import MainWindow

    _Base = MainWindow
else:
    _Base = object

RESULTS_K = 10
MAX_REMEMBERED_CHARS = 300


class ReadingMixin(_Base):
    """Asking questions and reading the answers."""

    def focus_question(self) -> None:
        """Ctrl+L: to the question field, text selected."""
        self.question_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.question_edit.selectAll()

    def ask_from_field(self) -> None:
        """Ask what the question field holds."""
        self.ask(self.question_edit.text())

    def ask(self, question: str) -> None:
        """Search for ``question`` (queued until the index and model are ready)."""
        question = question.strip()
        if not question:
            return
        if self.question_edit.text().strip() != question:
            self.question_edit.setText(question)
        self.question = question
        if len(question) <= MAX_REMEMBERED_CHARS:  # a pasted page is not a "recent question"
            self.recent_model.setStringList(self.prefs.add_recent_question(question))
        waiting = None
        if not self.engine.model_ready:
            waiting = "the language model has loaded"
        if self.info is None or not self.engine.search(question, RESULTS_K):
            self._pending_question = question
            waiting = "the index is ready"
        self.results.show_searching(question, waiting)

    def _on_search_done(self, timed: TimedResult) -> None:
        self.results.show_result(timed)
        if not timed.result.hits:
            self.reader.clear()

    def _on_search_failed(self, question: str, exc: BaseException) -> None:
        self.results.show_state(*states.failed("The search failed", message(exc), False))

    def _marking_question(self) -> str | None:
        """The question whose best sentence the reader marks; None when the corpus does not
        seem to answer it (the closest passages are shown, no sentence posing as the answer)."""
        result = self.results.model.result
        return self.question if result is None or result.answer_likely else None

    def _on_hit_selected(self, hit: Hit) -> None:
        question = self._marking_question()
        self.engine.show_document(
            hit.source,
            hit.passage_id,
            (hit.start, hit.end),
            question,
            hit.highlight if question else None,
        )

    def _on_document(self, view: DocumentView) -> None:
        self.reader.show_view(view)

    def _on_document_gone(self, source: str) -> None:
        self.reader.clear(
            "This document is no longer in the index",
            f"{source} was removed when the index was updated. Ask again to search the "
            "current index.",
        )

    def navigate(self, delta: int) -> None:
        """Show the previous (-1) or next (+1) passage of the document in the reading pane."""
        view = self.reader.view
        if view is None:
            return
        position = view.position + delta
        if not 0 <= position < len(view.passages):
            return
        pid, _start, _end = view.passages[position]
        self.engine.show_document(view.document.source, pid, None, self._marking_question())

    def _selected(self) -> tuple[str, str, Path, str] | None:
        """(passage text, title, file path, location) of what the reading pane shows."""
        view = self.reader.view
        if view is not None:
            return view.text, view.document.title, view.full_path, view.location
        hit = self.results.current_hit()
        if hit is None:
            return None
        return hit.text, hit.title, self.settings.corpus_dir / hit.source, hit.location

    def copy_citation(self) -> None:
        """Copy the selected passage, quoted, with title, path and location."""
        selected = self._selected()
        if selected is None:
            self.statusBar().showMessage("Select a result to copy its citation", 3000)
            return
        text, title, path, location = selected
        QGuiApplication.clipboard().setText(citation(text, title, path.resolve(), location))
        self.statusBar().showMessage("Citation copied", 3000)

    def open_source(self) -> None:
        """Open the selected document with the operating system's default app."""
        selected = self._selected()
        if selected is None:
            return
        path = selected[2]
        if not path.exists():
            self.error_bar.show_message(
                f"“{path.name}” is no longer in the corpus folder (moved or deleted since "
                "indexing). Reindex to drop it from the results.",
                "Reindex",
            )
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.resolve()))):
            self.statusBar().showMessage(f"No app is set up to open {path.name}", 5000)
        else:
            self.statusBar().showMessage(f"Opened {path.name}", 3000)

    def _results_menu(self, pos: QPoint) -> None:
        """Right-click on a result: open it, its folder, or copy it."""
        index = self.results.view.indexAt(pos)
        if not index.isValid():
            return
        self.results.select_row(index.row())
        hit = self.results.model.hit(index.row())
        if hit is None:
            return
        menu = QMenu(self)
        menu.addAction("Open in Default App", self.open_source)
        menu.addAction("Show in Folder", lambda: self._show_in_folder(hit))
        menu.addSeparator()
        menu.addAction("Copy Citation", self.copy_citation)
        menu.addAction("Copy Passage Text", lambda: QGuiApplication.clipboard().setText(hit.text))
        menu.exec(self.results.view.viewport().mapToGlobal(pos))

    def _show_in_folder(self, hit: Hit) -> None:
        folder = (self.settings.corpus_dir / hit.source).parent
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder.resolve())))
