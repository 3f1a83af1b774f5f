"""A folder that keeps itself indexed: automatic, debounced updates (on by default, per corpus),
the bar when it is off, no retry loop on a file that cannot be indexed, and the watcher's limits
said in the window."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

from askcorpus.gui import tasks  # noqa: E402
from askcorpus.gui.prefs import Preferences  # noqa: E402
from askcorpus.gui.watcher import CorpusWatcher  # noqa: E402
from askcorpus.indexer.update import update_index  # noqa: E402
from askcorpus.settings import Settings  # noqa: E402
from tests.conftest import SHIPPED_CORPUS, TEST_CACHE, write  # noqa: E402
from tests.gui_helpers import TIMEOUT, open_window  # noqa: E402

NEW_DOC = "Kelp farming\n\nThe kelp farms of Orkney harvest sugar kelp every April.\n"


def indexed_corpus(tmp_path: Path, embedder) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SHIPPED_CORPUS / "clay-alliance.txt", corpus / "clay-alliance.txt")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", cache_dir=TEST_CACHE)
    update_index(settings, embedder)
    return settings


def test_the_option_is_on_by_default_and_kept_per_corpus(tmp_path) -> None:
    prefs = Preferences(tmp_path / "prefs.ini")
    a, b = tmp_path / "a", tmp_path / "b"
    assert prefs.auto_reindex(a) and prefs.auto_reindex(b)
    prefs.set_auto_reindex(a, False)
    prefs.sync()
    again = Preferences(tmp_path / "prefs.ini")
    assert not again.auto_reindex(a) and again.auto_reindex(b)


def test_a_change_is_indexed_by_itself_after_a_quiet_spell(qtbot, embedder, tmp_path) -> None:
    settings = indexed_corpus(tmp_path, embedder)
    window = open_window(qtbot, settings, embedder, tmp_path, auto_reindex=True)
    auto = window.indexing.auto
    assert auto.enabled and window.window_actions.auto_reindex.isChecked()
    auto.timer.setInterval(300)
    started: list[bool] = []
    window.engine.indexingStarted.connect(started.append)
    qtbot.waitUntil(lambda: bool(window.watcher.watched), timeout=TIMEOUT)
    write(settings.corpus_dir / "kelp.txt", NEW_DOC)
    qtbot.waitUntil(auto.pending, timeout=TIMEOUT)  # found, waiting for quiet
    assert not window.parts.changes_bar.isVisible()
    write(settings.corpus_dir / "kelp2.txt", NEW_DOC.replace("Orkney", "Shetland"))
    with qtbot.waitSignal(window.engine.opened, timeout=TIMEOUT):
        qtbot.waitUntil(lambda: bool(started), timeout=TIMEOUT)
        assert window.parts.progress.isVisible()  # the same progress and Cancel as Reindex
    assert window.info.stats.documents == 3
    assert started == [False]  # one incremental run took both files
    assert not window.parts.changes_bar.isVisible()


def test_with_the_option_off_the_bar_offers_to_reindex(qtbot, embedder, tmp_path) -> None:
    settings = indexed_corpus(tmp_path, embedder)
    window = open_window(qtbot, settings, embedder, tmp_path, auto_reindex=True)
    window.window_actions.auto_reindex.trigger()  # Index > Update Index Automatically: off
    assert not window.indexing.auto.enabled
    assert not window.prefs.auto_reindex(settings.corpus_dir)
    qtbot.waitUntil(lambda: bool(window.watcher.watched), timeout=TIMEOUT)
    write(settings.corpus_dir / "kelp.txt", NEW_DOC)
    qtbot.waitUntil(window.parts.changes_bar.isVisible, timeout=TIMEOUT)
    assert "1 document changed" in window.parts.changes_bar.label.text()
    assert not window.engine.indexing and not window.indexing.auto.pending()


def test_a_file_that_cannot_be_indexed_is_not_retried_forever(qtbot, embedder, tmp_path) -> None:
    settings = indexed_corpus(tmp_path, embedder)
    window = open_window(qtbot, settings, embedder, tmp_path, auto_reindex=True)
    window.indexing.auto.timer.setInterval(200)
    runs: list[bool] = []
    window.engine.indexingStarted.connect(runs.append)
    qtbot.waitUntil(lambda: bool(window.watcher.watched), timeout=TIMEOUT)
    (settings.corpus_dir / "broken.pdf").write_bytes(b"%PDF-1.4 this is not a pdf")
    qtbot.waitUntil(lambda: bool(runs), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not window.engine.indexing, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.parts.skipped_button.isVisible(), timeout=TIMEOUT)
    qtbot.wait(1500)  # several quiet spells: no second run for the same file
    assert runs == [False]
    summary = tasks.scan_changes(window.engine.index, settings.corpus_dir)
    assert summary.added == ()  # skipped and unchanged since: not "new" any more


def test_changes_beyond_the_watched_folders_are_said(qtbot, embedder, tmp_path, monkeypatch):
    settings = indexed_corpus(tmp_path, embedder)
    for name in ("a", "b", "c"):
        (settings.corpus_dir / name).mkdir()
    monkeypatch.setattr(tasks, "MAX_WATCHED_DIRS", 2)
    window = open_window(qtbot, settings, embedder, tmp_path)
    bar = window.parts.watch_bar
    qtbot.waitUntil(bar.isVisible, timeout=TIMEOUT)
    assert "more than 2 folders or files" in bar.label.text()
    assert len(window.watcher.watched) <= 4


def test_paths_the_watcher_refuses_are_said(qtbot, embedder, tmp_path) -> None:
    watcher = CorpusWatcher()
    gone = str(tmp_path / "gone")
    assert watcher.watch([str(tmp_path), gone]) == [gone]
    assert watcher.watched == [str(tmp_path)]
    settings = indexed_corpus(tmp_path, embedder)
    window = open_window(qtbot, settings, embedder, tmp_path)
    qtbot.waitUntil(lambda: bool(window.watcher.watched), timeout=TIMEOUT)
    assert not window.parts.watch_bar.isVisible()
    sub = settings.corpus_dir / "new-folder"
    sub.mkdir()
    summary = tasks.scan_changes(window.engine.index, settings.corpus_dir)
    assert str(sub) in summary.folders
    sub.rmdir()  # gone before it is watched: the watcher refuses it, as it does past its limit
    window.engine.changesFound.emit(summary)
    assert window.parts.watch_bar.isVisible()
    assert "cannot be watched for changes" in window.parts.watch_bar.label.text()
