"""Paints one ranked result: rank, title, relevance bar, where it is, and the passage snippet
with its best sentence tinted and the question's words in bold (all text escaped)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QTextDocument,
    QTextOption,
)
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from askcorpus.gui.results_model import HitRole, relevance
from askcorpus.gui.snippets import SnippetStyle, location_text, snippet_html
from askcorpus.gui.theme import Tints, css
from askcorpus.records import Hit

PAD_X = 14
PAD_Y = 11
RANK_D = 22
GAP = 10
BAR_W = 56
BAR_H = 6


class ResultDelegate(QStyledItemDelegate):
    """Rich rendering of :class:`~askcorpus.records.Hit` rows for a QListView."""

    def __init__(self, view: QListView):
        super().__init__(view)
        self._view = view
        self._docs: dict[tuple[object, ...], QTextDocument] = {}

    def reset(self) -> None:
        """Forget cached layouts (new results, new palette or font)."""
        self._docs.clear()

    # -- geometry ------------------------------------------------------------------------------
    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont]:
        base = QFont(option.font)
        title = QFont(base)
        title.setWeight(QFont.Weight.DemiBold)
        title.setPointSizeF(base.pointSizeF() * 1.07)
        meta = QFont(base)
        meta.setPointSizeF(base.pointSizeF() * 0.9)
        return base, title, meta

    def _text_left(self) -> int:
        return PAD_X + RANK_D + GAP

    def _doc(self, hit: Hit, width: int, font: QFont) -> QTextDocument:
        key = (hit.passage_id, hash(hit.text), hit.highlight, tuple(hit.matched_terms), width)
        doc = self._docs.get(key)
        if doc is None:
            tints = Tints.current(self._view)
            style = SnippetStyle(sentence_bg=css(tints.sentence_bg), term_color=css(tints.text))
            doc = QTextDocument()
            doc.setDefaultFont(font)
            doc.setDocumentMargin(0)
            opt = QTextOption()
            opt.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
            doc.setDefaultTextOption(opt)
            doc.setHtml(snippet_html(hit, style))
            doc.setTextWidth(max(60, width))
            if len(self._docs) > 400:
                self._docs.clear()
            self._docs[key] = doc
        return doc

    def _width(self, option: QStyleOptionViewItem) -> int:
        width = option.rect.width()
        if width <= 0:
            width = self._view.viewport().width()
        return width

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hit = index.data(HitRole)
        if not isinstance(hit, Hit):
            return super().sizeHint(option, index)
        base, title, meta = self._fonts(option)
        width = self._view.viewport().width()
        text_w = width - self._text_left() - PAD_X
        doc = self._doc(hit, text_w, base)
        h = (
            PAD_Y
            + QFontMetrics(title).height()
            + 2
            + QFontMetrics(meta).height()
            + 6
            + int(doc.size().height())
            + PAD_Y
        )
        return QSize(width, h)

    # -- painting ------------------------------------------------------------------------------
    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        hit = index.data(HitRole)
        if not isinstance(hit, Hit):
            super().paint(painter, option, index)
            return
        tints = Tints.current(self._view)
        base, title_font, meta_font = self._fonts(option)
        r = QRect(option.rect)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected:
            painter.fillRect(r, tints.selected_bg)
            painter.fillRect(QRect(r.left(), r.top(), 3, r.height()), tints.accent)
        elif hovered:
            painter.fillRect(r, tints.hover_bg)
        painter.setPen(tints.separator)
        painter.drawLine(r.left() + PAD_X, r.bottom(), r.right() - PAD_X, r.bottom())

        # Rank badge.
        tfm = QFontMetrics(title_font)
        top = r.top() + PAD_Y
        badge = QRectF(r.left() + PAD_X, top + (tfm.height() - RANK_D) / 2, RANK_D, RANK_D)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(tints.accent if selected else tints.bar_track)
        painter.drawEllipse(badge)
        rank_font = QFont(meta_font)
        rank_font.setWeight(QFont.Weight.Bold)
        painter.setFont(rank_font)
        painter.setPen(
            option.palette.color(QPalette.ColorRole.HighlightedText) if selected else tints.text
        )
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, str(hit.rank))

        # Title and relevance bar on the first line.
        left = r.left() + self._text_left()
        right = r.right() - PAD_X
        bar = QRectF(right - BAR_W, top + (tfm.height() - BAR_H) / 2, BAR_W, BAR_H)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(tints.bar_track)
        painter.drawRoundedRect(bar, BAR_H / 2, BAR_H / 2)
        fill = QRectF(bar)
        fill.setWidth(max(BAR_H, BAR_W * relevance(hit)))
        painter.setBrush(tints.accent)
        painter.drawRoundedRect(fill, BAR_H / 2, BAR_H / 2)
        painter.setFont(title_font)
        painter.setPen(tints.text)
        title_w = int(bar.left()) - GAP - left
        painter.drawText(
            QRect(left, top, title_w, tfm.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            tfm.elidedText(hit.title, Qt.TextElideMode.ElideRight, title_w),
        )

        # Where: file and location.
        top += tfm.height() + 2
        mfm = QFontMetrics(meta_font)
        painter.setFont(meta_font)
        painter.setPen(tints.muted)
        where = f"{hit.source}  ·  {location_text(hit.paragraph, hit.page, hit.section)}"
        painter.drawText(
            QRect(left, top, right - left, mfm.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            mfm.elidedText(where, Qt.TextElideMode.ElideMiddle, right - left),
        )

        # The snippet.
        top += mfm.height() + 6
        doc = self._doc(hit, right - left, base)
        painter.translate(left, top)
        ctx = QAbstractTextDocumentLayout.PaintContext()
        ctx.palette = QPalette(option.palette)
        ctx.palette.setColor(QPalette.ColorRole.Text, tints.text)
        doc.documentLayout().draw(painter, ctx)
        painter.restore()
