"""The "Index coverage" view: per folder, documents indexed, OCR'd, skipped (why), excluded (by
which ``.askcorpusignore`` rule), new or changed since and gone, and when it was last indexed
(:mod:`askcorpus.indexer.coverage`, computed on the engine's query queue).

:func:`attach_coverage` puts it in a dock of the main window, shown from Index > Coverage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QShowEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from askcorpus.errors import AskcorpusError
from askcorpus.gui.text import message
from askcorpus.gui.workers import JobRunner
from askcorpus.ingest.ignore import IGNORE_FILE, IgnoreRules
from askcorpus.settings import Settings

if TYPE_CHECKING:
    from askcorpus.gui.window.main_window import MainWindow
    from askcorpus.indexer.coverage import Coverage
    from askcorpus.search.index import Index

COLUMNS = ("Folder", "Indexed", "OCR", "Skipped", "Excluded", "New/changed", "Gone", "Indexed on")


class CoverageView(QWidget):
    """A tree: one row per folder, its skipped and excluded files as child rows."""

    coverageShown = Signal()
    failed = Signal(str)

    def __init__(self, runner: JobRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self._runner = runner
        self._settings: Settings | None = None
        self._index: Index | None = None
        self.coverage: Coverage | None = None
        self.summary = QLabel("No index open", self)
        self.summary.setObjectName("muted")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setAccessibleName("Index coverage by folder")
        self.tree.setRootIsDecorated(True)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.clicked.connect(self.refresh)
        # The corpus's include/exclude rules, editable: saved, they apply from the next reindex
        # (the coverage shows at once what they exclude).
        self.rules = QPlainTextEdit(self)
        self.rules.setAccessibleName(f"{IGNORE_FILE} rules")
        self.rules.setPlaceholderText(f"{IGNORE_FILE}: gitignore rules, e.g. drafts/ or *.log")
        self.rules.setMaximumHeight(110)
        self.save_rules_button = QPushButton(f"Save {IGNORE_FILE}", self)
        self.save_rules_button.clicked.connect(self.save_rules)
        row = QHBoxLayout()
        row.addWidget(self.save_rules_button)
        row.addStretch(1)
        row.addWidget(self.refresh_button)
        col = QVBoxLayout(self)
        col.setContentsMargins(8, 8, 8, 8)
        col.addWidget(self.summary)
        col.addWidget(self.tree, 1)
        col.addWidget(self.rules)
        col.addLayout(row)

    def set_index(self, settings: Settings | None, index: Index | None) -> None:
        """Follow ``index`` (None: no index open); refreshed when shown."""
        self._settings, self._index = settings, index
        self.coverage = None
        self.tree.clear()
        self.summary.setText("No index open" if index is None else "")
        self._load_rules()
        if index is not None and self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        """Compute the coverage again (a fresh discovery of the corpus folder)."""
        index, settings = self._index, self._settings
        if index is None or settings is None:
            return
        self.summary.setText("Checking the corpus folder…")
        # Imported when first shown, not with the window: it pulls in the indexer and ingest.
        from askcorpus.indexer.coverage import coverage

        def done(report: Coverage) -> None:
            if index is self._index:  # not an answer for an index closed meanwhile
                self._show(report)

        self._runner.submit(
            coverage, index.store, settings.corpus_dir, on_done=done, on_failed=self._failed
        )

    def _load_rules(self) -> None:
        path = self._settings.corpus_dir / IGNORE_FILE if self._settings else None
        try:
            text = path.read_text(encoding="utf-8-sig") if path and path.is_file() else ""
        except (OSError, UnicodeDecodeError):
            text = ""
        self.rules.setPlainText(text)
        self.rules.setEnabled(path is not None)
        self.save_rules_button.setEnabled(path is not None)

    def save_rules(self) -> None:
        """Check and write the rules file at the corpus root, then show the new coverage."""
        if self._settings is None:
            return
        path = self._settings.corpus_dir / IGNORE_FILE
        text = self.rules.toPlainText()
        try:
            IgnoreRules.parse(text)  # a bad rule is a message, not a broken next reindex
            tmp = path.with_name(f".{IGNORE_FILE}.tmp")
            tmp.write_text(text if text.endswith("\n") or not text else text + "\n", "utf-8")
            tmp.replace(path)
        except (AskcorpusError, OSError) as exc:
            self.failed.emit(message(exc))
            return
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self.failed.emit(message(exc))

    def _show(self, report: Coverage) -> None:
        self.coverage = report
        self.tree.clear()
        for f in report.folders:
            row = QTreeWidgetItem(
                self.tree,
                [
                    f.folder,
                    str(f.indexed),
                    str(f.ocr),
                    str(len(f.skipped)),
                    str(len(f.excluded)),
                    str(f.waiting),
                    str(f.missing),
                    f.last_indexed[:16].replace("T", " "),
                ],
            )
            for s in f.skipped:
                QTreeWidgetItem(row, [f"skipped: {s.source}", "", "", s.reason])
            for x in f.excluded:
                QTreeWidgetItem(
                    row, [f"excluded: {x.source}", "", "", "", f"{x.rule} (line {x.line})"]
                )
            for column in range(1, len(COLUMNS)):
                row.setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        self.summary.setText(report.summary())
        self.coverageShown.emit()

    def showEvent(self, event: QShowEvent) -> None:
        if self.coverage is None and self._index is not None:
            self.refresh()
        super().showEvent(event)


def attach_coverage(window: MainWindow) -> CoverageView:
    """Put a coverage view in a dock of the main window (hidden), shown by Index > Coverage, and
    refreshed after each reindex (the engine reopens the index)."""
    engine, corpus = window.engine, window.corpus
    view = CoverageView(engine.queries, window)
    dock = QDockWidget("Index coverage", window)
    dock.setObjectName("coverageDock")
    dock.setWidget(view)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    dock.hide()
    toggle: QAction = dock.toggleViewAction()
    toggle.setText("Index &Coverage")
    menus = [a.menu() for a in window.menuBar().actions() if a.text() == "&Index"]
    menu = menus[0] if menus and isinstance(menus[0], QMenu) else None
    (menu or window.menuBar().addMenu("&Index")).addAction(toggle)
    view.failed.connect(lambda text: window.statusBar().showMessage(text, 6000))
    engine.opened.connect(lambda info: view.set_index(corpus.settings, info.index))
    corpus.switching.connect(lambda: view.set_index(None, None))
    return view
