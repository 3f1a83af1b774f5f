"""Start-up: the window is on screen before any model library is imported (fresh subprocess),
nor numpy, FAISS or pathspec (the store's and the ingest side's libraries, which the first paint
does not need), and the default encoder answers without importing torch at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import builtins, json, os, sys, time
    t0 = time.perf_counter()
    from pathlib import Path
    from PySide6.QtCore import QEventLoop
    from askcorpus.gui.app import make_app, show_window
    from askcorpus.gui.prefs import Preferences
    from askcorpus.settings import Settings

    corpus, index, tmp = (Path(p) for p in sys.argv[1:4])
    app = make_app()
    window = show_window(
        Settings(corpus_dir=corpus, index_dir=index), Preferences(tmp / "p.ini"), None, tmp
    )
    out = {
        "visible": window.isVisible() and window.windowHandle().isExposed(),
        "title": window.windowTitle(),
        "torch_at_show": "torch" in sys.modules,
        "onnx_at_show": "onnxruntime" in sys.modules,
        "feature_hook_at_show": builtins.__import__ is getattr(builtins, "__feature_import__", 0),
        "store_libraries_at_show": sorted({"numpy", "faiss", "pathspec"} & set(sys.modules)),
        "seconds_to_show": time.perf_counter() - t0,
    }
    window.start()
    # The model (and ONNX Runtime with it) now loads on a worker while the event loop runs.
    deadline = time.monotonic() + 240
    while "onnxruntime" not in sys.modules and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
    out["onnx_after_start"] = "onnxruntime" in sys.modules
    out["torch_after_start"] = "torch" in sys.modules
    out["window_still_visible"] = window.isVisible()
    print(json.dumps(out), flush=True)
    os._exit(0)  # no need to wait for the model to finish loading
    """
)


def test_window_shows_before_model_libraries_are_imported(shipped_index, tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            SCRIPT,
            str(shipped_index.corpus_dir),
            str(shipped_index.index_dir),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["visible"] and out["title"] == f"askcorpus — {shipped_index.corpus_dir.name}"
    assert out["torch_at_show"] is False and out["onnx_at_show"] is False
    assert out["store_libraries_at_show"] == []
    # PySide6's __feature__ import hook (it reads the source of every module imported after it)
    # is out of the way before the model's and the store's libraries are imported.
    assert out["feature_hook_at_show"] is False
    # The same check sees ONNX Runtime once loading has begun, so it is not vacuous.
    assert out["onnx_after_start"] is True and out["window_still_visible"]
    assert out["torch_after_start"] is False


def test_a_question_typed_at_start_up_goes_before_the_folder_scan(
    qtbot, shipped_index, embedder, tmp_path: Path
) -> None:
    """The question queues behind the index and the model only: the folder scan and the listing
    of the index's folders (for in:) wait until it is answered."""
    from tests.gui_helpers import TIMEOUT, open_window

    window = open_window(qtbot, shipped_index, embedder, tmp_path, wait_ready=False)
    engine, order = window.engine, []
    engine.searchDone.connect(lambda _r: order.append("answer"))
    engine.changesFound.connect(lambda _s: order.append("scan"))
    found: list[tuple[str, ...]] = []
    engine.foldersFound.connect(lambda f: (order.append("folders"), found.append(f)))
    window.parts.question_edit.setText("Why would Russia and China form an alliance?")
    window.reading.ask_from_field()
    qtbot.waitUntil(lambda: len(order) == 3, timeout=TIMEOUT)
    assert order[0] == "answer", order
    assert window.parts.results.model.rowCount() > 0
    assert window.parts.filter_bar.folders == list(found[0])


def test_the_collector_is_paused_until_the_model_has_loaded(
    qtbot, shipped_index, tmp_path: Path
) -> None:
    """What the window's entry points do (askcorpus.gui.gc_pause): the engine resumes the
    collector, with what start-up built frozen, once its model has loaded."""
    import gc

    from askcorpus.gui import gc_pause
    from tests.gui_helpers import TIMEOUT, open_window

    frozen = gc.get_freeze_count()
    try:
        gc_pause.pause()
        assert not gc.isenabled()
        window = open_window(qtbot, shipped_index, None, tmp_path, wait_ready=False)
        assert not gc.isenabled()  # still starting
        qtbot.waitUntil(lambda: window.engine.model_ready, timeout=TIMEOUT)
        assert gc.isenabled() and gc.get_freeze_count() > frozen
        gc_pause.resume()  # a second resume, or one without a pause, changes nothing
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()


def test_housekeeping_waits_until_the_first_answer_is_painted(
    qtbot, shipped_index, embedder, tmp_path: Path, monkeypatch
) -> None:
    """A question typed at start-up is answered and its rows painted before the worker reads the
    evidence board (hidden in its dock), scans the corpus folder or lists the index's folders:
    those jobs used to run beside the list's layout and paint, taking turns at the GIL."""
    from askcorpus.gui import tasks
    from askcorpus.search.board import Board
    from tests.gui_helpers import TIMEOUT, open_window

    order: list[str] = []
    read = Board.for_index.__func__  # type: ignore[attr-defined]

    def for_index(cls, *args, **kwargs):  # the real reading, noted when it starts
        order.append("board")
        return read(cls, *args, **kwargs)

    def noted(name: str, job):
        def run(*args, **kwargs):
            order.append(name)
            return job(*args, **kwargs)

        return run

    monkeypatch.setattr(Board, "for_index", classmethod(for_index))
    monkeypatch.setattr(tasks, "scan_changes", noted("scan", tasks.scan_changes))
    monkeypatch.setattr(tasks, "index_folders", noted("folders", tasks.index_folders))
    window = open_window(qtbot, shipped_index, embedder, tmp_path, wait_ready=False)
    window.parts.results.view.resultsPainted.connect(lambda: order.append("painted"))
    window.parts.question_edit.setText("Why would Russia and China form an alliance?")
    window.reading.ask_from_field()
    qtbot.waitUntil(lambda: {"painted", "board", "scan", "folders"} <= set(order), timeout=TIMEOUT)
    assert order[0] == "painted", order
    qtbot.waitUntil(lambda: window.board_panel.header.text() == "0 pinned passages")


def test_a_window_closed_before_its_answer_is_painted_starts_no_housekeeping(
    qtbot, shipped_index, embedder, tmp_path: Path, monkeypatch
) -> None:
    """Closing the window drops the housekeeping still waiting for the answer's paint: nothing
    reads the board of a closed index, and the collector runs again."""
    import gc

    from askcorpus.gui import gc_pause
    from askcorpus.search.board import Board
    from tests.gui_helpers import TIMEOUT, open_window

    started: list[str] = []
    read = Board.for_index.__func__  # type: ignore[attr-defined]

    def for_index(cls, *args, **kwargs):
        started.append("board")
        return read(cls, *args, **kwargs)

    monkeypatch.setattr(Board, "for_index", classmethod(for_index))
    try:
        gc_pause.pause()
        window = open_window(qtbot, shipped_index, embedder, tmp_path, wait_ready=False)
        window.parts.question_edit.setText("Why would Russia and China form an alliance?")
        window.reading.ask_from_field()
        with qtbot.waitSignal(window.engine.searchDone, timeout=TIMEOUT):
            pass
        window.close()  # before the list's paint releases what waits for it
        qtbot.wait(600)  # longer than the engine's wait for a paint (SHOWN_WAIT_MS)
        assert started == []
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()
