"""Small building blocks: a flat tool button, an empty/error state, a notice bar, and the indexing
progress panel."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from askcorpus.gui.states import Button, StateAction
from askcorpus.records import Progress


def flat_button(parent: QWidget, text: str, tip: str, checkable: bool = False) -> QToolButton:
    """A text tool button drawn flat until hovered, with a pointing-hand cursor (the reading
    pane's and page view's controls)."""
    button = QToolButton(parent)
    button.setText(text)
    button.setToolTip(tip)
    button.setCheckable(checkable)
    button.setAutoRaise(True)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


class EmptyState(QWidget):
    """A centred message saying what is going on and what to do, with optional buttons."""

    actionTriggered = Signal(StateAction)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pane")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAutoFillBackground(False)
        self.title = QLabel()
        self.title.setObjectName("emptyTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.title.setFont(font)
        self.body = QLabel()
        self.body.setObjectName("emptyBody")
        for label in (self.title, self.body):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._buttons = QHBoxLayout()
        self._buttons.setSpacing(8)
        col = QVBoxLayout(self)
        col.setContentsMargins(32, 24, 32, 24)
        col.addStretch(2)
        col.addWidget(self.title)
        col.addSpacing(4)
        col.addWidget(self.body)
        col.addSpacing(12)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addLayout(self._buttons)
        row.addStretch(1)
        col.addLayout(row)
        col.addStretch(3)
        self.buttons: dict[StateAction, QPushButton] = {}

    def set_text(self, title: str, body: str = "", actions: tuple[Button, ...] = ()) -> None:
        """Show ``title`` and ``body`` with buttons ``(action, label)``."""
        self.title.setText(title)
        self.body.setText(body)
        self.body.setVisible(bool(body))
        while self._buttons.count():
            item = self._buttons.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # deleteLater() alone would leave it drawn until the next loop
                widget.deleteLater()
        self.buttons = {}
        for i, (key, label) in enumerate(actions):
            b = QPushButton(label, self)
            b.setDefault(i == 0)
            b.clicked.connect(lambda _c=False, a=key: self.actionTriggered.emit(a))
            self._buttons.addWidget(b)
            self.buttons[key] = b


class NoticeBar(QFrame):
    """An unobtrusive one-line notice with an optional action button and a close button."""

    actionTriggered = Signal()

    def __init__(self, parent: QWidget | None = None, kind: str = "notice"):
        super().__init__(parent)
        self.setObjectName(kind)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.action = QPushButton(self)
        self.action.setCursor(Qt.CursorShape.PointingHandCursor)
        self.action.clicked.connect(self.actionTriggered)
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.hide)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 5, 5, 5)
        row.setSpacing(8)
        row.addWidget(self.label, 1)
        row.addWidget(self.action)
        row.addWidget(self.close_button)
        self.hide()

    def show_message(self, text: str, action: str | None = None) -> None:
        """Show ``text`` (plain) with an action button labelled ``action`` (or none)."""
        self.label.setText(text)
        self.action.setVisible(action is not None)
        if action is not None:
            self.action.setText(action)
        self.show()


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class IndexProgressPanel(QFrame):
    """Indexing progress: what is being done, files and passages, rate, time left, Cancel."""

    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("info")
        self.headline = QLabel("Indexing…", self)
        font = self.headline.font()
        font.setWeight(font.Weight.DemiBold)
        self.headline.setFont(font)
        self.detail = QLabel(self)
        self.detail.setObjectName("muted")
        self.bar = QProgressBar(self)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.cancel = QPushButton("Cancel", self)
        self.cancel.setToolTip("Stop indexing; the current index stays as it is")
        self.cancel.clicked.connect(self._on_cancel)
        text = QVBoxLayout()
        text.setSpacing(2)
        top = QHBoxLayout()
        top.addWidget(self.headline)
        top.addStretch(1)
        top.addWidget(self.detail)
        text.addLayout(top)
        text.addWidget(self.bar)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 7, 8, 7)
        row.setSpacing(12)
        row.addLayout(text, 1)
        row.addWidget(self.cancel)
        self._phase = ""
        self._phase_t0 = 0.0
        self._phase_done0 = 0
        self.last: Progress | None = None
        self.hide()

    def start(self, headline: str) -> None:
        """Show the panel in its 'starting' state."""
        self.headline.setText(headline)
        self.detail.setText("Looking for documents…")
        self.bar.setRange(0, 0)  # busy until the first count arrives
        self.cancel.setEnabled(True)
        self.cancel.setText("Cancel")
        self._phase = ""
        self.last = None
        self.show()

    def _on_cancel(self) -> None:
        self.cancel.setEnabled(False)
        self.cancel.setText("Cancelling…")
        self.detail.setText("Stopping at the next safe point; the current index is kept")
        self.cancelRequested.emit()

    def update_progress(self, p: Progress) -> None:
        """Show a progress report from the indexer."""
        self.last = p
        now = time.monotonic()
        if p.phase != self._phase:
            self._phase, self._phase_t0, self._phase_done0 = p.phase, now, p.done
        if not self.cancel.isEnabled():
            return
        if p.total > 0:
            self.bar.setRange(0, p.total)
            self.bar.setValue(p.done)
        elapsed = now - self._phase_t0
        rate = (p.done - self._phase_done0) / elapsed if elapsed > 0.2 else 0.0
        if p.phase == "embedding":
            parts = [f"{p.done:,} of {p.total:,} passages embedded"]
            if p.files_total:
                parts.append(f"{p.files_total:,} files")
            if rate > 0:
                parts.append(f"{rate:,.0f} passages/s")
                parts.append(f"about {_duration((p.total - p.done) / rate)} left")
        else:
            parts = [f"reading file {p.files_done:,} of {p.files_total:,}"]
            if rate > 0:
                parts.append(f"{rate:,.0f} files/s")
        self.detail.setText("  ·  ".join(parts))
