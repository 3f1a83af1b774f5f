"""Several corpora (:class:`CorporaController`): the list the window keeps (File > Corpora…,
saved in the preferences), the ones searched together with the corpus shown (their indexes
opened on the query worker), and what the status bar says about them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QMainWindow

from askcorpus.gui.engine import Engine
from askcorpus.gui.prefs import Preferences
from askcorpus.gui.research_tasks import OtherCorpora
from askcorpus.gui.text import message
from askcorpus.gui.views.corpora_dialog import CorporaDialog
from askcorpus.gui.views.team_dialog import TeamCorpusDialog
from askcorpus.gui.window.corpus import CorpusController
from askcorpus.gui.window.layout import Parts
from askcorpus.gui.window.reading import ReadingController


class CorporaController(QObject):
    """Keeps the list of corpora and the set searched together in step with the corpus shown
    (which is always searched, and always in the list)."""

    def __init__(
        self,
        window: QMainWindow,
        parts: Parts,
        engine: Engine,
        corpus: CorpusController,
        reading: ReadingController,
        prefs: Preferences,
    ):
        super().__init__(window)
        self._window = window
        self._parts = parts
        self._engine = engine
        self._corpus = corpus
        self._reading = reading
        self._prefs = prefs
        self._applied: tuple[Path, ...] | None = None
        self.dialog: CorporaDialog | None = None
        self.team_dialog: TeamCorpusDialog | None = None
        self.label = QLabel(window)
        self.label.setObjectName("muted")
        self.label.setContentsMargins(8, 0, 8, 0)
        parts.status.addPermanentWidget(self.label)
        corpus.switching.connect(self.apply)
        engine.othersOpened.connect(self._on_others)
        engine.teamFailed.connect(self._on_team_failed)

    def together(self) -> list[Path]:
        """The corpora searched with the one shown (existing folders, the shown one left out)."""
        shown = self._corpus.shown_folder()
        return [f for f in self._prefs.searched_together() if f != shown and f.is_dir()]

    def apply(self) -> None:
        """Open (or close) the other corpora's indexes when the set searched changed."""
        shown = self._corpus.shown_folder()
        listed = self._prefs.corpora()
        if shown.is_dir() and shown not in listed:
            self._prefs.set_corpora([shown, *listed])
        together = tuple(self.together())
        if together == self._applied:
            return
        self._applied = together
        self._engine.search_with([self._corpus.settings_for(f) for f in together])

    def _on_others(self, others: OtherCorpora) -> None:
        if self.team_dialog is not None and self.team_dialog.problem.text() == "Opening…":
            self.team_dialog.opened()
        n = len(others.indexes)
        self.label.setText(f"Searching {n + 1} corpora" if n else "")
        if others.problems:
            self._parts.error_bar.show_message("Not searched: " + "; ".join(others.problems))
        if self._reading.question and self._parts.results.model.result is not None:
            self._reading.refilter()  # the answer shown came from another set of corpora

    # -- File > Corpora… -----------------------------------------------------------------------
    def show_dialog(self) -> CorporaDialog:
        """The Corpora dialog (edits apply at once)."""
        if self.dialog is None:
            shown = self._corpus.shown_folder()
            dialog = CorporaDialog(
                self._prefs.corpora(), self._prefs.searched_together(), shown, self._window
            )
            dialog.changed.connect(self._on_edited)
            dialog.openRequested.connect(self._corpus.open_corpus)
            dialog.finished.connect(self._on_closed)
            self.dialog = dialog
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def _on_edited(self) -> None:
        dialog = self.dialog
        if dialog is None:
            return
        self._prefs.set_corpora(dialog.corpora())
        self._prefs.set_searched_together(dialog.together())
        self.apply()

    def _on_closed(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None

    # -- File > Open Team Corpus… --------------------------------------------------------------
    def show_team_dialog(self) -> TeamCorpusDialog:
        """The dialog asking for a team corpus URL (opened through the store factory)."""
        if self.team_dialog is None:
            dialog = TeamCorpusDialog(self._window)
            dialog.openRequested.connect(self._engine.open_team)
            dialog.finished.connect(self._on_team_closed)
            self.team_dialog = dialog
        self.team_dialog.show()
        self.team_dialog.raise_()
        return self.team_dialog

    def _on_team_failed(self, exc: BaseException) -> None:
        if self.team_dialog is not None:
            self.team_dialog.show_error(message(exc))

    def _on_team_closed(self, _result: int) -> None:
        if self.team_dialog is not None:
            self.team_dialog.deleteLater()
            self.team_dialog = None
