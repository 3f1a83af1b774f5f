"""Watches a corpus folder and asks for a (debounced) comparison with the index on any change.

QFileSystemWatcher says which paths it could not add (inotify's per-user limit, a path gone):
:meth:`CorpusWatcher.watch` returns them, so the window can say changes there go unseen.
"""

from __future__ import annotations

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

DEBOUNCE_MS = 800


class CorpusWatcher(QObject):
    """Emits ``changed`` once things have settled after files or folders changed."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._watcher = QFileSystemWatcher(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.changed)
        self._watcher.directoryChanged.connect(self._poke)
        self._watcher.fileChanged.connect(self._poke)
        self.failed: list[str] = []  # paths the last watch() could not add

    def _poke(self, _path: str = "") -> None:
        self._timer.start()

    def watch(self, paths: tuple[str, ...] | list[str]) -> list[str]:
        """Watch exactly ``paths`` (folders and files), adding and dropping as needed; returns
        the paths that could not be watched (the system's limit on watches reached, or gone)."""
        wanted = set(paths)
        current = set(self._watcher.directories()) | set(self._watcher.files())
        stale = sorted(current - wanted)
        new = sorted(wanted - current)
        if stale:
            self._watcher.removePaths(stale)
        failed = list(self._watcher.addPaths(new)) if new else []
        self.failed = failed
        return failed

    def clear(self) -> None:
        """Stop watching anything."""
        self._timer.stop()
        paths = self._watcher.directories() + self._watcher.files()
        if paths:
            self._watcher.removePaths(paths)

    @property
    def watched(self) -> list[str]:
        """Paths being watched."""
        return self._watcher.directories() + self._watcher.files()
