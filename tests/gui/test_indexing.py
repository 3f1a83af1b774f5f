"""Indexing from the window: first build with progress, reindex, cancel, rebuild, bad corpora."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil  # noqa: E402
import sqlite3  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import Qt, QTimer  # noqa: E402

from askcorpus.gui import states  # noqa: E402
from askcorpus.indexer.update import update_index  # noqa: E402
from askcorpus.settings import Settings  # noqa: E402
from tests.conftest import SHIPPED_CORPUS, write  # noqa: E402
from tests.gui_helpers import TIMEOUT, ask, generated_text, open_window  # noqa: E402

NEW_DOC = (
    "Marmalade in Zanzibar\n\nThe Zanzibar marmalade cooperative was founded in 1987 by clove "
    "farmers who wanted a second crop. Its bitter orange marmalade is sold in Stone Town.\n"
)


def small_corpus(tmp_path: Path) -> Settings:
    """Two shipped documents in a fresh corpus folder (not yet indexed)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("strategic-alliance-or-axis-of-convenience.txt", "clay-alliance.txt"):
        shutil.copy(SHIPPED_CORPUS / name, corpus / name)
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index")


def edit_manifest(settings: Settings, old: str, new: str) -> None:
    """Make the index's manifest (JSON in its meta table) say ``new`` where it says ``old``."""
    with sqlite3.connect(settings.index_dir / "askcorpus.sqlite3") as conn:
        manifest = conn.execute("SELECT value FROM meta WHERE key='manifest'").fetchone()[0]
        conn.execute("UPDATE meta SET value=? WHERE key='manifest'", (manifest.replace(old, new),))


def add_generated(corpus: Path, count: int, paragraphs: int = 10) -> None:
    for i in range(count):
        write(corpus / "generated" / f"doc-{i:02d}.txt", generated_text(i, paragraphs))


def test_first_start_builds_the_index_without_freezing(qtbot, embedder, tmp_path) -> None:
    settings = small_corpus(tmp_path)
    add_generated(settings.corpus_dir, 6)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    progress = []
    window = open_window(qtbot, settings, embedder, tmp_path, wait_ready=False)
    window.engine.indexingProgress.connect(progress.append)
    timer.start()
    with qtbot.waitSignal(window.engine.indexingDone, timeout=TIMEOUT):
        qtbot.waitUntil(window.parts.progress.isVisible, timeout=TIMEOUT)
        assert "Indexing" in window.parts.progress.headline.text()
        # A question typed meanwhile waits for the index and is then answered.
        window.reading.ask("Is the relationship a strategic alliance or an axis of convenience?")
        assert "as soon as the index is ready" in window.parts.results.empty.title.text()
    timer.stop()
    qtbot.waitUntil(lambda: window.info is not None, timeout=TIMEOUT)
    assert window.info.stats.documents == 8
    embedding = [p for p in progress if p.phase == "embedding"]
    assert embedding and embedding[-1].done == embedding[-1].total == window.info.stats.passages
    assert len(embedding) >= 3  # the bar moved while the model worked
    # The event loop kept ticking all along: no gap anywhere near a freeze.
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert len(ticks) > 20
    assert max(gaps) < 0.75, f"event loop stalled for {max(gaps):.2f} s"
    assert not window.parts.progress.isVisible()
    qtbot.waitUntil(lambda: window.parts.results.model.rowCount() > 0, timeout=TIMEOUT)
    assert (
        window.parts.results.model.hit(0).source == "strategic-alliance-or-axis-of-convenience.txt"
    )


def test_reindex_through_the_window_finds_a_new_document(qtbot, embedder, tmp_path) -> None:
    settings = small_corpus(tmp_path)
    update_index(settings, embedder)
    window = open_window(qtbot, settings, embedder, tmp_path)
    ask(qtbot, window, "Who makes marmalade in Zanzibar?")
    assert all(h.source != "zanzibar.txt" for h in window.parts.results.model.hits)
    write(settings.corpus_dir / "zanzibar.txt", NEW_DOC)
    # The folder watcher notices and offers to reindex.
    qtbot.waitUntil(window.parts.changes_bar.isVisible, timeout=TIMEOUT)
    assert "1 document changed" in window.parts.changes_bar.label.text()
    with qtbot.waitSignal(window.engine.opened, timeout=TIMEOUT):
        qtbot.mouseClick(window.parts.changes_bar.action, Qt.MouseButton.LeftButton)
    assert window.info.stats.documents == 3
    assert not window.parts.changes_bar.isVisible()
    ask(qtbot, window, "Who makes marmalade in Zanzibar?")
    assert window.parts.results.model.hit(0).source == "zanzibar.txt"


