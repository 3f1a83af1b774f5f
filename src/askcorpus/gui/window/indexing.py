"""The window's indexing side (:class:`IndexingController`): showing an opened index, (re)indexing
with progress and Cancel, the 'documents changed' bar or the automatic update
(:mod:`askcorpus.gui.window.autoindex`), skipped files.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMainWindow, QMessageBox

from askcorpus.errors import CorpusError, IndexCorruptError, IndexLockedError, IndexMismatchError
from askcorpus.gui import states
from askcorpus.gui.engine import Engine
from askcorpus.gui.prefs import Preferences
from askcorpus.gui.tasks import ChangeSummary, IndexInfo
from askcorpus.gui.text import message, suffixes
from askcorpus.gui.views.dialogs import SkippedDialog
from askcorpus.gui.views.results_model import SkippedModel
from askcorpus.gui.views.snippets import plain_tooltip, plural
from askcorpus.gui.watcher import CorpusWatcher
from askcorpus.gui.window.actions import Actions
from askcorpus.gui.window.autoindex import AutoReindex
from askcorpus.gui.window.corpus import CorpusController
from askcorpus.gui.window.layout import Parts
from askcorpus.indexer.languages import advise, multilingual_installed
from askcorpus.records import IndexReport, Progress
from askcorpus.settings import MULTILINGUAL, EncoderChoice


class IndexingController(QObject):
    """Reacts to the engine's open/index/scan signals and runs the indexing commands.

    ``ready`` is emitted once an opened index is shown (a question asked while it was opening
    can then be asked).
    """

    ready = Signal()

    def __init__(
        self,
        window: QMainWindow,
        parts: Parts,
        actions: Actions,
        engine: Engine,
        corpus: CorpusController,
        watcher: CorpusWatcher,
        prefs: Preferences,
    ):
        super().__init__(window)
        self._window = window
        self._parts = parts
        self._actions = actions
        self._engine = engine
        self._corpus = corpus
        self._watcher = watcher
        self.skipped_model = SkippedModel(self)
        self.skipped_dialog: SkippedDialog | None = None
        #: The model of the index shown ("" before one is open) and the encoder a running
        #: rebuild switches to (None: the index's own).
        self._model = ""
        self._switching: EncoderChoice | None = None
        self.confirm: QMessageBox | None = None  # the question before switching encoders
        self.auto = AutoReindex(
            self,
            actions.auto_reindex,
            prefs,
            lambda: corpus.settings.corpus_dir,
            lambda: not self._engine.indexing and self.reindex(False),
            parts.status,
            parts.watch_bar,
        )
        corpus.indexOpened.connect(self._on_opened)
        corpus.switching.connect(self._reset)
        engine.missing.connect(self._on_missing)
        engine.openFailed.connect(self._on_open_failed)
        engine.indexingStarted.connect(self._on_indexing_started)
        engine.indexingProgress.connect(self._on_indexing_progress)
        engine.indexingDone.connect(self._on_indexed)
        engine.indexingFailed.connect(self._on_indexing_failed)
        engine.indexingCancelled.connect(self._on_indexing_cancelled)
        engine.changesFound.connect(self._on_changes)
        parts.progress.cancelRequested.connect(engine.cancel_indexing)
        parts.changes_bar.actionTriggered.connect(lambda: self.reindex(False))
        parts.error_bar.actionTriggered.connect(lambda: self.reindex(False))
        parts.watch_bar.actionTriggered.connect(lambda: self.reindex(False))
        parts.reader.reindexRequested.connect(lambda: self.reindex(False))
        parts.skipped_button.clicked.connect(self.show_skipped)
        watcher.changed.connect(self.auto.resume)
        watcher.changed.connect(engine.scan)

    def _reset(self) -> None:
        """Another corpus is opening: forget the old one's index figures."""
        self._indexing_over()  # a run for the previous corpus is being cancelled
        self.auto.corpus_changed()
        self._parts.stats_label.setText("")
        self.skipped_model.set_files(())
        self._update_skipped()

    def _status(self, text: str, msecs: int) -> None:
        self._parts.status.showMessage(text, msecs)

    def _on_opened(self, info: IndexInfo) -> None:
        p = self._parts
        stats = info.stats
        p.stats_label.setText(
            f"{plural(stats.documents, 'document')} · {plural(stats.passages, 'passage')}"
        )
        p.stats_label.setToolTip(
            plain_tooltip(
                f"Index: {self._corpus.settings.index_dir}\nUpdated {info.updated}\n"
                f"{stats.vectors:,} vectors ({stats.vector_index}), {stats.size_bytes / 2**20:.1f} MB"
            )
        )
        self.skipped_model.set_files(info.skipped)
        self._update_skipped()
        self._model = info.index.store.manifest.model
        self._update_languages_action()
        if p.results.showing_state and not p.results.model.rowCount():
            superseded = info.index.embedder.superseded is not None
            p.results.show_state(
                *states.ready(
                    self._corpus.corpus_name(),
                    stats.documents,
                    stats.passages,
                    superseded,
                    advise(stats, self._model),
                )
            )
        # The question typed while the index was opening goes first on the query queue; the
        # folder scan (it imports every format reader and walks the corpus) waits behind it.
        self.ready.emit()
        self._engine.scan()

    def _on_missing(self) -> None:
        self._parts.results.show_state(*states.building(self._corpus.corpus_name()))
        self.reindex(False)

    def _no_corpus(self) -> states.State:
        return states.no_corpus(self._corpus.settings.corpus_dir, self._corpus.recent_elsewhere())

    def _on_open_failed(self, exc: BaseException) -> None:
        results = self._parts.results
        if isinstance(exc, CorpusError):
            results.show_state(*self._no_corpus())
        elif isinstance(exc, IndexMismatchError | IndexCorruptError):
            results.show_state(*states.needs_rebuild(message(exc)))
        else:
            results.show_state(*states.failed("Cannot open the index", message(exc)))
        self._corpus.watch_folder_only()

    def _update_skipped(self) -> None:
        n = self.skipped_model.rowCount()
        button = self._parts.skipped_button
        button.setText(f"{plural(n, 'file')} skipped")
        button.setToolTip("Files that could not be indexed, and why")
        button.setVisible(n > 0)

    def reindex(self, rebuild: bool = False, encoder: EncoderChoice | None = None) -> bool:
        """Run the incremental indexer (or a full rebuild, with ``encoder`` if given) in the
        background; False when one is running already."""
        if self._engine.indexing and not self._engine.cancelling:
            self._status("Indexing is already running", 3000)
            return False
        self._parts.error_bar.hide()
        self.auto.timer.stop()  # this run takes the changes an automatic one was waiting for
        self._switching = encoder
        return self._engine.reindex(rebuild, encoder)

    def _update_languages_action(self) -> None:
        """Index > Rebuild for Several Languages… (or, on a multilingual index, for English
        only): offered when an index is open, nothing is indexing and the encoder is here."""
        action = self._actions.rebuild_languages
        multilingual = self._model == MULTILINGUAL
        action.setText(
            "Rebuild for &English Only…" if multilingual else "Rebuild for Several &Languages…"
        )
        installed = multilingual or multilingual_installed()
        action.setEnabled(bool(self._model) and installed and not self._engine.indexing)
        tip = (
            "Re-encode every passage with the bundled English model (faster indexing)"
            if multilingual
            else "Re-encode every passage with the multilingual encoder: documents in any "
            "language found by meaning"
        )
        action.setStatusTip(tip if installed else "The multilingual encoder is not installed")

    def rebuild_for_languages(self) -> None:
        """Ask, then rebuild the index with the other encoder (multilingual, or back to the
        English model). The question is a window-modal message, not a nested event loop."""
        if not self._model or self._engine.indexing:
            return
        to_english = self._model == MULTILINGUAL
        name = self._corpus.corpus_name()
        info = self._corpus.info
        passages = info.stats.passages if info is not None else 0
        if to_english:
            title, text = states.confirm_english(name, passages)
        else:
            title, text = states.confirm_multilingual(name, passages)
        # The question as the box's text, the details below it: the title bar is not shown
        # everywhere (macOS sheets have none).
        box = QMessageBox(QMessageBox.Icon.Question, title, title, parent=self._window)
        box.setInformativeText(text)
        box.setStandardButtons(QMessageBox.StandardButton.Cancel)
        go = box.addButton("Rebuild", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(go)
        encoder: EncoderChoice = "onnx-int8" if to_english else MULTILINGUAL

        def answered() -> None:
            self.confirm = None
            if box.clickedButton() is go:
                self.reindex(True, encoder)

        box.finished.connect(answered)
        self.confirm = box
        box.open()

    def cancel(self) -> None:
        """Index > Cancel Indexing: as the progress panel's Cancel button."""
        if self._parts.progress.cancel.isEnabled():
            self._parts.progress.cancel.click()

    def _on_indexing_started(self, rebuild: bool) -> None:
        name = self._corpus.corpus_name()
        if rebuild and self._switching == MULTILINGUAL:
            headline = f"Rebuilding “{name}” for several languages (about 4 passages a second)"
        elif rebuild and self._switching is not None:
            headline = f"Rebuilding “{name}” for English"
        elif rebuild:
            headline = f"Rebuilding the index of “{name}”"
        elif self._corpus.info is None:
            headline = f"Indexing “{name}”"
        else:
            headline = f"Updating the index of “{name}”"
        self._parts.progress.start(headline)
        self._parts.changes_bar.hide()
        self._actions.reindex.setEnabled(False)
        self._actions.rebuild.setEnabled(False)
        self._actions.rebuild_languages.setEnabled(False)
        self._actions.cancel.setEnabled(True)
        if self._corpus.info is None:
            self._parts.results.show_state(*states.building(name))

    def _indexing_over(self) -> None:
        self._parts.progress.hide()
        self._actions.reindex.setEnabled(True)
        self._actions.rebuild.setEnabled(True)
        self._actions.cancel.setEnabled(False)
        self._switching = None
        self._update_languages_action()

    def _on_indexing_progress(self, progress: Progress) -> None:
        self._parts.progress.update_progress(progress)

    def _on_indexed(self, report: IndexReport) -> None:
        self._indexing_over()
        if report.added or report.changed or report.removed:
            text = f"Index updated: {report.summary()}"
        else:
            text = f"The index is up to date ({plural(report.unchanged, 'document')} unchanged)"
        self._status(text, 10000)

    def _on_indexing_cancelled(self, kept: bool) -> None:
        self._indexing_over()
        self.auto.suspend()
        if kept:  # the engine reopens the index as published at the last checkpoint
            self._status(
                "Indexing cancelled — the documents indexed until then are kept; Reindex to finish",
                12000,
            )
            return
        if self._corpus.info is None:
            self._parts.results.show_state(*states.not_built(self._corpus.corpus_name()))
            self._corpus.watch_folder_only()
        else:
            self._engine.scan()
        self._status("Indexing cancelled — the index is as it was", 8000)

    def _on_indexing_failed(self, exc: BaseException) -> None:
        self._indexing_over()
        p = self._parts
        text = message(exc)
        if isinstance(exc, IndexLockedError):
            p.error_bar.show_message(text, "Try Again")
            return
        if isinstance(exc, CorpusError):
            corpus_dir = self._corpus.settings.corpus_dir
            if not corpus_dir.is_dir():
                p.results.show_state(*self._no_corpus())
            else:
                p.results.show_state(*states.empty_corpus(corpus_dir, suffixes()))
            self._corpus.watch_folder_only()
            return
        if isinstance(exc, IndexMismatchError | IndexCorruptError):
            p.results.show_state(*states.needs_rebuild(text))
            return
        if self._corpus.info is None:
            p.results.show_state(*states.failed("Indexing failed", text))
        else:
            p.error_bar.show_message(f"Indexing failed: {text}", "Try Again")

    def _on_changes(self, summary: ChangeSummary) -> None:
        bar = self._parts.changes_bar
        failed = self._watcher.watch(list(summary.folders) + list(summary.files))
        self.auto.watch_limits(summary, failed)
        if summary.count == 0 or self._engine.indexing or self.auto.take(summary):
            bar.hide()
            return
        parts = []
        for n, word in (
            (len(summary.added), "added"),
            (len(summary.changed), "changed"),
            (len(summary.removed), "removed"),
        ):
            if n:
                parts.append(f"{n} {word}")
        what = "document changed" if summary.count == 1 else "documents changed"
        bar.show_message(
            f"{summary.count} {what} in the corpus folder since the last index "
            f"({', '.join(parts)}) — reindex to search them.",
            "Reindex",
        )
        names = [f"+ {s}" for s in summary.added] + [f"~ {s}" for s in summary.changed]
        names += [f"− {s}" for s in summary.removed]
        tip = "\n".join(names[:15]) + ("\n…" if len(names) > 15 else "")
        bar.label.setToolTip(plain_tooltip(tip))

    def show_skipped(self) -> None:
        """The Skipped files view."""
        if self.skipped_dialog is None:
            self.skipped_dialog = SkippedDialog(self.skipped_model, self._window)
        self.skipped_dialog.show()
        self.skipped_dialog.raise_()
