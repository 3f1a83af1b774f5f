"""Writes QSettings values off the UI thread.

QSettings writes its file with an fdatasync, which on a busy disk takes hundreds of
milliseconds (bench/window.py measured up to 0.9 s between a finished search and its results on
screen, the UI thread being stuck in the write of the recent questions). Here the write is done
by a QSettings object living on a thread of its own, whose event loop runs the write in C++
without holding Python's GIL — a Python thread calling ``sync()`` would hold the GIL and freeze
the window just the same. Both QSettings objects of one file share Qt's in-process cache of it.
"""

from __future__ import annotations

import weakref
from collections import deque
from pathlib import Path

from PySide6.QtCore import QMetaObject, QObject, QSettings, Qt, QThread, Signal, Slot


def open_settings(path: Path | None, parent: QObject | None = None) -> QSettings:
    """The app's QSettings, or a private INI file at ``path``."""
    if path is None:
        return QSettings("askcorpus", "askcorpus", parent)
    return QSettings(str(path), QSettings.Format.IniFormat, parent)


class _Writer(QObject):
    """Lives on the writer thread; its QSettings is created there, so it syncs there."""

    def __init__(self, path: Path | None):
        super().__init__()
        self._path = path
        self._qs: QSettings | None = None
        # (key, value) pairs appended by the UI thread; no Python object travels through a
        # queued signal (see askcorpus.gui.workers), the relay's signal only wakes this thread.
        self.pending: deque[tuple[str, object]] = deque()

    @Slot()
    def drain(self) -> None:
        """Set the queued keys; QSettings writes the file when this thread's loop next runs."""
        while self.pending:
            key, value = self.pending.popleft()
            if self._qs is None:
                self._qs = open_settings(self._path, self)
            self._qs.setValue(key, value)

    @Slot()
    def flush(self) -> None:
        """Write pending changes now."""
        self.drain()
        if self._qs is not None:
            self._qs.sync()


class _Relay(QObject):
    """Lives on the UI thread; its payload-free signal wakes the writer (queued)."""

    wake = Signal()


class _Worker:
    """The thread, its writer and the relay; ``stop`` flushes and ends the thread."""

    def __init__(self, path: Path | None):
        self.thread = QThread()
        self.thread.setObjectName("askcorpus-settings")
        self.writer = _Writer(path)
        self.writer.moveToThread(self.thread)
        self.relay = _Relay()
        self.relay.wake.connect(self.writer.drain, Qt.ConnectionType.QueuedConnection)
        self.thread.start()

    def flush(self) -> None:
        # Blocking and queued: runs after every write queued before it.
        QMetaObject.invokeMethod(self.writer, "flush", Qt.ConnectionType.BlockingQueuedConnection)

    def stop(self) -> None:
        if self.thread.isRunning():
            self.flush()
            self.thread.quit()
            self.thread.wait()


class SettingsWriter:
    """Queue ``write(key, value)`` calls to a background QSettings; ``flush`` waits for them.

    The thread starts on the first write and stops on ``close()``, when its owner is collected,
    or at interpreter exit (a QThread still running then would abort the process).
    """

    def __init__(self, path: Path | None, owner: object):
        self._path = path
        self._owner = weakref.ref(owner)
        self._worker: _Worker | None = None
        self._finalizer: weakref.finalize[[], object] | None = None

    def write(self, key: str, value: object) -> None:
        """Queue a write."""
        if self._worker is None:
            self._worker = worker = _Worker(self._path)
            owner = self._owner()
            if owner is not None:
                self._finalizer = weakref.finalize(owner, worker.stop)
        self._worker.writer.pending.append((key, value))
        self._worker.relay.wake.emit()

    def flush(self) -> None:
        """Wait until every queued write is on disk."""
        if self._worker is not None:
            self._worker.flush()

    def close(self) -> None:
        """Flush and stop the thread (a later write starts a new one)."""
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