def test_an_update_by_another_process_is_picked_up(qtbot, embedder, tmp_path) -> None:
    settings = small_corpus(tmp_path)
    update_index(settings, embedder)
    window = open_window(qtbot, settings, embedder, tmp_path)
    write(settings.corpus_dir / "zanzibar.txt", NEW_DOC)
    update_index(settings, embedder)  # as `askcorpus index` would, outside the window
    ask(qtbot, window, "Who makes marmalade in Zanzibar?")
    assert window.parts.results.model.hit(0).source == "zanzibar.txt"


def test_damaged_vector_file_offers_rebuild(qtbot, embedder, tmp_path) -> None:
    settings = small_corpus(tmp_path)
    update_index(settings, embedder)
    for path in settings.index_dir.glob("vectors-*.faiss"):
        path.write_bytes(path.read_bytes()[:100])
    window = open_window(qtbot, settings, embedder, tmp_path, wait_ready=False)
    qtbot.waitUntil(lambda: "rebuilt" in window.parts.results.empty.title.text(), timeout=TIMEOUT)
    assert "--rebuild" in window.parts.results.empty.body.text()
    with qtbot.waitSignal(window.engine.opened, timeout=TIMEOUT):
        qtbot.mouseClick(
            window.parts.results.empty.buttons[states.REBUILD_ACTION], Qt.MouseButton.LeftButton
        )
    ask(qtbot, window, "Is it a strategic alliance?")
    assert window.parts.results.model.rowCount() > 0


def test_cancel_keeps_the_old_index_working(qtbot, embedder, tmp_path) -> None:
    settings = small_corpus(tmp_path)
    update_index(settings, embedder)
    window = open_window(qtbot, settings, embedder, tmp_path)
    before = window.info.stats
    add_generated(settings.corpus_dir, 24, paragraphs=12)  # many blocks: Cancel lands mid-run
    with qtbot.waitSignal(window.engine.indexingProgress, timeout=TIMEOUT):
        qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert window.engine.indexing and window.parts.progress.isVisible()
    # Searching keeps working on the current index while the indexer runs.
    ask(qtbot, window, "Is it a strategic alliance?")
    assert window.parts.results.model.rowCount() > 0
    with qtbot.waitSignal(window.engine.indexingCancelled, timeout=TIMEOUT):
        qtbot.mouseClick(window.parts.progress.cancel, Qt.MouseButton.LeftButton)
    assert not window.parts.progress.isVisible()
    assert window.info.stats == before
    ask(qtbot, window, "copper meadow orchard glacier canyon")
    assert all(not h.source.startswith("generated/") for h in window.parts.results.model.hits)
    # The folder still differs from the index, and the window says so.
    qtbot.waitUntil(window.parts.changes_bar.isVisible, timeout=TIMEOUT)
    assert "24 documents changed" in window.parts.changes_bar.label.text()


def test_index_from_another_model_offers_rebuild(qtbot, embedder, tmp_path) -> None:
    settings = small_corpus(tmp_path)
    update_index(settings, embedder)
    edit_manifest(settings, "all-MiniLM-L6-v2", "some-other-model")
    window = open_window(qtbot, settings, embedder, tmp_path, wait_ready=False)
    qtbot.waitUntil(lambda: "rebuilt" in window.parts.results.empty.title.text(), timeout=TIMEOUT)
    assert "some-other-model" in window.parts.results.empty.body.text()
    with qtbot.waitSignal(window.engine.opened, timeout=TIMEOUT):
        qtbot.mouseClick(
            window.parts.results.empty.buttons[states.REBUILD_ACTION], Qt.MouseButton.LeftButton
        )
    assert window.info.stats.documents == 2
    ask(qtbot, window, "Is it a strategic alliance?")
    assert window.parts.results.model.rowCount() > 0


def test_index_of_the_8bit_export_answers_and_offers_a_rebuild(qtbot, embedder, tmp_path) -> None:
    settings = small_corpus(tmp_path)
    update_index(settings, embedder)
    edit_manifest(settings, '"onnx-int8-v3"', '"onnx-int8-v2"')  # the 8-bit export
    window = open_window(qtbot, settings, embedder, tmp_path)
    # Ready to ask, saying why and how to rebuild (not the blocking "needs to be rebuilt").
    assert "Ask anything" in window.parts.results.empty.title.text()
    assert "earlier version" in window.parts.results.empty.body.text()
    with qtbot.waitSignal(window.engine.opened, timeout=TIMEOUT):
        qtbot.mouseClick(
            window.parts.results.empty.buttons[states.REBUILD_ACTION], Qt.MouseButton.LeftButton
        )
    assert window.info.index.embedder.superseded is None
    assert "earlier version" not in window.parts.results.empty.body.text()
    ask(qtbot, window, "Is it a strategic alliance?")
    assert window.parts.results.model.rowCount() > 0


