"""Several corpora: the list kept in the preferences (File > Corpora…), a chosen set searched
together with the corpus shown, each hit labelled with its corpus and read from its own
index; a corpus without an index is said, not silently left out."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from askcorpus.gui.prefs import index_dir_for  # noqa: E402
from askcorpus.gui.views.results_model import CorpusRole  # noqa: E402
from askcorpus.indexer.update import update_index  # noqa: E402
from tests.conftest import TEST_CACHE  # noqa: E402
from tests.gui.research_corpus import PHRASE, build, write_corpus  # noqa: E402
from tests.gui_helpers import TIMEOUT, ask, open_window, wait_reader  # noqa: E402

SECOND = {
    "letters/gazprom.txt": (
        "Letters on the Power of Siberia negotiations: the gas price and the pipeline route "
        "were argued for ten years before the Power of Siberia contract was signed.\n",
        "2014-05-21",
    ),
}


@pytest.fixture(scope="module")
def research_index(tmp_path_factory, embedder):
    return build(tmp_path_factory.mktemp("corpora"), embedder, TEST_CACHE)


def test_corpora_searched_together(qtbot, research_index, embedder, tmp_path) -> None:
    window = open_window(qtbot, research_index, embedder, tmp_path)
    second = write_corpus(tmp_path / "archive", SECOND).resolve()
    update_index(
        research_index.with_paths(
            second, index_dir_for(second, research_index, tmp_path / "appdata")
        ),
        embedder,
    )
    dialog = window.corpora.show_dialog()
    shown = research_index.corpus_dir.resolve()
    assert dialog.corpora() == [shown]  # the corpus shown is always in the list
    with qtbot.waitSignal(window.engine.othersOpened, timeout=TIMEOUT):
        dialog.add(second)
    assert window.prefs.corpora() == [shown, second]
    assert window.prefs.searched_together() == [second]
    assert window.corpora.label.text() == "Searching 2 corpora"

    ask(qtbot, window, "gas pipeline price negotiations")
    model = window.parts.results.model
    corpora = {h.corpus for h in model.hits}
    assert corpora == {str(shown), str(second)}
    labels = {model.data(model.index(r, 0), CorpusRole) for r in range(model.rowCount())}
    assert labels == {shown.name, second.name}
    row = next(r for r, h in enumerate(model.hits) if h.corpus == str(second))
    window.parts.results.select_row(row)
    wait_reader(qtbot, window, "letters/gazprom.txt")
    assert window.parts.reader.view.full_path == second / "letters/gazprom.txt"
    # Mentions come from both.
    with qtbot.waitSignal(window.engine.mentionsDone, timeout=TIMEOUT) as blocker:
        ask(qtbot, window, f'"{PHRASE}"')
        window.parts.tabs.setCurrentWidget(window.parts.mentions)
    docs = blocker.args[0].mentions.documents
    assert {d.corpus for d in docs} == {str(shown), str(second)}
    assert next(d for d in docs if d.corpus == str(second)).count == 2

    # Unticked: the shown corpus alone again, and no label.
    window.parts.tabs.setCurrentWidget(window.parts.results)
    item = dialog.list.item(1)
    with qtbot.waitSignal(window.engine.searchDone, timeout=TIMEOUT):
        item.setCheckState(Qt.CheckState.Unchecked)
    assert window.prefs.searched_together() == []
    assert {h.corpus for h in model.hits} == {str(shown)}
    assert model.data(model.index(0, 0), CorpusRole) == ""
    assert window.corpora.label.text() == ""


def test_a_corpus_without_an_index_is_said(qtbot, research_index, embedder, tmp_path) -> None:
    window = open_window(qtbot, research_index, embedder, tmp_path)
    bare = write_corpus(tmp_path / "unindexed", SECOND).resolve()
    dialog = window.corpora.show_dialog()
    with qtbot.waitSignal(window.engine.othersOpened, timeout=TIMEOUT):
        dialog.add(bare)
    bar = window.parts.error_bar
    assert bar.isVisibleTo(window)
    assert bar.label.text().startswith("Not searched: unindexed: no index at")
    assert window.engine.others == ()
    # Removing it from the list.
    dialog.list.setCurrentRow(1)
    assert dialog.remove_button.isEnabled()
    dialog.list.setCurrentRow(0)
    assert not dialog.remove_button.isEnabled()  # the corpus shown stays
    dialog.list.setCurrentRow(1)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert window.prefs.corpora() == [research_index.corpus_dir.resolve()]
