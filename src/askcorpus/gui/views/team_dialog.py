"""File > Open Team Corpus…: a ``postgresql://`` URL of a corpus indexed on a server. A URL
holding a password is refused (and the password taken out of the field): passwords belong in
the PostgreSQL password file (``PGPASSFILE``), never in a URL the window would show or log."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from askcorpus.gui.research_tasks import team_url_problem, without_password


class TeamCorpusDialog(QDialog):
    """Asks for the URL; ``openRequested`` carries one without a password. The dialog stays
    open until :meth:`opened` or shows the problem :meth:`show_error` is given."""

    openRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Open team corpus")
        self.resize(560, 190)
        intro = QLabel(
            "The address of a corpus indexed on a PostgreSQL server. Keep the password in your "
            "password file (~/.pgpass, or the file PGPASSFILE names), not in the address.",
            self,
        )
        intro.setWordWrap(True)
        self.url = QLineEdit(self)
        self.url.setPlaceholderText("postgresql://user@host:5432/database")
        self.url.setAccessibleName("Team corpus URL")
        self.url.textEdited.connect(lambda _t: self.show_error(None))
        self.problem = QLabel(self)
        self.problem.setObjectName("queryError")
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.open_button = QPushButton("Open", self)
        self.open_button.setDefault(True)
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.url)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def _submit(self) -> None:
        url = self.url.text().strip()
        problem = team_url_problem(url)
        if problem is not None:
            cleaned = without_password(url)
            if cleaned != url:
                self.url.setText(cleaned)
            self.show_error(problem)
            return
        self.open_button.setEnabled(False)
        self.show_error(None)
        self.problem.setText("Opening…")
        self.problem.show()
        self.openRequested.emit(url)

    def show_error(self, text: str | None) -> None:
        """Say why the corpus could not be opened (None hides the message)."""
        self.open_button.setEnabled(True)
        self.problem.setText(text or "")
        self.problem.setVisible(bool(text))

    def opened(self) -> None:
        """The corpus is open: close the dialog."""
        self.accept()
