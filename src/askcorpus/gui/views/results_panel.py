"""The left side of the window: what was asked, a 'not in this corpus' banner, the ranked list,
or an empty/error state saying what to do."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListView,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from askcorpus.gui.states import Button
from askcorpus.gui.tasks import TimedResult
from askcorpus.gui.views.result_delegate import ResultDelegate
from askcorpus.gui.views.results_model import ResultsModel
from askcorpus.gui.views.snippets import plural
from askcorpus.gui.views.widgets import EmptyState, NoticeBar
from askcorpus.records import Hit


class ResultsList(QListView):
    """The ranked list; Esc asks to go back to the question. ``resultsPainted`` is emitted once
    the rows of a new result have been painted (what "results on screen" means, e.g. for
    bench/window.py)."""

    back = Signal()
    resultsPainted = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._fresh = False

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        if model is not None:
            model.modelReset.connect(self._on_reset)

    def _on_reset(self) -> None:
        self._fresh = self.model().rowCount() > 0

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._fresh:
            self._fresh = False
            self.resultsPainted.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.back.emit()
            return
        super().keyPressEvent(event)


class ResultsPanel(QWidget):
    """Header + banner + list, or an :class:`EmptyState` (index 0 of the stack)."""

    hitSelected = Signal(Hit)
    selectionCleared = Signal()
    hitActivated = Signal(Hit)  # Enter / double click

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pane")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.model = ResultsModel(self)
        self.view = ResultsList(self)
        self.view.setObjectName("results")
        self.view.setAccessibleName("Ranked passages")
        self.view.setModel(self.model)
        self.delegate = ResultDelegate(self.view)
        self.view.setItemDelegate(self.delegate)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMouseTracking(True)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.setUniformItemSizes(False)
        self.view.setWordWrap(True)
        self.view.selectionModel().currentRowChanged.connect(self._on_current)
        self.view.activated.connect(self._on_activated)
        self.model.modelAboutToBeReset.connect(self.delegate.reset)
        # The best hit of a new result is announced (and its document fetched) only once the
        # list is on screen: the fetch would otherwise compete with the list's layout and paint
        # for the GIL. The timer covers a window that is not being painted (minimised).
        self._held: Hit | None = None
        self._holding = False
        self._release_timer = QTimer(self)
        self._release_timer.setSingleShot(True)
        self._release_timer.setInterval(250)
        self._release_timer.timeout.connect(self._release)
        self.view.resultsPainted.connect(self._release)

        self.header = QLabel(self)
        self.header.setObjectName("muted")
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.header.setWordWrap(True)
        self.banner = NoticeBar(self)
        self.banner.close_button.hide()

        page = QWidget(self)
        col = QVBoxLayout(page)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(0)
        head = QVBoxLayout()
        head.setContentsMargins(16, 10, 12, 6)
        head.setSpacing(6)
        head.addWidget(self.header)
        head.addWidget(self.banner)
        col.addLayout(head)
        col.addWidget(self.view, 1)

        self.empty = EmptyState(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    def changeEvent(self, event: QEvent) -> None:
        # Light/dark switch: snippets carry colours computed from the old palette.
        if event.type() == QEvent.Type.PaletteChange:
            self.delegate.reset()
            self.view.viewport().update()
        super().changeEvent(event)

    # -- states --------------------------------------------------------------------------------
    def show_state(self, title: str, body: str = "", actions: tuple[Button, ...] = ()) -> None:
        """Replace the list by a message (and clear the results)."""
        self.model.set_result(None)
        self.empty.set_text(title, body, actions)
        self.stack.setCurrentIndex(0)

    @property
    def showing_state(self) -> bool:
        """True while a message is shown instead of the list."""
        return self.stack.currentIndex() == 0

    def show_searching(self, question: str, waiting_for: str | None) -> None:
        """Say a question is on its way (keeps the previous results visible meanwhile)."""
        text = f"Searching for “{question}”…"
        if waiting_for:
            text = f"“{question}” will be answered as soon as {waiting_for}."
        if self.showing_state:
            self.show_state(text)
        else:
            self.header.setText(text)

    def show_result(self, timed: TimedResult, heading: str | None = None) -> None:
        """Show a search result, selecting the best hit; ``heading`` says what was searched
        instead of 'for “question”' (a passage asked by "Find similar")."""
        result = timed.result
        query = result.query.strip()
        if len(query) > 1 and query[0] == query[-1] == '"' and query.count('"') == 2:
            query = query[1:-1]  # shown in “curly” quotes already
        what = heading or f"for “{query}”"
        if not result.hits:
            self.show_state(
                "No passages found",
                f"Nothing in this corpus matches {what}. Try other words"
                + (", remove a filter" if "with the filters" in what else "")
                + ", or check the spelling.",
            )
            return
        self.model.set_result(result)
        ms = timed.seconds * 1000
        self.header.setText(
            # No-break spaces keep "· 12 ms" together when a long question wraps.
            f"{plural(len(result.hits), 'passage')} {what}\u00a0\u00a0·\u00a0{ms:,.0f}\u00a0ms"
        )
        notes = []
        if not result.answer_likely:
            notes.append(
                "This corpus does not seem to answer that — these are the closest passages."
            )
            if result.absent_terms:
                notes.append(f"Found nowhere in it: {', '.join(result.absent_terms)}.")
            notes.extend(c[0].upper() + c[1:] + "." for c in result.caveats)
        elif result.unjudged:
            notes.append(f"Not judged whether this corpus answers it: {result.unjudged}.")
        elif result.absent_terms:
            # Judged answered, yet a specific word of the question is nowhere in the corpus:
            # often the very thing asked ("tourists"), so the reader should know. Imported
            # here: the search (and numpy) has loaded by the time a result is shown.
            from askcorpus.search.absence import key_absent_terms

            missing = key_absent_terms(result.query, result.absent_terms)
            if missing:
                notes.append(
                    f"Found nowhere in this corpus: {', '.join(missing)} — "
                    "the passages may not answer that part."
                )
        if result.note:
            notes.append(result.note[0].upper() + result.note[1:] + ".")
        if notes:
            self.banner.show_message("  ".join(notes))
        else:
            self.banner.hide()
        self.stack.setCurrentIndex(1)
        self._holding = True
        self._release_timer.start()
        self.select_row(0)

    # -- selection -----------------------------------------------------------------------------
    def select_row(self, row: int) -> None:
        """Make ``row`` current and selected (clamped to the list)."""
        n = self.model.rowCount()
        if n == 0:
            return
        row = max(0, min(n - 1, row))
        index = self.model.index(row, 0)
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.view.scrollTo(index)

    def move_selection(self, delta: int) -> None:
        """Move the selection by ``delta`` rows."""
        current = self.view.currentIndex()
        self.select_row((current.row() if current.isValid() else -1) + delta)

    def current_hit(self) -> Hit | None:
        """The selected hit, if any."""
        index = self.view.currentIndex()
        return self.model.hit(index.row()) if index.isValid() else None

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        hit = self.model.hit(current.row()) if current.isValid() else None
        if hit is not None and self._holding:
            self._held = hit
            return
        self._holding = False
        self._held = None
        if hit is None:
            self.selectionCleared.emit()
        else:
            self.hitSelected.emit(hit)

    def _release(self) -> None:
        """Announce the hit selected while the new result was not yet on screen."""
        self._release_timer.stop()
        hit, self._held, self._holding = self._held, None, False
        if hit is not None and hit is self.current_hit():
            self.hitSelected.emit(hit)

    def _on_activated(self, index: QModelIndex | QPersistentModelIndex) -> None:
        hit = self.model.hit(index.row())
        if hit is not None:
            self.hitActivated.emit(hit)
