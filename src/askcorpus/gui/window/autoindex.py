"""A folder that keeps itself indexed (:class:`AutoReindex`): when the folder's changes are
found and the corpus has the option on (the default, kept per corpus in the preferences), the
index is updated once things have been quiet for a moment — the same background run, progress
and Cancel as Reindex. With the option off, the "documents changed" bar stays.

It also says when the watcher cannot see every change (:meth:`AutoReindex.watch_limits`):
QFileSystemWatcher refusing paths (the system's limit on watches) or a corpus with more
folders or files than the window watches.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QStatusBar

from askcorpus.gui import tasks
from askcorpus.gui.prefs import Preferences
from askcorpus.gui.tasks import ChangeSummary
from askcorpus.gui.views.snippets import plural
from askcorpus.gui.views.widgets import NoticeBar

QUIET_MS = 2000  # no new changes for this long before an automatic update starts

Signature = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def signature(summary: ChangeSummary) -> Signature:
    """What changed, for telling one set of changes from another."""
    return summary.added, summary.changed, summary.removed


class AutoReindex(QObject):
    """Starts ``reindex()`` after :data:`QUIET_MS` of quiet once changes are found."""

    def __init__(
        self,
        parent: QObject,
        action: QAction,
        prefs: Preferences,
        corpus_dir: Callable[[], Path],
        reindex: Callable[[], bool],
        status: QStatusBar,
        watch_bar: NoticeBar,
        quiet_ms: int = QUIET_MS,
    ):
        super().__init__(parent)
        self._action = action
        self._prefs = prefs
        self._corpus_dir = corpus_dir
        self._reindex = reindex
        self._status = status
        self._watch_bar = watch_bar
        self._last_run: Signature | None = None  # the changes the last automatic run handled
        self._pending: Signature | None = None  # the changes the next one will handle
        self._watch_warned = False
        self._suspended = False  # after Cancel: until the folder changes again
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(quiet_ms)
        self.timer.timeout.connect(self._on_quiet)
        action.setCheckable(True)
        action.toggled.connect(self._on_toggled)
        self.corpus_changed()

    @property
    def enabled(self) -> bool:
        """Whether the corpus shown updates its index by itself."""
        return self._action.isChecked()

    def corpus_changed(self) -> None:
        """Another corpus is shown: its own setting, nothing pending, no warning given yet."""
        self.timer.stop()
        self._last_run = None
        self._suspended = False
        self._watch_warned = False
        self._watch_bar.hide()
        self._action.blockSignals(True)
        self._action.setChecked(self._prefs.auto_reindex(self._corpus_dir()))
        self._action.blockSignals(False)

    def _on_toggled(self, on: bool) -> None:
        self._prefs.set_auto_reindex(self._corpus_dir(), on)
        if not on:
            self.timer.stop()

    def take(self, summary: ChangeSummary) -> bool:
        """Changes were found: True when an automatic update will handle them (so no bar is
        needed). The same changes left over right after an automatic run (a file that cannot
        be indexed, say) are not retried: the bar shows them instead."""
        if not self.enabled or summary.count == 0 or self._suspended:
            return False
        if signature(summary) == self._last_run:
            return False
        self._last_run = None
        self._pending = signature(summary)
        self.timer.start()  # restarted by every new finding: waits for the folder to settle
        self._status.showMessage(
            f"{plural(summary.count, 'document')} changed — updating the index in a moment", 4000
        )
        return True

    def suspend(self) -> None:
        """The user cancelled a run: no automatic one until the folder changes again (the bar
        shows what is left meanwhile)."""
        self.timer.stop()
        self._suspended = True

    def resume(self) -> None:
        """The folder changed: automatic updates may run again."""
        self._suspended = False

    def pending(self) -> bool:
        """True while an automatic update waits for quiet."""
        return self.timer.isActive()

    def _on_quiet(self) -> None:
        if not self.enabled:
            return
        self._last_run = self._pending
        if not self._reindex():
            self.timer.start()  # indexing still busy: try again after the next quiet spell

    # -- the watcher's limits ------------------------------------------------------------------
    def watch_limits(self, summary: ChangeSummary, failed: list[str]) -> None:
        """Say (once per corpus) when changes can go unseen: paths the watcher refused, or more
        folders and files than are watched."""
        if self._watch_warned or not (failed or summary.truncated):
            return
        self._watch_warned = True
        if failed:
            text = (
                f"{plural(len(failed), 'folder or file', 'folders or files')} of this corpus "
                "cannot be watched for changes (the system's limit on watched files is "
                "reached), so changes there are not noticed. Reindex to pick them up, or raise "
                "the limit (on Linux: sysctl fs.inotify.max_user_watches)."
            )
        else:
            limit = tasks.MAX_WATCHED_DIRS
            text = (
                f"This corpus has more than {limit:,} folders or files; only the "
                f"first {limit:,} are watched for changes. Reindex to pick up "
                "changes elsewhere."
            )
        self._watch_bar.show_message(text, "Reindex")