def test_missing_and_empty_corpus_say_what_to_do(qtbot, embedder, tmp_path) -> None:
    missing = Settings(corpus_dir=tmp_path / "nowhere", index_dir=tmp_path / "index")
    window = open_window(qtbot, missing, embedder, tmp_path, wait_ready=False)
    qtbot.waitUntil(lambda: "not found" in window.parts.results.empty.title.text(), timeout=TIMEOUT)
    assert states.OPEN_ACTION in window.parts.results.empty.buttons

    empty = tmp_path / "empty"
    empty.mkdir()
    window.prefs.set_auto_reindex(empty, False)  # the bar, not an automatic update
    window.corpus.open_corpus(empty)
    assert window.windowTitle() == "askcorpus — empty"
    assert window.settings.index_dir.parent == tmp_path / "appdata" / "indexes"
    assert window.prefs.recent_corpora()[0] == empty.resolve()
    qtbot.waitUntil(
        lambda: "No documents" in window.parts.results.empty.title.text(), timeout=TIMEOUT
    )
    # A document arrives: the watcher notices and offers to index it.
    write(empty / "note.md", "# Note\n\nThe lighthouse keeper logs every ship that passes.\n")
    qtbot.waitUntil(window.parts.changes_bar.isVisible, timeout=TIMEOUT)
    with qtbot.waitSignal(window.engine.opened, timeout=TIMEOUT):
        qtbot.mouseClick(window.parts.changes_bar.action, Qt.MouseButton.LeftButton)
    ask(qtbot, window, "Who logs the ships?")
    assert window.parts.results.model.hit(0).source == "note.md"
    # Back to a missing folder: the last corpus that exists is one click away.
    window.corpus.open_corpus(tmp_path / "nowhere")
    qtbot.waitUntil(lambda: "not found" in window.parts.results.empty.title.text(), timeout=TIMEOUT)
    key = states.open_recent(empty.resolve())
    assert key in window.parts.results.empty.buttons
    with qtbot.waitSignal(window.engine.opened, timeout=TIMEOUT):
        window.parts.results.empty.buttons[key].click()
    assert window.windowTitle() == "askcorpus — empty"


def test_skipped_files_view(qtbot, qtmodeltester, embedder, tmp_path) -> None:
    settings = small_corpus(tmp_path)
    (settings.corpus_dir / "blank.txt").write_text("   \n\n  ")
    (settings.corpus_dir / "binary.txt").write_bytes(bytes(range(256)) * 8)
    update_index(settings, embedder)
    window = open_window(qtbot, settings, embedder, tmp_path)
    assert window.parts.skipped_button.isVisible()
    assert window.parts.skipped_button.text() == "2 files skipped"
    window.parts.skipped_button.click()
    dialog = window.indexing.skipped_dialog
    assert dialog is not None and dialog.isVisible()
    model = dialog.table.model()
    qtmodeltester.check(model)
    sources = {model.index(r, 0).data() for r in range(model.rowCount())}
    assert sources == {"blank.txt", "binary.txt"}
    assert all(model.index(r, 1).data() for r in range(model.rowCount()))
    assert "2 files could not be indexed" in dialog.summary.text()


@pytest.mark.parametrize("rebuild", [False, True])
def test_reindex_action_is_in_menu_and_toolbar(qtbot, embedder, tmp_path, rebuild) -> None:
    settings = small_corpus(tmp_path)
    update_index(settings, embedder)
    window = open_window(qtbot, settings, embedder, tmp_path)
    assert window.parts.toolbar.widgetForAction(window.window_actions.reindex) is not None
    assert window.window_actions.reindex.shortcut().toString() == "Ctrl+R"
    action = window.window_actions.rebuild if rebuild else window.window_actions.reindex
    with qtbot.waitSignal(window.engine.indexingDone, timeout=TIMEOUT) as done:
        action.trigger()
    report = done.args[0]
    assert (report.passages_embedded > 0) == rebuild
    expected = "Index updated" if rebuild else "The index is up to date (2 documents unchanged)"
    assert expected in window.statusBar().currentMessage()
