"""Secondary windows: skipped files, keyboard shortcuts, about."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from askcorpus import __version__
from askcorpus.gui.theme import app_icon
from askcorpus.gui.views.results_model import SkippedModel

SHORTCUTS = (
    ("Ctrl+L", "Go to the question field"),
    ("Enter", "Ask (in the question field) · open the file (on a result)"),
    ("↑ ↓", "Move through the results"),
    ("Alt+↑ / Alt+↓", "Previous / next passage of the document"),
    ("Ctrl+C", "Copy the citation of the selected result"),
    ("Ctrl+F", "Find in the document shown"),
    ("Ctrl+T", "A PDF's page or its text"),
    ("PgUp / PgDn", "On a PDF page: scroll, then the previous / next page"),
    ("Ctrl+wheel", "Zoom the PDF page"),
    ("Ctrl+Shift+S", "Find passages like the one shown (or the selected text)"),
    ("Esc", "Back: reading pane → results → question"),
    ("Ctrl+R", "Reindex the corpus folder"),
    ("Ctrl+O", "Open another corpus folder"),
    ("Ctrl+Q", "Quit"),
)


class SkippedDialog(QDialog):
    """The files the last indexing run could not use, and why."""

    def __init__(self, model: SkippedModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Skipped files")
        self.resize(720, 380)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.table = QTableView(self)
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setColumnWidth(0, 300)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        model.modelReset.connect(self._update_summary)
        self._model = model
        self._update_summary()

    def _update_summary(self) -> None:
        n = self._model.rowCount()
        if n == 0:
            self.summary.setText("Every file in the corpus folder was indexed.")
        else:
            self.summary.setText(
                f"{n} file{'s' if n != 1 else ''} could not be indexed. Everything else was. "
                "Fix or remove these files, then reindex (Ctrl+R)."
            )


def show_shortcuts(parent: QWidget) -> None:
    """A small table of the keyboard shortcuts."""
    rows = "".join(
        f"<tr><td style='padding:3px 16px 3px 0'><b>{k}</b></td><td>{v}</td></tr>"
        for k, v in SHORTCUTS
    )
    box = QMessageBox(parent)
    box.setWindowTitle("Keyboard shortcuts")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(f"<table>{rows}</table>")
    box.setIconPixmap(app_icon().pixmap(48, 48))
    box.exec()


def show_about(parent: QWidget) -> None:
    """Version and what askcorpus does."""
    box = QMessageBox(parent)
    box.setWindowTitle("About askcorpus")
    box.setIconPixmap(app_icon().pixmap(64, 64))
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(
        f"<h3>askcorpus {__version__}</h3>"
        "<p>Answers questions about your own documents with the passages that answer them — "
        "quoted exactly, ranked, one click from their source.</p>"
        "<p>Everything runs on this computer: no text is generated and nothing leaves it.</p>"
    )
    box.exec()
