"""The window's widgets and their arrangement: question bar, results | reader splitter, notice
bars and status bar, kept in one typed record (:class:`Parts`); its saved size and splitter
position.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QCompleter,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStatusBar,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from askcorpus.gui.prefs import Preferences
from askcorpus.gui.views.filter_bar import FilterBar, FolderCompleter
from askcorpus.gui.views.mentions_panel import MentionsPanel
from askcorpus.gui.views.reader_pane import ReaderPane
from askcorpus.gui.views.results_panel import ResultsPanel
from askcorpus.gui.views.widgets import IndexProgressPanel, NoticeBar
from askcorpus.gui.window.actions import Actions

DEFAULT_SIZE = (1280, 820)
DEFAULT_SPLIT = [560, 720]


@dataclass(frozen=True, slots=True)
class Parts:
    """The window's widgets, built once by :func:`build_parts`; the controllers receive it."""

    question_edit: QLineEdit
    recent_model: QStringListModel  # the recent questions the completer offers
    completer: QCompleter
    filter_bar: FilterBar  # the filters as chips, the Filter menu, a malformed query's message
    folder_completer: FolderCompleter  # folder names after in: in the question field
    ask_button: QPushButton
    toolbar: QToolBar
    progress: IndexProgressPanel
    changes_bar: NoticeBar  # "documents changed — reindex"
    error_bar: NoticeBar
    watch_bar: NoticeBar  # "changes in some folders go unseen"
    results: ResultsPanel
    mentions: MentionsPanel  # every mention of the question's phrase
    tabs: QTabWidget  # Results | Mentions
    reader: ReaderPane
    splitter: QSplitter
    model_label: QLabel
    stats_label: QLabel
    skipped_button: QToolButton
    status: QStatusBar


def build_parts(window: QMainWindow, actions: Actions, prefs: Preferences) -> Parts:
    """Create the widgets of ``window``, lay them out and return them."""
    question_edit, recent_model, completer, ask_button = _question_bar(window, prefs)
    filter_bar = FilterBar(window)
    folder_completer = FolderCompleter(question_edit, lambda: filter_bar.folders)
    toolbar = _toolbar(window, question_edit, filter_bar, ask_button, actions)
    progress = IndexProgressPanel(window)
    changes_bar = NoticeBar(window)
    error_bar = NoticeBar(window)
    watch_bar = NoticeBar(window)
    results = ResultsPanel(window)
    mentions = MentionsPanel(window)
    tabs = QTabWidget(window)
    tabs.setObjectName("resultTabs")
    tabs.setDocumentMode(True)
    tabs.addTab(results, "Results")
    tabs.addTab(mentions, "Mentions")
    tabs.setTabToolTip(0, "The best passages for the question")
    tabs.setTabToolTip(1, "Every mention of the question's words or “phrase”, by document")
    reader = ReaderPane(window)
    splitter = _splitter(window, tabs, reader)
    central = QWidget(window)
    col = QVBoxLayout(central)
    col.setContentsMargins(0, 0, 0, 0)
    col.setSpacing(0)
    notices = QVBoxLayout()
    notices.setContentsMargins(8, 0, 8, 0)
    notices.setSpacing(6)
    for w in (progress, changes_bar, error_bar, watch_bar):
        notices.addWidget(w)
    col.addLayout(notices)
    col.addWidget(splitter, 1)
    window.setCentralWidget(central)
    status, model_label, stats_label, skipped_button = _status_bar(window)
    window.resize(*DEFAULT_SIZE)
    return Parts(
        question_edit=question_edit,
        recent_model=recent_model,
        completer=completer,
        filter_bar=filter_bar,
        folder_completer=folder_completer,
        ask_button=ask_button,
        toolbar=toolbar,
        progress=progress,
        changes_bar=changes_bar,
        error_bar=error_bar,
        watch_bar=watch_bar,
        results=results,
        mentions=mentions,
        tabs=tabs,
        reader=reader,
        splitter=splitter,
        model_label=model_label,
        stats_label=stats_label,
        skipped_button=skipped_button,
        status=status,
    )


