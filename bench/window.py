"""Enter → results on screen in the real window, warm (issue 7: "within 100 ms of Enter").

The real :class:`~askcorpus.gui.window.main_window.MainWindow` (offscreen Qt platform unless
``BENCH_QPA`` says otherwise, the app's own style sheet) over an index of a copy of the shipped
corpus. Once the index and model have loaded and a few other questions have been asked, each of
eval/questions.jsonl's questions (new to the window) is typed into the question field with QTest
key events; the clock starts just before Enter is pressed and stops when the results list has
been repainted with the new rows (``ResultsList.resultsPainted``: emitted at the end of the
view's paint after its model was reset). Reported beside it: the core's share (the search's own
time, measured on the worker), hence what the GUI layer adds, and when the reading pane shows
the best passage.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from bench.common import OUT, ROOT, SHIPPED, main, median, percentile

WARMUP = (
    "What is this corpus about?",
    "Which countries are discussed?",
    "Is there an alliance treaty?",
)
TIMEOUT_MS = 30_000


def questions(limit: int | None) -> list[str]:
    """The evaluation questions, in file order."""
    rows = (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    qs = [json.loads(r)["question"] for r in rows if r.strip()]
    return qs[:limit] if limit else qs


def _summary(xs: list[float]) -> dict[str, float]:
    return {"p50": median(xs), "p95": percentile(xs, 95), "max": max(xs, default=0.0)}


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    """Open the window, let it load, then time Enter → painted results for each question."""
    os.environ["QT_QPA_PLATFORM"] = os.environ.get("BENCH_QPA", "offscreen")
    work = OUT / "work" / "window"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(SHIPPED, work / "corpus")
    os.environ["XDG_CONFIG_HOME"] = str(work / "config")  # never the user's preferences
    os.environ["XDG_DATA_HOME"] = str(work / "data")  # (the model cache stays the machine's)

    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest

    from askcorpus.embed.embedder import Embedder
    from askcorpus.gui import tasks as gui_tasks
    from askcorpus.gui.app import make_app, show_window
    from askcorpus.gui.prefs import Preferences
    from askcorpus.indexer.update import update_index
    from askcorpus.settings import Settings

    settings = Settings(corpus_dir=work / "corpus", index_dir=work / "index")
    embedder = Embedder(settings)
    update_index(settings, embedder)  # the window gets the same (loaded) model, as in the tests

    app = make_app(["askcorpus-bench"])
    window = show_window(settings, Preferences(work / "prefs.ini"), embedder, work / "appdata")
    window.start()

    def wait(until: Any, signals: tuple[Any, ...], timeout_ms: int = TIMEOUT_MS) -> bool:
        """Run the event loop until one of ``signals`` leaves ``until()`` true, or the timeout.
        Signal-driven, so the clock is read in the slot itself, not at a polling tick; the loop
        is Qt's, so the GIL is free for the workers while the window is idle."""
        if until():
            return True
        loop = QEventLoop()

        def check(*_args: object) -> None:
            if until():
                loop.quit()

        for signal in signals:
            signal.connect(check)
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        timer.start(timeout_ms)
        loop.exec()
        timer.stop()
        for signal in signals:
            signal.disconnect(check)
        return bool(until())

    def idle(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    t_load = time.perf_counter()
    engine = window.engine
    loaded = (engine.opened, engine.modelReady, engine.openFailed, engine.modelFailed)
    if not wait(lambda: window.info is not None and engine.model_ready, loaded, 300_000):
        raise RuntimeError("the window did not finish loading")
    load_s = time.perf_counter() - t_load

    marks: dict[str, float] = {}
    searched: dict[str, float] = {}
    view = window.parts.results.view
    view.resultsPainted.connect(lambda: marks.setdefault("painted", time.perf_counter()))

    def on_search(timed: Any) -> None:
        marks.setdefault("search_done", time.perf_counter())
        searched["seconds"] = timed.seconds
        searched["hits"] = len(timed.result.hits)

    engine.searchDone.connect(on_search)
    real_search = gui_tasks.search

    def timed_search(*args: Any, **kwargs: Any) -> Any:
        # Wraps the worker's job (looked up on the module at each submit) to time its phases.
        marks.setdefault("job_start", time.perf_counter())
        try:
            return real_search(*args, **kwargs)
        finally:
            marks.setdefault("job_end", time.perf_counter())

    gui_tasks.search = timed_search
    engine.documentReady.connect(lambda _v: marks.setdefault("reader", time.perf_counter()))

    def ask(question: str) -> dict[str, float] | None:
        window.parts.question_edit.clear()
        QTest.keyClicks(window.parts.question_edit, question)
        idle(250)  # a person's typing takes longer than this; lets the completer settle
        marks.clear()
        searched.clear()
        c0 = time.process_time()
        t0 = time.perf_counter()
        QTest.keyClick(window.parts.question_edit, Qt.Key.Key_Return)
        marks["enter_handled"] = time.perf_counter()
        answered = (view.resultsPainted, engine.searchDone, engine.searchFailed)
        painted = wait(lambda: "painted" in marks or searched.get("hits") == 0, answered)
        cpu = time.process_time() - c0
        wait(lambda: "reader" in marks, (engine.documentReady, engine.documentFailed), 10_000)
        if not painted or "painted" not in marks:
            return None
        return {
            "enter_to_painted_ms": (marks["painted"] - t0) * 1000,
            "search_ms": searched["seconds"] * 1000,
            "enter_to_search_done_ms": (marks["search_done"] - t0) * 1000,
            "enter_handled_ms": (marks["enter_handled"] - t0) * 1000,
            "enter_to_job_start_ms": (marks["job_start"] - t0) * 1000,
            "job_end_to_search_done_ms": (marks["search_done"] - marks["job_end"]) * 1000,
            "search_done_to_painted_ms": (marks["painted"] - marks["search_done"]) * 1000,
            "cpu_ms": cpu * 1000,
            "enter_to_reader_ms": (marks["reader"] - t0) * 1000 if "reader" in marks else -1.0,
        }

    for q in WARMUP:
        ask(q)
    rows: list[dict[str, float]] = []
    missed: list[str] = []
    for q in questions(cfg.get("window_questions")):
        row = ask(q)
        if row is None:
            missed.append(q)
        else:
            rows.append(row)
    passages = window.info.stats.passages if window.info else None
    window.close()
    app.processEvents()

    def col(key: str) -> list[float]:
        return [r[key] for r in rows if r[key] >= 0]

    total = col("enter_to_painted_ms")
    search = col("search_ms")
    outside = [t - s for t, s in zip(total, search, strict=True)]
    return {
        "platform": os.environ["QT_QPA_PLATFORM"],
        "passages": passages,
        "questions": len(rows),
        "no_results_or_timeout": missed,
        "load_s": load_s,
        "enter_to_painted_ms": _summary(total),
        "search_ms": _summary(search),
        "outside_search_ms": _summary(outside),
        "enter_to_search_done_ms": _summary(col("enter_to_search_done_ms")),
        "search_done_to_painted_ms": _summary(col("search_done_to_painted_ms")),
        "enter_handled_ms": _summary(col("enter_handled_ms")),
        "enter_to_job_start_ms": _summary(col("enter_to_job_start_ms")),
        "job_end_to_search_done_ms": _summary(col("job_end_to_search_done_ms")),
        "enter_to_reader_ms": _summary(col("enter_to_reader_ms")),
        "cpu_ms": _summary(col("cpu_ms")),
        "runs": rows,
        "load_average": os.getloadavg(),
        "work": str(Path(work).relative_to(ROOT)),
    }


if __name__ == "__main__":
    main("window", run)
