"""The question bar's filters as chips: typed ones taken out of the question, ones added from
the Filter menu, removing one, folder completion after in:, a malformed query's message, and
"Find similar" leaving a document out inside retrieval."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from askcorpus.errors import QueryError  # noqa: E402
from askcorpus.gui.filters import (  # noqa: E402
    add_chip,
    chips_filter,
    folders_of,
    plain_question,
    take_filters,
)
from askcorpus.records import PassageFilter  # noqa: E402
from askcorpus.text.syntax import parse_query  # noqa: E402
from tests.conftest import TEST_CACHE  # noqa: E402
from tests.gui.research_corpus import build  # noqa: E402
from tests.gui_helpers import TIMEOUT, ask, open_window  # noqa: E402


@pytest.fixture(scope="module")
def research_index(tmp_path_factory, embedder):
    return build(tmp_path_factory.mktemp("research"), embedder, TEST_CACHE)


@pytest.fixture()
def window(qtbot, research_index, embedder, tmp_path):
    return open_window(qtbot, research_index, embedder, tmp_path)


# -- the filters as data ------------------------------------------------------------------------
def test_filter_words_are_taken_out_of_the_question() -> None:
    rest, words = take_filters('gas in:reports/2023 "Power of Siberia" type:pdf,docx -coal')
    assert rest == 'gas "Power of Siberia" -coal'
    assert words == ["in:reports/2023", "type:pdf,docx"]
    assert take_filters("What is the pipeline?") == ("What is the pipeline?", [])
    with pytest.raises(QueryError, match="unclosed quote"):
        take_filters('gas in:reports "Power of')


def test_chips_join_one_folder_and_add_up_kinds() -> None:
    chips = add_chip([], "type:pdf")
    chips = add_chip(chips, "in:reports")
    chips = add_chip(chips, "type:docx")
    chips = add_chip(chips, 'in:"annual reports/2023"')
    assert chips == ["type:pdf,docx", 'in:"annual reports/2023"']
    where = chips_filter(chips)
    assert where.kinds == {"pdf", "docx"} and where.folder == "annual reports/2023"
    assert chips_filter([]) == PassageFilter()
    with pytest.raises(QueryError):
        add_chip(chips, "after:2022-13")


def test_folders_of_the_documents() -> None:
    assert folders_of(["a/b/c.txt", "d.txt", "a/x.md", "B/y.txt"]) == ["a", "a/b", "B"]


@pytest.mark.parametrize(
    "text",
    [
        'He said "no and -way in:x Note:this type: http://a.b -5 -"x',
        "in: lang:zz after:soon “quoted” -",
    ],
)
def test_a_passage_asked_as_it_reads_is_no_query_syntax(text) -> None:
    parsed = parse_query(plain_question(text))
    assert not parsed.where
    assert re.findall(r"\w+", parsed.text) == re.findall(r"\w+", text)  # every word is kept


# -- the window -------------------------------------------------------------------------------
def test_typed_filters_become_chips_and_narrow_inside_retrieval(qtbot, window) -> None:
    p = window.parts
    ask(qtbot, window, "gas pipeline in:reports/2023")
    assert p.filter_bar.chips == ["in:reports/2023"]
    assert p.question_edit.text() == "gas pipeline"
    assert [b.text() for b in p.filter_bar.buttons] == ["in: reports/2023  ✕"]
    hits = p.results.model.hits
    assert hits and all(h.source.startswith("reports/2023/") for h in hits)
    # Removing the chip asks again, over every folder.
    with qtbot.waitSignal(window.engine.searchDone, timeout=TIMEOUT):
        qtbot.mouseClick(p.filter_bar.buttons[0], Qt.MouseButton.LeftButton)
    assert p.filter_bar.chips == []
    sources = {h.source for h in p.results.model.hits}
    assert any(not s.startswith("reports/2023/") for s in sources)


def test_filter_menu_adds_a_kind_and_dates(qtbot, window) -> None:
    p = window.parts
    ask(qtbot, window, "gas pipeline")
    bar = p.filter_bar
    bar._fill_menu()
    kinds = next(a.menu() for a in bar.menu.actions() if a.text() == "File Type")
    plain = next(a for a in kinds.actions() if a.text() == "Plain text")
    with qtbot.waitSignal(window.engine.searchDone, timeout=TIMEOUT):
        plain.trigger()
    assert bar.chips == ["type:txt"]
    hits = p.results.model.hits
    assert hits and all(h.source.endswith(".txt") for h in hits)
    with qtbot.waitSignal(window.engine.searchDone, timeout=TIMEOUT):
        bar.add("after:2023-01")
    assert {h.source for h in p.results.model.hits} == {"notes/orchard.txt"}
    assert [b.text() for b in bar.buttons] == ["type: txt  ✕", "after: 2023-01  ✕"]


def test_a_malformed_query_is_one_line_under_the_field(qtbot, window) -> None:
    p = window.parts
    ask(qtbot, window, "gas pipeline")
    shown = p.results.model.hits
    asked = window.engine._search_seq
    for bad, words in (('gas "pipeline', "unclosed quote"), ("gas colour:red", "unknown filter")):
        p.question_edit.setText(bad)
        qtbot.keyClick(p.question_edit, Qt.Key.Key_Return)
        assert p.filter_bar.error.isVisibleTo(window)
        assert words in p.filter_bar.error.text()
        assert (
            "\n" not in p.filter_bar.error.text() and "Traceback" not in p.filter_bar.error.text()
        )
        assert window.engine._search_seq == asked  # nothing was searched
        assert p.results.model.hits == shown  # the last answer stays
    qtbot.keyClicks(p.question_edit, " x")  # editing hides the message
    assert not p.filter_bar.error.isVisibleTo(window)


def test_in_completes_the_folders_of_the_corpus(qtbot, window) -> None:
    p = window.parts
    # Listed on the query worker after the index is shown (a first question goes before it).
    qtbot.waitUntil(lambda: "reports/2023" in p.filter_bar.folders, timeout=TIMEOUT)
    p.question_edit.clear()
    qtbot.keyClicks(p.question_edit, "gas in:rep")
    completer = p.folder_completer.completer
    popup = completer.popup()
    qtbot.waitUntil(lambda: popup.isVisible(), timeout=5000)
    offered = [
        completer.completionModel().index(i, 0).data() for i in range(completer.completionCount())
    ]
    assert offered == ["reports", "reports/2022", "reports/2023"]
    asked = window.engine._search_seq
    popup.setCurrentIndex(completer.completionModel().index(1, 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)  # Enter on a folder offered only picks it
    assert p.question_edit.text() == "gas in:reports/2022 "
    assert not popup.isVisible()
    qtbot.wait(50)
    assert window.engine._search_seq == asked
    # Enter again asks, the folder a chip.
    with qtbot.waitSignal(window.engine.searchDone, timeout=TIMEOUT):
        qtbot.keyClick(p.question_edit, Qt.Key.Key_Return)
    assert p.filter_bar.chips == ["in:reports/2022"]


def test_filters_that_leave_nothing_are_named(qtbot, window) -> None:
    # A date no document reaches: a valid filter that lets nothing through (a folder holding no
    # document is a query error naming the folders there, not an empty list).
    ask(qtbot, window, "gas pipeline after:2100-01")
    empty = window.parts.results.empty
    assert window.parts.results.showing_state and empty.title.text() == "No passages found"
    assert "with the filters after: 2100-01" in empty.body.text()
    assert "remove a filter" in empty.body.text()
