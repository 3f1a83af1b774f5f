"""The Mentions tab: every mention of a phrase (:mod:`askcorpus.search.mentions`), one row per
document (title, path, date, count) with its mentions below (location and sentence).
Activating a mention emits where it is, for the reading pane to open the document there."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from askcorpus.search.mentions import Mentions

_SPOT = Qt.ItemDataRole.UserRole


class MentionsView(QWidget):
    """A summary line over a tree of documents and their mentions."""

    #: (source, start, end) of the activated mention in the document's stored text.
    mentionActivated = Signal(str, int, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.summary = QLabel("Type a word or a phrase to see every place it occurs.")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Document / where", "Mentions"])
        self.tree.setUniformRowHeights(True)
        self.tree.itemActivated.connect(self._activated)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.summary)
        col.addWidget(self.tree, 1)

    def show_mentions(self, found: Mentions) -> None:
        """Replace what is shown by ``found`` (documents in its order: date, then path)."""
        self.tree.clear()
        docs = len(found.documents)
        self.summary.setText(
            f"{found.total} mention{'s' * (found.total != 1)} of {found.query} "
            f"in {docs} document{'s' * (docs != 1)}"
        )
        for d in found.documents:
            dated = f" · {d.date}" if d.date else ""
            top = QTreeWidgetItem([f"{d.title} — {d.source}{dated}", str(d.count)])
            top.setData(0, _SPOT, (d.source, d.mentions[0].start, d.mentions[0].end))
            for m in d.mentions:
                child = QTreeWidgetItem([f"{m.location}: {m.context}", ""])
                child.setData(0, _SPOT, (d.source, m.start, m.end))
                child.setToolTip(0, m.context)
                top.addChild(child)
            self.tree.addTopLevelItem(top)
        if docs == 1:
            self.tree.expandAll()

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        source, start, end = item.data(0, _SPOT)
        self.mentionActivated.emit(source, start, end)
