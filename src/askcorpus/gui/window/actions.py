"""The window's commands: its actions with their shortcuts (:class:`Actions`), the menu bar, and
:class:`ActionsController`, which connects each command to the controller that carries it out,
fills Open Recent and handles the buttons of the results pane's empty states.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from askcorpus.gui.prefs import Preferences
from askcorpus.gui.states import MULTILINGUAL_LABEL, StateAction, Step
from askcorpus.gui.views.dialogs import show_about, show_shortcuts
from askcorpus.gui.views.snippets import menu_text

if TYPE_CHECKING:
    from askcorpus.gui.views.widgets import EmptyState
    from askcorpus.gui.window.corpus import CorpusController
    from askcorpus.gui.window.indexing import IndexingController
    from askcorpus.gui.window.reading import ReadingController


@dataclass(frozen=True, slots=True)
class Actions:
    """The window's actions (each also added to the window, so its shortcut works whichever
    widget has the focus) and the Open Recent menu."""

    open: QAction
    corpora: QAction  # File > Corpora…: the list, and which are searched together
    team: QAction  # File > Open Team Corpus… (an index on a server, by URL)
    quit: QAction
    copy: QAction
    open_source: QAction
    ask: QAction
    reindex: QAction
    rebuild: QAction
    rebuild_languages: QAction  # with the multilingual encoder (or back to English)
    cancel: QAction
    skipped: QAction
    auto_reindex: QAction  # checkable: update the index by itself when the folder changes
    find: QAction
    toggle_page: QAction  # a PDF's text or its page
    find_similar: QAction
    prev: QAction
    next: QAction
    shortcuts: QAction
    about: QAction
    recent_menu: QMenu


def _action(
    window: QMainWindow,
    text: str,
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    tip: str = "",
) -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setToolTip(tip)
        action.setStatusTip(tip)
    window.addAction(action)
    return action


def build_actions(window: QMainWindow) -> Actions:
    """The actions of ``window`` (not yet connected) and its menu bar."""
    std = QKeySequence.StandardKey
    actions = Actions(
        open=_action(
            window, "&Open Corpus Folder…", std.Open, "Search another folder of documents"
        ),
        corpora=_action(
            window, "&Corpora…", None, "Keep several corpora and search some of them together"
        ),
        team=_action(
            window, "Open &Team Corpus…", None, "Search a corpus indexed on a PostgreSQL server"
        ),
        quit=_action(window, "&Quit", std.Quit),
        copy=_action(
            window,
            "&Copy Citation",
            std.Copy,
            "Copy the passage with its title, path and location",
        ),
        open_source=_action(
            window, "Open in &Default App", None, "Open the file with your usual app"
        ),
        ask=_action(window, "&Ask a Question", "Ctrl+L"),
        reindex=_action(
            window,
            "&Reindex",
            "Ctrl+R",
            "Bring the index up to date with the corpus folder (Ctrl+R)",
        ),
        rebuild=_action(window, "Re&build Index from Scratch", None, "Index every document again"),
        rebuild_languages=_action(window, MULTILINGUAL_LABEL),
        cancel=_action(window, "&Cancel Indexing"),
        skipped=_action(window, "&Skipped Files…"),
        auto_reindex=_action(
            window,
            "&Update Index Automatically",
            None,
            "Reindex by itself when files in the corpus folder change",
        ),
        find=_action(window, "&Find in Document…", std.Find),
        toggle_page=_action(
            window, "Show PDF &Page or Text", "Ctrl+T", "Switch between a PDF's page and its text"
        ),
        find_similar=_action(
            window,
            "Find &Similar Passages",
            "Ctrl+Shift+S",
            "Search for passages like the one shown, or like the selected text",
        ),
        prev=_action(window, "&Previous Passage", "Alt+Up"),
        next=_action(window, "&Next Passage", "Alt+Down"),
        shortcuts=_action(window, "&Keyboard Shortcuts", std.HelpContents),
        about=_action(window, "&About askcorpus"),
        recent_menu=QMenu("Open &Recent", window),
    )
    actions.cancel.setEnabled(False)
    actions.rebuild_languages.setEnabled(False)  # until an index is open
    _build_menus(window, actions)
    return actions


def _build_menus(window: QMainWindow, actions: Actions) -> None:
    menus = window.menuBar()
    file_menu = menus.addMenu("&File")
    file_menu.addAction(actions.open)
    file_menu.addMenu(actions.recent_menu)
    file_menu.addAction(actions.corpora)
    file_menu.addAction(actions.team)
    file_menu.addSeparator()
    file_menu.addAction(actions.quit)
    edit = menus.addMenu("&Edit")
    for action in (actions.ask, actions.copy, actions.open_source, actions.find):
        edit.addAction(action)
    edit.addAction(actions.find_similar)
    edit.addSeparator()
    edit.addAction(actions.prev)
    edit.addAction(actions.next)
    edit.addAction(actions.toggle_page)
    index = menus.addMenu("&Index")
    index.addAction(actions.reindex)
    index.addAction(actions.rebuild)
    index.addAction(actions.rebuild_languages)
    index.addAction(actions.cancel)
    index.addSeparator()
    index.addAction(actions.auto_reindex)
    index.addAction(actions.skipped)
    help_menu = menus.addMenu("&Help")
    help_menu.addAction(actions.shortcuts)
    help_menu.addAction(actions.about)


class ActionsController(QObject):
    """Connects the commands (actions, empty-state buttons, Open Recent) to the controllers."""

    def __init__(
        self,
        window: QMainWindow,
        actions: Actions,
        empty_state: EmptyState,
        prefs: Preferences,
        corpus: CorpusController,
        indexing: IndexingController,
        reading: ReadingController,
    ):
        super().__init__(window)
        self._actions = actions
        self._prefs = prefs
        self._corpus = corpus
        self._indexing = indexing
        a = actions
        a.open.triggered.connect(corpus.choose_corpus)
        a.quit.triggered.connect(window.close)
        a.copy.triggered.connect(reading.copy_citation)
        a.open_source.triggered.connect(reading.open_source)
        a.ask.triggered.connect(reading.focus_question)
        a.reindex.triggered.connect(lambda: indexing.reindex(False))
        a.rebuild.triggered.connect(lambda: indexing.reindex(True))
        a.rebuild_languages.triggered.connect(indexing.rebuild_for_languages)
        a.cancel.triggered.connect(indexing.cancel)
        a.skipped.triggered.connect(indexing.show_skipped)
        a.find.triggered.connect(reading.find_in_document)
        a.toggle_page.triggered.connect(reading.toggle_page)
        a.find_similar.triggered.connect(reading.find_similar_shown)
        a.prev.triggered.connect(lambda: reading.navigate(-1))
        a.next.triggered.connect(lambda: reading.navigate(1))
        a.shortcuts.triggered.connect(lambda: show_shortcuts(window))
        a.about.triggered.connect(lambda: show_about(window))
        empty_state.actionTriggered.connect(self.run_state_action)
        corpus.recentChanged.connect(self.fill_recent_menu)
        self.fill_recent_menu()

    def fill_recent_menu(self) -> None:
        """File > Open Recent: the corpora opened before, and Clear Recent."""
        menu = self._actions.recent_menu
        menu.clear()
        recent = self._prefs.recent_corpora()
        for folder in recent:
            action = menu.addAction(menu_text(f"{folder.name}  —  {folder}"))
            action.triggered.connect(lambda _c=False, f=folder: self._corpus.open_corpus(f))
        if recent:
            menu.addSeparator()
            clear = menu.addAction("Clear Recent")
            clear.triggered.connect(self._clear_recent)
        menu.setEnabled(bool(recent))

    def _clear_recent(self) -> None:
        self._prefs.clear_recent_corpora()
        self.fill_recent_menu()

    def run_state_action(self, action: StateAction) -> None:
        """A button of the results pane's empty state."""
        step = action.step
        if step is Step.OPEN_RECENT and action.folder is not None:
            self._corpus.open_corpus(action.folder)
        elif step is Step.OPEN:
            self._corpus.choose_corpus()
        elif step is Step.RETRY:
            self._corpus.reopen()
        elif step is Step.REINDEX:
            self._indexing.reindex(False)
        elif step is Step.REBUILD:
            self._indexing.reindex(True)
        elif step is Step.REBUILD_MULTILINGUAL:
            self._indexing.rebuild_for_languages()
