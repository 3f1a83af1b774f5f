"""The window's commands: its actions with their shortcuts, the menu bar and the Open Recent menu.
Mixed into :class:`~askcorpus.gui.window.main_window.MainWindow`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from askcorpus.gui.views.dialogs import show_about, show_shortcuts
from askcorpus.gui.views.snippets import menu_text

if TYPE_CHECKING:
    from askcorpus.gui.window.main_window import MainWindow

    _Base = MainWindow
else:
    _Base = object


class ActionsMixin(_Base):
    """Builds the actions (kept as attributes, e.g. ``reindex_action``) and the menus."""

    def _action(
        self,
        text: str,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None,
        slot: Callable[[], object],
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        # Added to the window too, so the shortcuts work whichever widget has the focus.
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.open_action = self._action(
            "&Open Corpus Folder…",
            QKeySequence.StandardKey.Open,
            self.choose_corpus,
            "Search another folder of documents",
        )
        self.quit_action = self._action("&Quit", QKeySequence.StandardKey.Quit, self.close)
        self.copy_action = self._action(
            "&Copy Citation",
            QKeySequence.StandardKey.Copy,
            self.copy_citation,
            "Copy the passage with its title, path and location",
        )
        self.open_source_action = self._action(
            "Open in &Default App", None, self.open_source, "Open the file with your usual app"
        )
        self.ask_action = self._action("&Ask a Question", "Ctrl+L", self.focus_question)
        self.reindex_action = self._action(
            "&Reindex",
            "Ctrl+R",
            lambda: self.reindex(False),
            "Bring the index up to date with the corpus folder (Ctrl+R)",
        )
        self.rebuild_action = self._action(
            "Re&build Index from Scratch",
            None,
            lambda: self.reindex(True),
            "Index every document again",
        )
        self.cancel_action = self._action("&Cancel Indexing", None, self._cancel_indexing)
        self.cancel_action.setEnabled(False)
        self.skipped_action = self._action("&Skipped Files…", None, self.show_skipped)
        self.find_action = self._action(
            "&Find in Document…", QKeySequence.StandardKey.Find, self.reader_find
        )
        self.prev_action = self._action("&Previous Passage", "Alt+Up", lambda: self.navigate(-1))
        self.next_action = self._action("&Next Passage", "Alt+Down", lambda: self.navigate(1))
        self.shortcuts_action = self._action(
            "&Keyboard Shortcuts",
            QKeySequence.StandardKey.HelpContents,
            lambda: show_shortcuts(self),
        )
        self.about_action = self._action("&About askcorpus", None, lambda: show_about(self))

    def _build_menus(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit = menus.addMenu("&Edit")
        edit.addAction(self.ask_action)
        edit.addAction(self.copy_action)
        edit.addAction(self.open_source_action)
        edit.addAction(self.find_action)
        edit.addSeparator()
        edit.addAction(self.prev_action)
        edit.addAction(self.next_action)
        index = menus.addMenu("&Index")
        index.addAction(self.reindex_action)
        index.addAction(self.rebuild_action)
        index.addAction(self.cancel_action)
        index.addSeparator()
        index.addAction(self.skipped_action)
        help_menu = menus.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)
        self._fill_recent_menu()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.prefs.recent_corpora()
        for folder in recent:
            action = self.recent_menu.addAction(menu_text(f"{folder.name}  —  {folder}"))
            action.triggered.connect(lambda _c=False, f=folder: self.open_corpus(f))
        if recent:
            self.recent_menu.addSeparator()
            clear = self.recent_menu.addAction("Clear Recent")
            clear.triggered.connect(self._clear_recent)
        self.recent_menu.setEnabled(bool(recent))

    def _clear_recent(self) -> None:
        self.prefs.clear_recent_corpora()
        self._fill_recent_menu()

    def reader_find(self) -> None:
        """Ctrl+F: find in the document shown in the reading pane."""
        self.reader.open_find()

    def _cancel_indexing(self) -> None:
        if self.progress.cancel.isEnabled():
            self.progress.cancel.click()
