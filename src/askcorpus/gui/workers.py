"""Background work for the window: a QRunnable that runs one function and reports via signals.

Workers never touch widgets. A job's result, error and progress reach the UI thread only through
the signals of its :class:`JobSignals` holder (a QObject created on the UI thread, so connected
slots run there). The functions run by jobs live in :mod:`askcorpus.gui.tasks` and are Qt-free.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


def _disable_feature_import_hook() -> None:
    """Switch off PySide6's per-import ``__feature__`` check.

    PySide6 inspects the source of every module imported after it (to honour
    ``from __feature__ import ...``, which askcorpus does not use). Done on a worker thread —
    our workers import torch, faiss and friends — that check corrupts reference counts and
    crashes the interpreter ("none_dealloc"), so it is turned off once, here.
    """
    try:
        import shibokensupport.feature as feature  # type: ignore[import-not-found]
    except ImportError:
        return
    if hasattr(feature, "_mod_uses_pyside"):
        feature._mod_uses_pyside = lambda _module: False


_disable_feature_import_hook()


class Box:
    """Carries a job's result through a signal. PySide6 (with Python 3.11) mis-counts
    references when ``None`` itself travels through a queued ``Signal(object)``, which
    eventually crashes the interpreter, so results are always boxed."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


class JobSignals(QObject):
    """Signals of one job: ``done(Box(result))``, ``failed(exception)``, ``progress(object)``."""

    done = Signal(object)
    failed = Signal(object)
    progress = Signal(object)


class Job(QRunnable):
    """Runs ``fn(*args, **kwargs)`` on a pool thread; with ``wants_progress`` the function gets
    a ``progress`` keyword that emits :attr:`JobSignals.progress`."""

    def __init__(
        self,
        fn: Callable[..., Any],
        *args: Any,
        wants_progress: bool = False,
        **kwargs: Any,
    ):
        super().__init__()
        self.signals = JobSignals()
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        if wants_progress:
            self._kwargs["progress"] = self.signals.progress.emit

    def run(self) -> None:
        """Run the function; exactly one of ``done``/``failed`` is emitted."""
        try:
            result = self._fn(*self._args, **self._kwargs)
        except BaseException as exc:  # every failure must reach the UI, never kill the thread
            log.debug("job %s failed", getattr(self._fn, "__name__", self._fn), exc_info=True)
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(Box(result))


class JobRunner(QObject):
    """A serial queue of jobs on its own thread pool (one thread: jobs run in order).

    Keeps each job's signal holder alive until the job has reported.
    """

    def __init__(self, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.pool.setObjectName(name)
        self._live: set[JobSignals] = set()

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_failed: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
        **kwargs: Any,
    ) -> Job:
        """Queue ``fn(*args, **kwargs)``; callbacks run on the UI thread."""
        job = Job(fn, *args, wants_progress=on_progress is not None, **kwargs)
        sig = job.signals
        self._live.add(sig)
        if on_progress is not None:
            sig.progress.connect(on_progress)
        if on_done is not None:
            sig.done.connect(lambda box, cb=on_done: cb(box.value))
        if on_failed is not None:
            sig.failed.connect(on_failed)
        sig.done.connect(lambda _r, s=sig: self._live.discard(s))
        sig.failed.connect(lambda _e, s=sig: self._live.discard(s))
        self.pool.start(job)
        return job

    @property
    def busy(self) -> bool:
        """True while a job is queued or running."""
        return bool(self._live)

    def wait(self, msecs: int = -1) -> bool:
        """Block until all queued jobs have run (used on shutdown)."""
        return self.pool.waitForDone(msecs)
