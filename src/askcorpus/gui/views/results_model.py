"""Item models over typed records: ranked hits for the results list, skipped files for a table."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from askcorpus.gui.views.snippets import plain_tooltip
from askcorpus.records import Hit, SearchResult, SkippedFile

HitRole = Qt.ItemDataRole.UserRole + 1
BarRole = Qt.ItemDataRole.UserRole + 2  # 0..1: length of the row's relevance bar
CorpusRole = Qt.ItemDataRole.UserRole + 3  # the hit's corpus name when several are searched
_Index = QModelIndex | QPersistentModelIndex

OCR_NOTE = "Read by OCR from a scanned page: the quote may hold recognition errors."
_VIA = {
    "dense": "by meaning",
    "keyword": "by keywords",
    "both": "by meaning and keywords",
}


def relevance(hit: Hit) -> float:
    """0..1: the passage's cosine similarity to the question, scaled so that a clear answer
    (≈0.7) is 1; falls back to the fused score."""
    if hit.dense_score is not None:
        return max(0.0, min(1.0, (hit.dense_score - 0.05) / 0.65))
    return max(0.0, min(1.0, hit.score))


def relevance_bars(hits: tuple[Hit, ...]) -> tuple[float, ...]:
    """Bar lengths for a ranked list: each hit's ranking score (so bars never grow down the
    list) times how well the corpus matches the question at all — the best :func:`relevance`
    among the hits — so the closest passages to an unanswerable question get short bars.

    (The similarity alone is not monotone in rank: a passage found by meaning and keywords
    outranks a slightly more similar one, and the top result then showed a shorter bar than
    the ones below it.)"""
    if not hits:
        return ()
    dense = [relevance(h) for h in hits if h.dense_score is not None]
    confidence = max(dense) if dense else 1.0
    return tuple(max(0.0, min(1.0, h.score)) * confidence for h in hits)


def hit_tooltip(hit: Hit) -> str:
    """Plain-text explanation of how a hit was found."""
    lines = [f"{hit.title} — {hit.source}", f"Found {_VIA.get(hit.via, hit.via)}"]
    if hit.dense_score is not None:
        lines.append(f"Similarity to the question: {hit.dense_score:.2f}")
    if hit.lexical_rank is not None:
        lines.append(f"Keyword rank: {hit.lexical_rank}")
    if hit.matched_terms:
        lines.append("Matched: " + ", ".join(hit.matched_terms))
    if hit.ocr:
        lines.append(OCR_NOTE)
    return "\n".join(lines)


class ResultsModel(QAbstractListModel):
    """The ranked hits of the current question (one row per hit, best first)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._hits: tuple[Hit, ...] = ()
        self._bars: tuple[float, ...] = ()
        self.result: SearchResult | None = None
        #: Label each hit with its corpus (several corpora were searched together).
        self.label_corpora = False

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{hit.rank}. {hit.title} — {hit.text}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(hit_tooltip(hit))
        if role == Qt.ItemDataRole.AccessibleTextRole:
            ocr = " Read by OCR." if hit.ocr else ""
            corpus = f" In {self.corpus_name(hit)}." if self.label_corpora else ""
            return f"Result {hit.rank}: {hit.title}, {hit.location}.{corpus}{ocr} {hit.text}"
        if role == CorpusRole:
            return self.corpus_name(hit) if self.label_corpora else ""
        if role == HitRole:
            return hit
        if role == BarRole:
            return self._bars[index.row()]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    @staticmethod
    def corpus_name(hit: Hit) -> str:
        """The name of the corpus folder a hit comes from."""
        return PurePath(hit.corpus).name if hit.corpus else ""

    def set_result(self, result: SearchResult | None) -> None:
        """Show the hits of ``result`` (None clears the list)."""
        self.beginResetModel()
        self.result = result
        self._hits = result.hits if result is not None else ()
        self._bars = relevance_bars(self._hits)
        self.endResetModel()

    def hit(self, row: int) -> Hit | None:
        """The hit in ``row``, or None."""
        return self._hits[row] if 0 <= row < len(self._hits) else None

    @property
    def hits(self) -> tuple[Hit, ...]:
        """All hits shown."""
        return self._hits


class SkippedModel(QAbstractTableModel):
    """Files the last indexing run could not use: file and reason."""

    HEADERS = ("File", "Reason")

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._rows: tuple[SkippedFile, ...] = ()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 2

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.source if index.column() == 0 else row.reason
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(row.source if index.column() == 0 else row.reason)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < 2
        ):
            return self.HEADERS[section]
        return None

    def set_files(self, files: tuple[SkippedFile, ...] | list[SkippedFile]) -> None:
        """Show ``files``."""
        self.beginResetModel()
        self._rows = tuple(files)
        self.endResetModel()

    @property
    def files(self) -> tuple[SkippedFile, ...]:
        """The files shown."""
        return self._rows
