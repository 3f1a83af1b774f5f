"""The window's reading side (:class:`ReadingController`): asking, showing results and
documents, passage navigation, citations, opening the source (a PDF at its page) and "Find
similar" (a passage or a selection asked as a question).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMainWindow, QMenu

from askcorpus.errors import IndexReencodedError, QueryError
from askcorpus.gui import states
from askcorpus.gui.engine import Engine
from askcorpus.gui.filters import (
    add_chip,
    chip_label,
    chips_filter,
    plain_question,
    take_filters,
)
from askcorpus.gui.prefs import Preferences
from askcorpus.gui.tasks import DocumentView, IndexInfo, TimedResult
from askcorpus.gui.text import message
from askcorpus.gui.views.snippets import citation
from askcorpus.gui.window.corpus import CorpusController
from askcorpus.gui.window.layout import Parts
from askcorpus.gui.window.pages import PageController
from askcorpus.records import Hit, PassageFilter
from askcorpus.text.syntax import merge_filters, parse_query

RESULTS_K = 10
MAX_REMEMBERED_CHARS = 300
SIMILAR_LABEL_CHARS = 70


def excerpt(text: str, limit: int = SIMILAR_LABEL_CHARS) -> str:
    """The start of ``text`` on one line, cut at a word and marked with … when cut."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] or flat[:limit]
    return cut + "…"


