"""The Mentions tab: every occurrence of a phrase, grouped by document (with counts), each with
its page or location and the sentence around it; selecting one asks for it in the reading
pane (``mentionSelected``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTreeView, QVBoxLayout, QWidget

from askcorpus.gui.views.snippets import plain_tooltip, plural

if TYPE_CHECKING:
    from askcorpus.gui.research_tasks import TimedMentions

MentionRole = Qt.ItemDataRole.UserRole + 10
#: Characters of a mention's sentence kept before it in its row.
LEAD_CHARS = 40


@dataclass(frozen=True, slots=True)
class MentionRef:
    """Which mention a row is: its document (and corpus) and offsets in the document's text."""

    source: str
    corpus: str | None
    start: int
    end: int


def bare(phrase: str) -> str:
    """A phrase without the straight quotes around it (it is shown in “curly” ones)."""
    text = phrase.strip()
    return text[1:-1] if len(text) > 1 and text[0] == text[-1] == '"' else text


def around(context: str, span: tuple[int, int] | None, before: int = LEAD_CHARS) -> str:
    """The context of a mention begun close before the mention (the row is cut at the pane's
    edge, so a mention late in a long sentence would not be seen), the mention in «»."""
    if span is None:
        return context
    a, b = span
    lead = context[:a]
    if len(lead) > before:
        cut = lead[-before:]
        lead = "…" + (cut.split(" ", 1)[1] if " " in cut else cut)
    return f"{lead}«{context[a:b]}»{context[b:]}"


class MentionsPanel(QWidget):
    """A header saying how many mentions were found, and the tree of documents and mentions."""

    mentionSelected = Signal(MentionRef)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pane")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.header = QLabel(self)
        self.header.setObjectName("muted")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.model = QStandardItemModel(self)
        self.view = QTreeView(self)
        self.view.setObjectName("mentions")
        self.view.setAccessibleName("Every mention")
        self.view.setModel(self.model)
        self.view.setHeaderHidden(True)
        # A mention's sentence is shown whole, wrapped: the mention may sit at its end.
        self.view.setUniformRowHeights(False)
        self.view.setWordWrap(True)
        self.view.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.selectionModel().currentChanged.connect(self._on_current)
        self.phrase = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        head = QVBoxLayout()
        head.setContentsMargins(16, 10, 12, 6)
        head.addWidget(self.header)
        layout.addLayout(head)
        layout.addWidget(self.view, 1)
        self.show_message("Ask a question to list every mention of its words or its “phrase”.")

    def show_message(self, text: str) -> None:
        """A line instead of mentions (nothing asked, searching, a problem)."""
        self.model.clear()
        self.header.setText(text)

    def show_searching(self, phrase: str) -> None:
        """Say the mentions of ``phrase`` are being looked for."""
        self.phrase = phrase
        self.header.setText(f"Looking for every mention of “{bare(phrase)}”…")

    def show_mentions(self, timed: TimedMentions) -> None:
        """Show every mention found, a document per branch (expanded), in the core's order."""
        found = timed.mentions
        self.model.clear()
        docs = found.documents
        if not docs:
            self.header.setText(
                f"No mention of “{bare(found.query)}” in these documents. Mentions are the exact "
                "words (in any spelling the index folds); quote a phrase in the question, "
                'e.g. "Power of Siberia".'
            )
            return
        corpora = {d.corpus for d in docs}
        for d, doc in enumerate(docs):
            place = f"{Path(doc.corpus).name}  ·  " if len(corpora) > 1 and doc.corpus else ""
            date = f"  ·  {doc.date}" if doc.date else ""
            # The count first: a long title is cut at the pane's edge.
            branch = QStandardItem(
                f"{plural(doc.count, 'mention')}  ·  {doc.title}\n{place}{doc.source}{date}"
            )
            branch.setToolTip(plain_tooltip(f"{doc.title} — {doc.source}"))
            font = branch.font()
            font.setWeight(font.Weight.DemiBold)
            branch.setFont(font)
            branch.setSelectable(False)
            spans = timed.spans[d] if d < len(timed.spans) else ()
            for j, m in enumerate(doc.mentions):
                span = spans[j] if j < len(spans) else None
                row = QStandardItem(f"{m.location}:  {around(m.context, span)}")
                row.setToolTip(plain_tooltip(m.context))
                row.setData(MentionRef(doc.source, doc.corpus, m.start, m.end), MentionRole)
                row.setData(
                    f"{doc.title}, {m.location}: {m.context}",
                    Qt.ItemDataRole.AccessibleTextRole,
                )
                branch.appendRow(row)
            self.model.appendRow(branch)
        self.view.expandAll()
        ms = timed.seconds * 1000
        self.header.setText(
            f"{plural(found.total, 'mention')} of “{bare(found.query)}” in "
            f"{plural(len(docs), 'document')}\u00a0\u00a0·\u00a0{ms:,.0f}\u00a0ms"
        )

    def mention_rows(self) -> list[tuple[MentionRef, str]]:
        """Every mention shown with its row text, in order (for tests and accessibility)."""
        rows = []
        for i in range(self.model.rowCount()):
            branch = self.model.item(i)
            for j in range(branch.rowCount()):
                item = branch.child(j)
                rows.append((item.data(MentionRole), item.text()))
        return rows

    def select(self, document: int, mention: int) -> None:
        """Make a mention current (it is then shown in the reading pane)."""
        index = self.model.index(mention, 0, self.model.index(document, 0))
        self.view.setCurrentIndex(index)

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        ref = current.data(MentionRole) if current.isValid() else None
        if ref is None and current.isValid() and self.model.hasChildren(current):
            ref = self.model.index(0, 0, current).data(MentionRole)  # a document: its first
        if isinstance(ref, MentionRef):
            self.mentionSelected.emit(ref)
