"""Background jobs report on the UI thread, in order, with any result (None included), and the
PySide6 in use keeps None's reference count (the reason for the ``<6.12`` pin)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys  # noqa: E402
import threading  # noqa: E402

from PySide6.QtCore import QObject  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from askcorpus.gui.workers import JobRunner  # noqa: E402

JOBS = 3000


def _job(i: int, progress=None) -> object:
    if progress is not None:
        progress(i)
    if i % 3 == 0:
        return None
    if i % 3 == 1:
        return {"i": i}
    raise ValueError(i)


def test_thousands_of_jobs_report_on_the_ui_thread_in_order(qtbot) -> None:
    runner = JobRunner("test-jobs")
    ui = threading.get_ident()
    seen: list[tuple[str, int, object]] = []
    threads: set[int] = set()

    def record(kind: str, i: int, value: object) -> None:
        threads.add(threading.get_ident())
        seen.append((kind, i, value))

    for i in range(JOBS):
        runner.submit(
            _job,
            i,
            on_done=lambda r, i=i: record("done", i, r),
            on_failed=lambda e, i=i: record("failed", i, e.args[0]),
            on_progress=lambda p, i=i: record("progress", i, p),
        )
    qtbot.waitUntil(lambda: len(seen) == 2 * JOBS, timeout=120_000)
    assert threads == {ui}
    expected: list[tuple[str, int, object]] = []
    for i in range(JOBS):
        expected.append(("progress", i, i))
        outcome = (None, {"i": i}, i)[i % 3]
        expected.append(("failed" if i % 3 == 2 else "done", i, outcome))
    assert seen == expected
    assert runner.wait(10_000)


def test_none_keeps_its_reference_count_through_jobs_and_void_calls(qtbot) -> None:
    # PySide6 6.12.0 drops a reference to None on every call of a void method (Python 3.11
    # does not make None immortal, so the interpreter aborts with "none_dealloc" after a few
    # thousand calls); this catches such a release before the window does.
    runner = JobRunner("test-none")
    widget = QWidget()
    obj = QObject()
    done: list[object] = []
    before = sys.getrefcount(None)
    for _ in range(2000):
        widget.setEnabled(True)
        obj.setObjectName("x")
    for _ in range(500):
        runner.submit(lambda: None, on_done=done.append)
    qtbot.waitUntil(lambda: len(done) == 500, timeout=60_000)
    done.clear()
    # A few references come and go with caches; a leak would be thousands.
    assert abs(sys.getrefcount(None) - before) < 500
