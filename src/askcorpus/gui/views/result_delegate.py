"""Paints one ranked result: rank, title, an "OCR" badge for a passage read from a scan,
relevance bar, where it is, and the passage snippet with its best sentence tinted and the
question's words in bold (all text escaped)."""

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

from askcorpus.gui.theme import Tints, blend, css
from askcorpus.gui.views.results_model import BarRole, CorpusRole, HitRole
from askcorpus.gui.views.snippets import SnippetStyle, location_text, snippet_html
from askcorpus.records import Hit

PAD_X = 14
PAD_Y = 11
RANK_D = 22
GAP = 10
BAR_W = 56
BAR_H = 6
BADGE_PAD = 5


def badges(hit: Hit) -> tuple[str, ...]:
    """The small labels shown beside a result's title."""
    return ("OCR",) if hit.ocr else ()


class ResultDelegate(QStyledItemDelegate):
    """Rich rendering of :class:`~askcorpus.records.Hit` rows for a QListView."""

    def __init__(self, view: QListView):
        super().__init__(view)
        self._view = view
        self._docs: dict[tuple[object, ...], QTextDocument] = {}
        self._tints: Tints | None = None
        self._font_key = ""
        self._font_set: tuple[QFont, QFont, QFont] | None = None

    def reset(self) -> None:
        """Forget cached layouts and colours (new results, new palette or font)."""
        self._docs.clear()
        self._tints = None

    # -- geometry ------------------------------------------------------------------------------
    def _colours(self) -> Tints:
        # Computed once per palette (reset() on PaletteChange), not for every row painted.
        if self._tints is None:
            self._tints = Tints.current(self._view)
        return self._tints

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont]:
        key = option.font.key()
        if self._font_set is None or key != self._font_key:
            base = QFont(option.font)
            title = QFont(base)
            title.setWeight(QFont.Weight.DemiBold)
            title.setPointSizeF(base.pointSizeF() * 1.07)
            meta = QFont(base)
            meta.setPointSizeF(base.pointSizeF() * 0.9)
            self._font_key, self._font_set = key, (base, title, meta)
        return self._font_set

    @staticmethod
    def _text_width(row_width: int) -> int:
        """Width of the snippet in a row ``row_width`` wide: sizeHint and paint must agree, or
        the cached layout is missed and the painted text may wrap differently from the height
        reserved for it."""
        return row_width - PAD_X - RANK_D - GAP - PAD_X

    def _text_left(self) -> int:
        return PAD_X + RANK_D + GAP

    def _doc(self, hit: Hit, width: int, font: QFont) -> QTextDocument:
        mark = self._marks_sentences()
        key = (hit.passage_id, hash(hit.text), hit.highlight, hit.matched_terms, width, mark)
        doc = self._docs.get(key)
        if doc is None:
            tints = self._colours()
            style = SnippetStyle(
                sentence_bg=css(tints.sentence_bg) if mark else "transparent",
                term_color=css(tints.text),
            )
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

    def _marks_sentences(self) -> bool:
        """False when the corpus does not seem to answer the question: the closest passages are
        listed, but no sentence of theirs is marked as if it were the answer."""
        result = getattr(self._view.model(), "result", None)
        return result is None or bool(result.answer_likely)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hit = index.data(HitRole)
        if not isinstance(hit, Hit):
            return super().sizeHint(option, index)
        base, title, meta = self._fonts(option)
        width = self._view.viewport().width()
        doc = self._doc(hit, self._text_width(width), base)
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
        tints = self._colours()
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
        # On the tinted selected row the plain track would vanish into the background.
        painter.setBrush(
            blend(tints.selected_bg, tints.text, 0.15) if selected else tints.bar_track
        )
        painter.drawRoundedRect(bar, BAR_H / 2, BAR_H / 2)
        fill = QRectF(bar)
        length = index.data(BarRole)
        fill.setWidth(max(BAR_H, BAR_W * (length if isinstance(length, float) else 0.0)))
        painter.setBrush(tints.accent)
        painter.drawRoundedRect(fill, BAR_H / 2, BAR_H / 2)
        badge_right = bar.left() - GAP
        for label in badges(hit):
            bfm = QFontMetrics(rank_font)
            w = bfm.horizontalAdvance(label) + 2 * BADGE_PAD
            pill = QRectF(badge_right - w, top + (tfm.height() - bfm.height()) / 2, w, bfm.height())
            painter.setPen(tints.warning_border)
            painter.setBrush(tints.warning_bg)
            painter.drawRoundedRect(pill, 4, 4)
            painter.setFont(rank_font)
            painter.setPen(tints.text)
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)
            badge_right = pill.left() - 6
        painter.setFont(title_font)
        painter.setPen(tints.text)
        title_w = int(badge_right) - left
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
        corpus = index.data(CorpusRole)
        if corpus:
            where = f"{corpus}  ▸  {where}"
        painter.drawText(
            QRect(left, top, right - left, mfm.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            mfm.elidedText(where, Qt.TextElideMode.ElideMiddle, right - left),
        )

        # The snippet.
        top += mfm.height() + 6
        doc = self._doc(hit, self._text_width(r.width()), base)
        painter.translate(left, top)
        ctx = QAbstractTextDocumentLayout.PaintContext()
        ctx.palette = QPalette(option.palette)
        ctx.palette.setColor(QPalette.ColorRole.Text, tints.text)
        doc.documentLayout().draw(painter, ctx)
        painter.restore()
