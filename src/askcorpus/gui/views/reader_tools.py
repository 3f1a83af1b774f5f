"""The reading pane's second row: the Text | Page switch (PDFs) and "Find similar"."""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QCheckBox, QHBoxLayout, QWidget

from askcorpus.gui.views.widgets import flat_button

#: How the reading pane shows a PDF: its extracted text, or the rendered page.
ReaderMode = Literal["text", "page"]


class ReaderTools(QWidget):
    """``modeChanged(mode)`` when the user switches view; ``findSimilar(exclude)`` when "Find
    similar" is pressed (``exclude``: leave the document shown out of the results)."""

    modeChanged = Signal(str)
    findSimilar = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.text_button = flat_button(
            self, "Text", "Show the document's extracted text (Ctrl+T)", checkable=True
        )
        self.page_button = flat_button(
            self, "Page", "Show the PDF page itself (Ctrl+T)", checkable=True
        )
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.group.addButton(self.text_button)
        self.group.addButton(self.page_button)
        self.text_button.setChecked(True)
        self.text_button.clicked.connect(lambda: self.modeChanged.emit("text"))
        self.page_button.clicked.connect(lambda: self.modeChanged.emit("page"))
        self.exclude = QCheckBox("in other documents only", self)
        self.exclude.setToolTip("Leave this document out of the similar passages")
        self.exclude.setChecked(True)
        self.similar_button = flat_button(
            self,
            "Find similar",
            "Search the corpus for passages like the one shown, or like the text you selected",
        )
        self.similar_button.clicked.connect(lambda: self.findSimilar.emit(self.exclude.isChecked()))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.text_button)
        row.addWidget(self.page_button)
        row.addStretch(1)
        row.addWidget(self.similar_button)
        row.addSpacing(4)
        row.addWidget(self.exclude)

    def set_mode(self, mode: ReaderMode, can_page: bool) -> None:
        """Show ``mode`` as chosen; the switch is only shown where a page view exists."""
        (self.page_button if mode == "page" else self.text_button).setChecked(True)
        self.text_button.setVisible(can_page)
        self.page_button.setVisible(can_page)
