"""The window's widgets and their arrangement: question bar, results | reader splitter, notice
bars and status bar; its saved size and splitter position. Mixed into
:class:`~askcorpus.gui.window.main_window.MainWindow`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QCompleter,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from askcorpus.gui.views.reader_pane import ReaderPane
from askcorpus.gui.views.results_panel import ResultsPanel
from askcorpus.gui.views.widgets import IndexProgressPanel, NoticeBar

if TYPE_CHECKING:
    from askcorpus.gui.window.main_window import MainWindow

    _Base = MainWindow
else:
    _Base = object

DEFAULT_SIZE = (1280, 820)
DEFAULT_SPLIT = [560, 720]


class LayoutMixin(_Base):
    """Creates the window's widgets (kept as attributes) and lays them out."""

    def _build_ui(self) -> None:
        self._build_toolbar()
        self._build_panes()
        self._build_status_bar()
        self.resize(*DEFAULT_SIZE)

    def _build_toolbar(self) -> None:
        self.question_edit = QLineEdit(self, objectName="question")
        self.question_edit.setPlaceholderText("Ask a question about your documents…   (Ctrl+L)")
        self.question_edit.setClearButtonEnabled(True)
        font = self.question_edit.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.question_edit.setFont(font)
        self.question_edit.setMinimumWidth(320)
        self.question_edit.setAccessibleName("Question")
        self.question_edit.installEventFilter(self)
        self.recent_model = QStringListModel(self.prefs.recent_questions(), self)
        self.completer = QCompleter(self.recent_model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setMaxVisibleItems(8)
        self.question_edit.setCompleter(self.completer)
        self.ask_button = QPushButton("Ask", self)
        self.ask_button.setDefault(True)
        self.ask_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.ask_button.setMinimumHeight(self.question_edit.sizeHint().height())

        bar = QToolBar("Main", self)
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        holder = QWidget(bar)
        row = QVBoxLayout(holder)
        row.setContentsMargins(6, 6, 6, 6)
        row.addWidget(self.question_edit)
        bar.addWidget(holder)
        bar.addWidget(self.ask_button)
        bar.addSeparator()
        bar.addAction(self.reindex_action)
        bar.addAction(self.open_action)
        for action in (self.reindex_action, self.open_action):
            button = bar.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.toolbar = bar

    def _build_panes(self) -> None:
        self.progress = IndexProgressPanel(self)
        self.changes_bar = NoticeBar(self)
        self.error_bar = NoticeBar(self)
        self.results = ResultsPanel(self)
        self.reader = ReaderPane(self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.results)
        self.splitter.addWidget(self.reader)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(1)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 5)
        self.results.setMinimumWidth(340)
        self.reader.setMinimumWidth(360)

        central = QWidget(self)
        col = QVBoxLayout(central)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        notices = QVBoxLayout()
        notices.setContentsMargins(8, 0, 8, 0)
        notices.setSpacing(6)
        for w in (self.progress, self.changes_bar, self.error_bar):
            notices.addWidget(w)
        col.addLayout(notices)
        col.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        status.setSizeGripEnabled(True)
        self.model_label = QLabel(self)
        self.model_label.setObjectName("muted")
        self.stats_label = QLabel(self)
        self.stats_label.setObjectName("muted")
        self.skipped_button = QToolButton(self)
        self.skipped_button.setAutoRaise(True)
        self.skipped_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.skipped_button.clicked.connect(self.show_skipped)
        self.skipped_button.hide()
        for label in (self.model_label, self.stats_label):
            label.setContentsMargins(8, 0, 8, 0)
        status.addPermanentWidget(self.model_label)
        status.addPermanentWidget(self.skipped_button)
        status.addPermanentWidget(self.stats_label)

    def _restore_geometry(self) -> None:
        geometry = self.prefs.geometry("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        splitter = self.prefs.geometry("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes(DEFAULT_SPLIT)

    def _save_geometry(self) -> None:
        self.prefs.set_geometry("geometry", self.saveGeometry())
        self.prefs.set_geometry("splitter", self.splitter.saveState())
        self.prefs.close()  # writes everything and stops its writer thread
