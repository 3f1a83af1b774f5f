"""Background work for the window: serial job queues whose results come back as closures run on
the UI thread.

Workers never touch widgets, and no Python object travels through a queued signal: a worker
appends a closure (the callback with its result bound) to a thread-safe queue and emits a
payload-free signal; the queue's QObject lives on the UI thread, so the queued connection wakes
that thread, which runs the closures in order (Anki's ``run_on_main``). The functions run by jobs
live in :mod:`askcorpus.gui.tasks` and are Qt-free.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal

log = logging.getLogger(__name__)


class MainThreadQueue(QObject):
    """Runs closures posted from any thread on the thread this object lives on (the UI's)."""

    _wake = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        # deque.append and popleft are atomic: no lock is needed between workers and the UI.
        self._pending: deque[Callable[[], object]] = deque()
        self._wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)

    def post(self, fn: Callable[[], object]) -> None:
        """Run ``fn()`` on the UI thread soon (callable from any thread)."""
        self._pending.append(fn)
        self._wake.emit()

    def _drain(self) -> None:
        # One wake-up may find several closures (or none: an earlier wake-up took them).
        while self._pending:
            fn = self._pending.popleft()
            try:
                fn()
            except Exception:  # a failing callback must not starve the ones behind it
                log.exception("callback %r failed on the UI thread", fn)


class Job(QRunnable):
    """Runs ``fn(*args, **kwargs)`` on a pool thread and posts exactly one of ``on_done(result)``
    or ``on_failed(exception)`` to the UI thread; with ``on_progress`` the function gets a
    ``progress`` keyword whose calls are posted as ``on_progress(value)``."""

    def __init__(
        self,
        post: Callable[[Callable[[], object]], None],
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        on_done: Callable[[Any], None] | None,
        on_failed: Callable[[BaseException], None] | None,
        on_progress: Callable[[Any], None] | None,
    ):
        super().__init__()
        self._post = post
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self._on_done = on_done
        self._on_failed = on_failed
        if on_progress is not None:
            self._kwargs["progress"] = lambda value: post(partial(on_progress, value))

    def run(self) -> None:
        """Run the function and post its outcome."""
        try:
            result = self._fn(*self._args, **self._kwargs)
        except BaseException as exc:  # every failure must reach the UI, never kill the thread
            log.debug("job %s failed", getattr(self._fn, "__name__", self._fn), exc_info=True)
            if self._on_failed is not None:
                self._post(partial(self._on_failed, exc))
        else:
            if self._on_done is not None:
                self._post(partial(self._on_done, result))


class JobRunner(QObject):
    """A serial queue of jobs on its own thread pool (one thread: jobs run in order)."""

    def __init__(self, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.pool.setObjectName(name)
        self.main = MainThreadQueue(self)

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_failed: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
        **kwargs: Any,
    ) -> None:
        """Queue ``fn(*args, **kwargs)``; the callbacks run on the UI thread."""
        job = Job(self.main.post, fn, args, kwargs, on_done, on_failed, on_progress)
        self.pool.start(job)

    def wait(self, msecs: int = -1) -> bool:
        """Block until all queued jobs have run (used on shutdown)."""
        return self.pool.waitForDone(msecs)
