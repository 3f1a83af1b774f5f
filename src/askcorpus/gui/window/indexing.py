"""The window's indexing side: opening results, (re)indexing with progress and Cancel, the
'documents changed' bar, skipped files. Mixed into :class:`~askcorpus.gui.window.main_window.MainWindow`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from askcorpus.errors import CorpusError, IndexCorruptError, IndexLockedError, IndexMismatchError
from askcorpus.gui import states
from askcorpus.gui.tasks import ChangeSummary, IndexInfo
from askcorpus.gui.text import message, suffixes
from askcorpus.gui.views.dialogs import SkippedDialog
from askcorpus.gui.views.snippets import plain_tooltip, plural
from askcorpus.records import IndexReport, Progress

if TYPE_CHECKING:
    from askcorpus.gui.window.main_window import MainWindow

    _Base = MainWindow
else:
    _Base = object


class IndexingMixin(_Base):
    """Slots for the engine's open/index/scan signals and the indexing actions."""

    def _on_opened(self, info: IndexInfo) -> None:
        self.info = info
        stats = info.stats
        self.stats_label.setText(
            f"{plural(stats.documents, 'document')} · {plural(stats.passages, 'passage')}"
        )
        self.stats_label.setToolTip(
            plain_tooltip(
                f"Index: {self.settings.index_dir}\nUpdated {info.updated}\n"
                f"{stats.vectors:,} vectors ({stats.vector_index}), {stats.size_bytes / 2**20:.1f} MB"
            )
        )
        self.skipped_model.set_files(info.skipped)
        self._update_skipped()
        if self.results.showing_state and not self.results.model.rowCount():
            self.results.show_state(
                *states.ready(self._corpus_name(), stats.documents, stats.passages)
            )
        self.engine.scan()
        if self._pending_question:
            question, self._pending_question = self._pending_question, None
            self.ask(question)

    def _on_missing(self) -> None:
        self.results.show_state(*states.building(self._corpus_name()))
        self.reindex(False)

    def _on_open_failed(self, exc: BaseException) -> None:
        if isinstance(exc, CorpusError):
            self.results.show_state(
                *states.no_corpus(self.settings.corpus_dir, self._recent_elsewhere())
            )
        elif isinstance(exc, IndexMismatchError | IndexCorruptError):
            self.results.show_state(*states.needs_rebuild(message(exc)))
        else:
            self.results.show_state(*states.failed("Cannot open the index", message(exc)))
        self._watch_folder_only()

    def _watch_folder_only(self) -> None:
        if self.settings.corpus_dir.is_dir():
            self.watcher.watch([str(self.settings.corpus_dir)])

    def _update_skipped(self) -> None:
        n = self.skipped_model.rowCount()
        self.skipped_button.setText(f"{plural(n, 'file')} skipped")
        self.skipped_button.setToolTip("Files that could not be indexed, and why")
        self.skipped_button.setVisible(n > 0)

    def reindex(self, rebuild: bool = False) -> None:
        """Run the incremental indexer (or a full rebuild) in the background."""
        if self.engine.indexing and not self.engine.cancelling:
            self.statusBar().showMessage("Indexing is already running", 3000)
            return
        self.error_bar.hide()
        self.engine.reindex(rebuild)

    def _on_indexing_started(self, rebuild: bool) -> None:
        name = self._corpus_name()
        if rebuild:
            headline = f"Rebuilding the index of “{name}”"
        elif self.info is None:
            headline = f"Indexing “{name}”"
        else:
            headline = f"Updating the index of “{name}”"
        self.progress.start(headline)
        self.changes_bar.hide()
        self.reindex_action.setEnabled(False)
        self.rebuild_action.setEnabled(False)
        self.cancel_action.setEnabled(True)
        if self.info is None:
            self.results.show_state(*states.building(name))

    def _indexing_over(self) -> None:
        self.progress.hide()
        self.reindex_action.setEnabled(True)
        self.rebuild_action.setEnabled(True)
        self.cancel_action.setEnabled(False)

    def _on_indexing_progress(self, progress: Progress) -> None:
        self.progress.update_progress(progress)

    def _on_indexed(self, report: IndexReport) -> None:
        self._indexing_over()
        if report.added or report.changed or report.removed:
            text = f"Index updated: {report.summary()}"
        else:
            text = f"The index is up to date ({plural(report.unchanged, 'document')} unchanged)"
        self.statusBar().showMessage(text, 10000)

    def _on_indexing_cancelled(self) -> None:
        self._indexing_over()
        if self.info is None:
            self.results.show_state(*states.not_built(self._corpus_name()))
            self._watch_folder_only()
        else:
            self.engine.scan()
        self.statusBar().showMessage("Indexing cancelled — the index is as it was", 8000)

    def _on_indexing_failed(self, exc: BaseException) -> None:
        self._indexing_over()
        text = message(exc)
        if isinstance(exc, IndexLockedError):
            self.error_bar.show_message(text, "Try Again")
            return
        if isinstance(exc, CorpusError):
            if not self.settings.corpus_dir.is_dir():
                self.results.show_state(
                    *states.no_corpus(self.settings.corpus_dir, self._recent_elsewhere())
                )
            else:
                self.results.show_state(*states.empty_corpus(self.settings.corpus_dir, suffixes()))
            self._watch_folder_only()
            return
        if isinstance(exc, IndexMismatchError | IndexCorruptError):
            self.results.show_state(*states.needs_rebuild(text))
            return
        if self.info is None:
            self.results.show_state(*states.failed("Indexing failed", text))
        else:
            self.error_bar.show_message(f"Indexing failed: {text}", "Try Again")

    def _on_changes(self, summary: ChangeSummary) -> None:
        self.watcher.watch(list(summary.folders) + list(summary.files))
        if summary.count == 0 or self.engine.indexing:
            self.changes_bar.hide()
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
        self.changes_bar.show_message(
            f"{summary.count} {what} in the corpus folder since the last index "
            f"({', '.join(parts)}) — reindex to search them.",
            "Reindex",
        )
        names = [f"+ {s}" for s in summary.added] + [f"~ {s}" for s in summary.changed]
        names += [f"− {s}" for s in summary.removed]
        tip = "\n".join(names[:15]) + ("\n…" if len(names) > 15 else "")
        self.changes_bar.label.setToolTip(plain_tooltip(tip))

    def show_skipped(self) -> None:
        """The Skipped files view."""
        if self._skipped_dialog is None:
            self._skipped_dialog = SkippedDialog(self.skipped_model, self)
        self._skipped_dialog.show()
        self._skipped_dialog.raise_()

    def _recent_elsewhere(self) -> Path | None:
        """The most recent corpus that still exists and is not the one just tried."""
        current = self.settings.corpus_dir.expanduser().resolve()
        for folder in self.prefs.recent_corpora():
            if folder != current and folder.is_dir():
                return folder
        return None