class ReadingController(QObject):
    """Asking questions and reading the answers; ``asked`` is emitted with each question
    asked (its filter is :attr:`where`)."""

    asked = Signal(str)

    def __init__(
        self,
        window: QMainWindow,
        parts: Parts,
        engine: Engine,
        corpus: CorpusController,
        prefs: Preferences,
        pages: PageController,
    ):
        super().__init__(window)
        self._window = window
        self._parts = parts
        self._engine = engine
        self._corpus = corpus
        self._prefs = prefs
        self._pages = pages
        self.question = ""
        self.where = PassageFilter()  # the filter of the question asked
        self._pending_question: str | None = None
        self._exclude: str | None = None  # "Find similar": the document left out of the results
        self._pending_exclude: str | None = None
        corpus.switching.connect(self._reset)
        corpus.indexOpened.connect(self._on_index_opened)
        engine.foldersFound.connect(self._on_folders)
        engine.searchDone.connect(self._on_search_done)
        engine.searchFailed.connect(self._on_search_failed)
        engine.documentReady.connect(parts.reader.show_view)
        engine.documentGone.connect(self._on_document_gone)
        engine.documentFailed.connect(self._on_document_failed)
        parts.question_edit.returnPressed.connect(self.ask_from_field)
        parts.ask_button.clicked.connect(self.ask_from_field)
        parts.completer.activated.connect(self.ask)
        parts.filter_bar.changed.connect(self.refilter)
        parts.question_edit.textEdited.connect(lambda _t: parts.filter_bar.show_error(None))
        results, reader = parts.results, parts.reader
        results.hitSelected.connect(self._on_hit_selected)
        parts.tabs.currentChanged.connect(self._on_tab)
        results.selectionCleared.connect(reader.clear)
        results.hitActivated.connect(lambda _h: self.open_source())
        results.view.customContextMenuRequested.connect(self._results_menu)
        results.view.back.connect(self.focus_question)
        reader.navigate.connect(self.navigate)
        reader.openRequested.connect(self.open_source)
        reader.copyRequested.connect(self.copy_citation)
        reader.findSimilar.connect(self.find_similar)

    def _on_index_opened(self, _info: IndexInfo) -> None:
        self._parts.filter_bar.folders = []  # until the engine has listed the new index's

    def _on_folders(self, folders: tuple[str, ...]) -> None:
        self._parts.filter_bar.folders = list(folders)  # what in: completes

    def _reset(self) -> None:
        self._pending_question = None

    def _status(self, text: str, msecs: int) -> None:
        self._parts.status.showMessage(text, msecs)

    def focus_question(self) -> None:
        """Ctrl+L: to the question field, text selected."""
        self._parts.question_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._parts.question_edit.selectAll()

    def find_in_document(self) -> None:
        """Ctrl+F: find in the document shown in the reading pane."""
        self._parts.reader.open_find()

    def ask_from_field(self) -> None:
        """Ask what the question field holds (Enter on a folder offered after in: only picks
        it: the completer inserts it)."""
        popup = self._parts.folder_completer.completer.popup()
        if popup is not None and popup.isVisible():
            if popup.currentIndex().isValid():
                return
            popup.hide()
        self.ask(self._parts.question_edit.text())

    def ask(self, question: str, exclude: str | None = None) -> None:
        """Search for ``question`` (queued until the index and model are ready) inside the
        filter chips; filter words typed in it become chips. ``exclude`` names a document
        whose passages retrieval leaves out ("Find similar")."""
        question = question.strip()
        p = self._parts
        bar = p.filter_bar
        try:
            question, words = take_filters(question)
            chips = bar.chips
            for word in words:
                chips = add_chip(chips, word)
            where = merge_filters(parse_query(question).where, chips_filter(chips))
        except QueryError as exc:
            bar.show_error(message(exc))
            return
        bar.show_error(None)
        bar.extend(words)
        if not question:
            if words:
                p.question_edit.clear()
                bar.show_error("Filters set — now type a question (or search Mentions)")
            return
        if exclude is not None:
            where = replace(where, exclude_sources=frozenset({exclude}))
        self.where = where
        self._exclude = exclude
        if p.question_edit.text().strip() != question:
            p.question_edit.setText(question)
            p.question_edit.setCursorPosition(0)  # a long passage reads from its start
        self.question = question
        if len(question) <= MAX_REMEMBERED_CHARS:  # a pasted page is not a "recent question"
            p.recent_model.setStringList(self._prefs.add_recent_question(question))
        waiting = None
        if not self._engine.model_ready:
            waiting = "the language model has loaded"
        self.asked.emit(question)
        if self._corpus.info is None or not self._engine.search(question, RESULTS_K, where):
            self._pending_question, self._pending_exclude = question, exclude
            waiting = "the index is ready"
        p.results.show_searching(excerpt(question), waiting)

    def ask_pending(self) -> None:
        """Ask the question typed while the index was opening, if any."""
        if self._pending_question:
            question, self._pending_question = self._pending_question, None
            self.ask(question, self._pending_exclude)

    def _on_search_done(self, timed: TimedResult) -> None:
        heading = None
        if self._exclude is not None:
            # The document was left out inside retrieval (PassageFilter.exclude_sources): these
            # are the best k of the other documents.
            heading = f"like “{excerpt(timed.result.query)}”, in other documents"
        elif len(timed.result.query) > SIMILAR_LABEL_CHARS:
            heading = f"like “{excerpt(timed.result.query)}”"
        chips = self._parts.filter_bar.chips
        if chips and not timed.result.hits:
            # Say which filters narrowed it to nothing: removing one is the way out.
            what = heading or f"“{timed.result.query}”"
            heading = f"{what} with the filters {', '.join(chip_label(c) for c in chips)}"
        self._parts.results.model.label_corpora = bool(self._engine.others)
        self._parts.results.show_result(timed, heading)
        if not timed.result.hits:
            self._parts.reader.clear()

    def _on_search_failed(self, question: str, exc: BaseException) -> None:
        if isinstance(exc, IndexReencodedError):  # the engine opens it again: ask then
            self._pending_question, self._pending_exclude = question, self._exclude
            self._parts.results.show_searching(excerpt(question), "the index is open again")
            return
        if isinstance(exc, QueryError):  # the question's own fault: said under the field
            self._parts.filter_bar.show_error(message(exc))
            self._parts.results.header.setText("")
            return
        self._parts.results.show_state(*states.failed("The search failed", message(exc), False))

    def refilter(self) -> None:
        """A chip was added or removed: ask the question in the field again."""
        if self._parts.question_edit.text().strip():
            self.ask_from_field()

    def _marking_question(self) -> str | None:
        """The question whose best sentence the reader marks; None when the corpus does not
        seem to answer it (the closest passages are shown, no sentence posing as the answer)."""
        result = self._parts.results.model.result
        return self.question if result is None or result.answer_likely else None

    def _on_tab(self, _index: int) -> None:
        """Back on the Results tab: the reader shows the selected hit again."""
        hit = self._parts.results.current_hit()
        if hit is not None and self._parts.tabs.currentWidget() is self._parts.results:
            self._on_hit_selected(hit)

    def _on_hit_selected(self, hit: Hit) -> None:
        if self._parts.tabs.currentWidget() is not self._parts.results:
            return  # the reader shows what is picked in the tab shown (a mention)
        question = self._marking_question()
        self._engine.show_document(
            hit.source,
            hit.passage_id,
            (hit.start, hit.end),
            question,
            hit.highlight if question else None,
            hit.corpus,
        )

    def _on_document_gone(self, source: str) -> None:
        self._parts.reader.clear(
            "This document is no longer in the index",
            f"{source} was removed when the index was updated. Ask again to search the "
            "current index.",
        )

    def _on_document_failed(self, exc: BaseException) -> None:
        self._parts.reader.clear("Cannot show this document", str(exc))

    def navigate(self, delta: int) -> None:
        """Show the previous (-1) or next (+1) passage of the document in the reading pane."""
        view: DocumentView | None = self._parts.reader.view
        if view is None:
            return
        position = view.position + delta
        if not 0 <= position < len(view.passages):
            return
        pid, _start, _end = view.passages[position]
        self._engine.show_document(
            view.document.source, pid, None, self._marking_question(), None, view.corpus
        )

    def toggle_page(self) -> None:
        """Ctrl+T: a PDF's page or its text."""
        self._parts.reader.toggle_mode()

    def find_similar_shown(self) -> None:
        """Find passages like the one shown (or the selected text), as the pane's box says."""
        reader = self._parts.reader
        if reader.view is None:
            self._status("Select a result to find passages like it", 3000)
            return
        reader.tools.similar_button.click()

    def find_similar(self, text: str, exclude: bool) -> None:
        """Ask ``text`` (a passage or a selection) as a question; with ``exclude``, the shown
        document's own passages are left out."""
        view = self._parts.reader.view
        source = view.document.source if exclude and view is not None else None
        # A passage is asked as it reads: its quote marks or "word:" are not query syntax.
        self.ask(plain_question(text), source)

    def _selected(self) -> tuple[str, str, Path, str] | None:
        """(passage text, title, file path, location) of what the reading pane shows."""
        view = self._parts.reader.view
        if view is not None:
            return view.text, view.document.title, view.full_path, view.location
        hit = self._parts.results.current_hit()
        if hit is None:
            return None
        return hit.text, hit.title, self._folder_of(hit) / hit.source, hit.location

    def _folder_of(self, hit: Hit) -> Path:
        """The corpus folder of ``hit`` (it may come from a corpus searched with this one)."""
        found = self._engine.index_for(hit.corpus)
        if found is not None and found[0] is not self._engine.index:
            return found[1]
        return self._corpus.settings.corpus_dir

    def copy_citation(self) -> None:
        """Copy the selected passage, quoted, with title, path and location."""
        selected = self._selected()
        if selected is None:
            self._status("Select a result to copy its citation", 3000)
            return
        text, title, path, location = selected
        QGuiApplication.clipboard().setText(citation(text, title, path.resolve(), location))
        self._status("Citation copied", 3000)

    def open_source(self) -> None:
        """Open the selected document with the operating system's default app."""
        selected = self._selected()
        if selected is None:
            return
        path = selected[2]
        if not path.exists():
            self._parts.error_bar.show_message(
                f"“{path.name}” is no longer in the corpus folder (moved or deleted since "
                "indexing). Reindex to drop it from the results.",
                "Reindex",
            )
            return
        reader = self._parts.reader
        page = reader.current_page() if reader.view is not None else None
        if page is not None and reader.view is not None and reader.view.document.kind == "pdf":
            self._status(self._pages.open_at_page(path, page), 6000)
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.resolve()))):
            self._status(f"No app is set up to open {path.name}", 5000)
        else:
            self._status(f"Opened {path.name}", 3000)

    def _results_menu(self, pos: QPoint) -> None:
        """Right-click on a result: open it, its folder, or copy it."""
        results = self._parts.results
        index = results.view.indexAt(pos)
        if not index.isValid():
            return
        results.select_row(index.row())
        hit = results.model.hit(index.row())
        if hit is None:
            return
        menu = QMenu(self._window)
        menu.addAction("Open in Default App", self.open_source)
        menu.addAction("Show in Folder", lambda: self._show_in_folder(hit))
        menu.addSeparator()
        menu.addAction("Copy Citation", self.copy_citation)
        menu.addAction("Copy Passage Text", lambda: QGuiApplication.clipboard().setText(hit.text))
        menu.exec(results.view.viewport().mapToGlobal(pos))

    def _show_in_folder(self, hit: Hit) -> None:
        folder = (self._folder_of(hit) / hit.source).parent
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder.resolve())))
