"""The evidence board and the coverage view in the real window on a real index: pin with Ctrl+B,
note, unpin, export, the stale flag after a reindex, and the coverage of each folder."""

from __future__ import annotations

import csv
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import io  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from askcorpus.indexer.update import update_index  # noqa: E402
from askcorpus.search.board import Board, board_file  # noqa: E402
from askcorpus.search.export import csv_cell_text  # noqa: E402
from askcorpus.settings import Settings  # noqa: E402
from tests.conftest import write  # noqa: E402
from tests.gui_helpers import TIMEOUT, ask, open_window  # noqa: E402

GAS = "Gazprom signed a thirty-year gas supply contract with CNPC in May 2014 in Shanghai."
PANDAS = "The zoo in Moscow received two giant pandas on loan from Beijing in 2019."


@pytest.fixture()
def settings(tmp_path: Path, embedder) -> Settings:
    corpus = tmp_path / "corpus"
    write(corpus / "gas.txt", GAS)
    write(corpus / "zoo" / "pandas.txt", PANDAS)
    write(corpus / "drafts" / "idea.txt", "Not for the index.")
    write(corpus / ".askcorpusignore", "drafts/\n")
    s = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", data_dir=tmp_path / "data")
    update_index(s, embedder)
    return s


@pytest.fixture()
def window(qtbot, settings, embedder, tmp_path):
    return open_window(qtbot, settings, embedder, tmp_path)


def pin_best(qtbot, window, question: str) -> None:
    ask(qtbot, window, question)
    panel = window.board_panel
    with qtbot.waitSignal(panel.boardShown, timeout=TIMEOUT):
        qtbot.keyClick(window.parts.results.view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)


def test_pin_note_export_unpin(qtbot, window, settings, tmp_path) -> None:
    panel = window.board_panel
    qtbot.waitUntil(lambda: panel.header.text() == "0 pinned passages", timeout=TIMEOUT)
    pin_best(qtbot, window, "When was the gas contract signed?")
    assert panel.parentWidget().isVisible()  # the dock opens on the first pin
    assert panel.list.count() == 1
    label = panel.list.item(0).text()
    assert GAS in label and "gas.txt" in label and "⚠" not in label
    # A note typed on the selected pin is saved on disk.
    panel.list.setCurrentRow(0)
    panel.note.setText('check the "price", too')
    with qtbot.waitSignal(panel.boardShown, timeout=TIMEOUT):
        qtbot.keyClick(panel.note, Qt.Key.Key_Return)
    pins = Board(board_file(settings)).pins()
    assert [(p.source, p.note, p.quote) for p in pins] == [
        ("gas.txt", 'check the "price", too', GAS)
    ]
    assert "Note: check" in panel.list.item(0).text()
    # Export: read back.
    out = tmp_path / "board.csv"
    panel.export("csv", out)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    assert [csv_cell_text(r["text"]) for r in rows] == [GAS]
    assert csv_cell_text(rows[0]["note"]) == 'check the "price", too'
    md = tmp_path / "board.md"
    panel.export("md", md)
    assert (settings.corpus_dir.resolve() / "gas.txt").as_uri() in md.read_text(encoding="utf-8")
    # Unpin.
    with qtbot.waitSignal(panel.boardShown, timeout=TIMEOUT):
        panel.unpin_button.click()
    assert panel.list.count() == 0 and Board(board_file(settings)).pins() == []


def test_ctrl_b_without_a_result_says_what_to_do(qtbot, window) -> None:
    window.activateWindow()
    qtbot.keyClick(window.parts.question_edit, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert "Select a result" in window.parts.status.currentMessage()


def test_a_pin_whose_document_changed_is_flagged_after_reindex(qtbot, window, settings) -> None:
    panel = window.board_panel
    pin_best(qtbot, window, "Where did the giant pandas come from?")
    assert "pandas.txt" in panel.list.item(0).text()
    write(settings.corpus_dir / "zoo" / "pandas.txt", "A new first line.\n\n" + PANDAS)
    with qtbot.waitSignal(panel.boardShown, timeout=TIMEOUT):
        window.indexing.reindex(False)
    qtbot.waitUntil(lambda: "⚠" in panel.list.item(0).text(), timeout=TIMEOUT)
    text = panel.list.item(0).text()
    assert PANDAS in text and "no longer at its place" in text
    assert "1 changed since pinned" in panel.header.text()


def test_coverage_view_lists_folders_and_rules(qtbot, window) -> None:
    view = window.coverage_view
    with qtbot.waitSignal(view.coverageShown, timeout=TIMEOUT):
        view.parentWidget().show()
    rows = {
        view.tree.topLevelItem(i).text(0): view.tree.topLevelItem(i)
        for i in range(view.tree.topLevelItemCount())
    }
    assert set(rows) == {".", "zoo", "drafts"}
    assert rows["."].text(1) == "1" and rows["zoo"].text(1) == "1"
    assert rows["drafts"].text(4) == "1"
    child = rows["drafts"].child(0)
    assert child.text(0) == "excluded: drafts/" and child.text(4) == "drafts/ (line 1)"
    assert "2 documents indexed" in view.summary.text()


def test_rules_are_shown_and_saved_from_the_coverage_view(qtbot, window, settings) -> None:
    view = window.coverage_view
    with qtbot.waitSignal(view.coverageShown, timeout=TIMEOUT):
        view.parentWidget().show()
    assert view.rules.toPlainText() == "drafts/\n"
    view.rules.setPlainText("drafts/\nzoo/")
    with qtbot.waitSignal(view.coverageShown, timeout=TIMEOUT):
        view.save_rules_button.click()
    assert (settings.corpus_dir / ".askcorpusignore").read_text() == "drafts/\nzoo/\n"
    rows = {
        view.tree.topLevelItem(i).text(0): view.tree.topLevelItem(i)
        for i in range(view.tree.topLevelItemCount())
    }
    # Still indexed until the next reindex, and now shown as excluded by line 2.
    assert rows["zoo"].text(1) == "1" and rows["zoo"].child(0).text(4) == "zoo/ (line 2)"