def _question_bar(
    window: QMainWindow, prefs: Preferences
) -> tuple[QLineEdit, QStringListModel, QCompleter, QPushButton]:
    edit = QLineEdit(window)
    edit.setObjectName("question")
    edit.setPlaceholderText("Ask a question about your documents…   (Ctrl+L)")
    edit.setClearButtonEnabled(True)
    font = edit.font()
    font.setPointSizeF(font.pointSizeF() * 1.15)
    edit.setFont(font)
    edit.setMinimumWidth(320)
    edit.setAccessibleName("Question")
    recent = QStringListModel(prefs.recent_questions(), window)
    completer = QCompleter(recent, window)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setMaxVisibleItems(8)
    edit.setCompleter(completer)
    button = QPushButton("Ask", window)
    button.setDefault(True)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setMinimumHeight(edit.sizeHint().height())
    return edit, recent, completer, button


def _toolbar(
    window: QMainWindow,
    edit: QLineEdit,
    filter_bar: FilterBar,
    ask_button: QPushButton,
    actions: Actions,
) -> QToolBar:
    bar = QToolBar("Main", window)
    bar.setObjectName("mainToolbar")
    bar.setMovable(False)
    bar.setFloatable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    holder = QWidget(bar)
    row = QVBoxLayout(holder)
    row.setContentsMargins(6, 6, 6, 2)
    row.setSpacing(3)
    row.addWidget(edit)
    row.addWidget(filter_bar)
    bar.addWidget(holder)
    bar.addWidget(ask_button)
    bar.addSeparator()
    bar.addAction(actions.reindex)
    bar.addAction(actions.open)
    for action in (actions.reindex, actions.open):
        button = bar.widgetForAction(action)
        if isinstance(button, QToolButton):
            button.setCursor(Qt.CursorShape.PointingHandCursor)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    return bar


def _splitter(window: QMainWindow, results: QWidget, reader: ReaderPane) -> QSplitter:
    splitter = QSplitter(Qt.Orientation.Horizontal, window)
    splitter.setObjectName("mainSplitter")
    splitter.addWidget(results)
    splitter.addWidget(reader)
    splitter.setChildrenCollapsible(False)
    splitter.setHandleWidth(1)
    splitter.setStretchFactor(0, 4)
    splitter.setStretchFactor(1, 5)
    results.setMinimumWidth(340)
    reader.setMinimumWidth(360)
    return splitter


def _status_bar(window: QMainWindow) -> tuple[QStatusBar, QLabel, QLabel, QToolButton]:
    status = window.statusBar()
    status.setSizeGripEnabled(True)
    model_label = QLabel(window)
    model_label.setObjectName("muted")
    stats_label = QLabel(window)
    stats_label.setObjectName("muted")
    skipped = QToolButton(window)
    skipped.setAutoRaise(True)
    skipped.setCursor(Qt.CursorShape.PointingHandCursor)
    skipped.hide()
    for label in (model_label, stats_label):
        label.setContentsMargins(8, 0, 8, 0)
    status.addPermanentWidget(model_label)
    status.addPermanentWidget(skipped)
    status.addPermanentWidget(stats_label)
    return status, model_label, stats_label, skipped


def restore_geometry(window: QMainWindow, splitter: QSplitter, prefs: Preferences) -> None:
    """The window's saved size and splitter position (or the defaults)."""
    geometry = prefs.geometry("geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    state = prefs.geometry("splitter")
    if state is not None:
        splitter.restoreState(state)
    else:
        splitter.setSizes(DEFAULT_SPLIT)


def save_geometry(window: QMainWindow, splitter: QSplitter, prefs: Preferences) -> None:
    """Remember the size and splitter position, and write the preferences to disk."""
    prefs.set_geometry("geometry", window.saveGeometry())
    prefs.set_geometry("splitter", splitter.saveState())
    prefs.close()  # writes everything and stops its writer thread
