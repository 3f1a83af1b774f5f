"""File > Corpora…: the corpora the window keeps, which of them are searched together with the
one shown (ticked), adding and removing one, opening one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from askcorpus.gui.views.snippets import menu_text

PathRole = Qt.ItemDataRole.UserRole + 20


class CorporaDialog(QDialog):
    """The list of corpora; ``changed`` is emitted with every edit (it applies at once), and
    ``openRequested`` with a corpus to show."""

    changed = Signal()
    openRequested = Signal(Path)

    def __init__(
        self, corpora: list[Path], together: list[Path], shown: Path, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.setWindowTitle("Corpora")
        self.resize(640, 360)
        self.shown = shown
        intro = QLabel(
            "Tick the corpora to search together with the one shown: each answer is labelled "
            "with its corpus. Each corpus keeps its own index.",
            self,
        )
        intro.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Corpora")
        self.add_button = QPushButton("Add…", self)
        self.remove_button = QPushButton("Remove", self)
        self.open_button = QPushButton("Show", self)
        self.open_button.setToolTip("Search and read this corpus in the window")
        self.add_button.clicked.connect(self._choose)
        self.remove_button.clicked.connect(self._remove)
        self.open_button.clicked.connect(self._open)
        side = QVBoxLayout()
        for b in (self.add_button, self.remove_button, self.open_button):
            side.addWidget(b)
        side.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addLayout(side)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row, 1)
        layout.addWidget(buttons)
        for folder in corpora:
            self._append(folder, folder in together)
        self.list.itemChanged.connect(lambda _item: self.changed.emit())
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        self._update_buttons()

    def _append(self, folder: Path, ticked: bool) -> None:
        is_shown = folder == self.shown
        label = f"{folder.name}  —  {folder}" + ("   (shown)" if is_shown else "")
        item = QListWidgetItem(menu_text(label))
        item.setData(PathRole, str(folder))
        flags = item.flags() | Qt.ItemFlag.ItemIsUserCheckable
        item.setFlags(flags)
        # The corpus shown is always searched.
        item.setCheckState(Qt.CheckState.Checked if ticked or is_shown else Qt.CheckState.Unchecked)
        if is_shown:
            item.setFlags(flags & ~Qt.ItemFlag.ItemIsUserCheckable)
        self.list.addItem(item)

    def _update_buttons(self) -> None:
        current = self.list.currentItem()
        shown = current is not None and Path(current.data(PathRole)) == self.shown
        self.remove_button.setEnabled(current is not None and not shown)
        self.open_button.setEnabled(current is not None and not shown)

    def corpora(self) -> list[Path]:
        """Every corpus in the list, in order."""
        return [Path(self.list.item(i).data(PathRole)) for i in range(self.list.count())]

    def together(self) -> list[Path]:
        """The ticked corpora other than the one shown."""
        return [
            Path(item.data(PathRole))
            for item in (self.list.item(i) for i in range(self.list.count()))
            if item.checkState() == Qt.CheckState.Checked
            and Path(item.data(PathRole)) != self.shown
        ]

    def add(self, folder: Path, ticked: bool = True) -> None:
        """Add a corpus folder (ticked: searched together) unless it is listed already."""
        folder = folder.expanduser().resolve()
        if folder not in self.corpora():
            self._append(folder, ticked)
            self.changed.emit()

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Add a corpus folder", str(self.shown.parent)
        )
        if folder:
            self.add(Path(folder))

    def _remove(self) -> None:
        row = self.list.currentRow()
        if row >= 0 and self.remove_button.isEnabled():
            self.list.takeItem(row)
            self.changed.emit()

    def _open(self) -> None:
        current = self.list.currentItem()
        if current is not None:
            self.openRequested.emit(Path(current.data(PathRole)))
            self.accept()
