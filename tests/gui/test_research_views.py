"""The window parts of the research tools (not yet wired into the main window): filter chips
with folder completion, and the Mentions tab."""

from __future__ import annotations

from PySide6.QtCore import Qt

from askcorpus.gui.views.filter_chips import FilterChips, folder_completer, folder_names
from askcorpus.gui.views.mentions_view import MentionsView
from askcorpus.search.mentions import DocumentMentions, Mention, Mentions
from askcorpus.text.syntax import parse_query


def test_each_filter_is_a_chip_and_removing_one_narrows_less(qtbot) -> None:
    chips = FilterChips()
    qtbot.addWidget(chips)
    where = parse_query('in:reports type:pdf after:2022 "Power of Siberia" -gazprom x').where
    chips.set_filter(where)
    assert [c.text().removesuffix("  ✕") for c in chips.chips.values()] == [
        "in: reports",
        "type: pdf",
        "after: 2022-01-01",
        "“power of siberia”",
        "not “gazprom”",
    ]
    with qtbot.waitSignal(chips.filterChanged) as changed:
        qtbot.mouseClick(chips.chips["folder"], Qt.MouseButton.LeftButton)
    assert changed.args[0].folder is None and changed.args[0].kinds == {"pdf"}
    chips.remove("required:0")
    assert chips.where.required == () and chips.where.excluded == (("gazprom",),)
    assert "folder" not in chips.chips and len(chips.chips) == 3


def test_folder_names_complete_after_in(qtbot) -> None:
    sources = ["reports/2023/q1.pdf", "reports/old.txt", "notes/a.md", "top.txt"]
    assert folder_names(sources) == ["notes", "reports", "reports/2023"]
    completer = folder_completer(sources)
    completer.setCompletionPrefix("in:rep")
    found = [
        completer.completionModel().index(i, 0).data() for i in range(completer.completionCount())
    ]
    assert found == ["in:reports", "in:reports/2023"]


def test_the_mentions_tab_lists_documents_and_opens_a_mention(qtbot) -> None:
    view = MentionsView()
    qtbot.addWidget(view)
    found = Mentions(
        "pipeline",
        (
            DocumentMentions(
                "a.pdf",
                "A",
                "/c",
                "2021-01-01",
                (
                    Mention(5, 13, 2, "p. 2", "the pipeline"),
                    Mention(40, 48, 3, "p. 3", "pipeline!"),
                ),
            ),
            DocumentMentions("b.txt", "B", "/c", None, (Mention(0, 8, None, "¶ 1", "Pipeline"),)),
        ),
    )
    view.show_mentions(found)
    assert view.summary.text() == "3 mentions of pipeline in 2 documents"
    top = view.tree.topLevelItem(0)
    assert top.text(0) == "A — a.pdf · 2021-01-01" and top.text(1) == "2"
    assert top.child(1).text(0) == "p. 3: pipeline!"
    with qtbot.waitSignal(view.mentionActivated) as activated:
        view.tree.itemActivated.emit(top.child(1), 0)
    assert activated.args == ["a.pdf", 40, 48]
