"""The Mentions tab: every mention of the question's phrase, grouped by document with counts,
inside the filters, found on the query worker; a mention selected is shown in the reading pane
at its offset."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from askcorpus.gui.research_tasks import context_spans  # noqa: E402
from askcorpus.gui.views.mentions_panel import around  # noqa: E402
from askcorpus.gui.window.mentions import phrase_of  # noqa: E402
from tests.conftest import TEST_CACHE  # noqa: E402
from tests.gui.research_corpus import FILES, PHRASE, build  # noqa: E402
from tests.gui_helpers import TIMEOUT, ask, open_window  # noqa: E402


@pytest.fixture(scope="module")
def research_index(tmp_path_factory, embedder):
    return build(tmp_path_factory.mktemp("mentions"), embedder, TEST_CACHE)


@pytest.fixture()
def window(qtbot, research_index, embedder, tmp_path):
    return open_window(qtbot, research_index, embedder, tmp_path)


def _plain_count(text: str) -> int:
    return len(re.findall(r"power\s+of\s+siberia", text, re.IGNORECASE))


def test_each_mention_is_found_in_its_context() -> None:
    text = "Gas. The Power of  Siberia and the power of Siberia again.\nEnd."
    ctx = "The Power of Siberia and the power of Siberia again."
    first, second, cut = text.index("Power"), text.index("power"), text.index(".\nEnd")
    rows = [(first, first + 17, ctx), (second, second + 16, ctx), (cut, cut + 3, "End.")]
    spans = context_spans(text, rows)
    assert [ctx[a:b] for a, b in spans[:2]] == ["Power of Siberia", "power of Siberia"]
    assert spans[1][0] > spans[0][0]  # the second mention, not the first one again
    assert spans[2] is None  # ". E" is not in "End."
    text = "The Power of Siberian gas and the Power of Siberia."
    start = text.rindex("Power")
    assert context_spans(text, [(start, start + 16, text)]) == ((start, start + 16),)
    assert around("x" * 100 + " and the Power", (109, 114), 10) == "…and the «Power»"


def test_the_phrase_of_a_question() -> None:
    assert phrase_of('gas "Power of Siberia" deliveries') == '"Power of Siberia"'
    assert phrase_of("Power of Siberia") == "Power of Siberia"


def test_mentions_tab_lists_every_mention_by_document(qtbot, window) -> None:
    p = window.parts
    ask(qtbot, window, f'"{PHRASE}"')
    assert p.tabs.currentWidget() is p.results  # nothing looked for until the tab is shown
    with qtbot.waitSignal(window.engine.mentionsDone, timeout=TIMEOUT) as blocker:
        p.tabs.setCurrentWidget(p.mentions)
    found = blocker.args[0].mentions
    expected = {rel: _plain_count(text) for rel, (text, _day) in FILES.items()}
    assert {d.source: d.count for d in found.documents} == {s: n for s, n in expected.items() if n}
    # Ordered by date: the 2022 plan first.
    assert [d.source for d in found.documents][0] == "reports/2022/plan.txt"
    rows = p.mentions.mention_rows()
    assert len(rows) == sum(expected.values())
    assert p.mentions.model.rowCount() == len(found.documents)
    first = p.mentions.model.item(0).text()
    assert first.startswith("1 mention  ·  ") and "reports/2022/plan.txt" in first
    assert f"{found.total} mentions of" in p.mentions.header.text()
    # Each row shows its own mention, marked, near its start.
    for _ref, text in rows:
        m = re.search(r"«power\s+of\s+siberia»", text, re.IGNORECASE)
        assert m and m.start() < 70, text
    # Selecting one shows its document at the mention, the mention marked.
    doc_row = next(
        i
        for i in range(p.mentions.model.rowCount())
        if "summary.md" in p.mentions.model.item(i).text()
    )
    p.mentions.select(doc_row, 2)
    ref = p.mentions.model.item(doc_row).child(2).data(Qt.ItemDataRole.UserRole + 10)
    qtbot.waitUntil(
        lambda: p.reader.view is not None and p.reader.view.highlight == (ref.start, ref.end),
        timeout=TIMEOUT,
    )
    view = p.reader.view
    assert view.document.source == "reports/2023/summary.md"
    assert view.document.text[ref.start : ref.end].lower() == PHRASE.lower()
    assert view.span[0] <= ref.start < ref.end <= view.span[1]
    extras = p.reader.text.extraSelections()
    marked = extras[-1].cursor.selectedText()
    assert marked.lower() == PHRASE.lower()
    # The best result, selected meanwhile, does not replace it; back on Results it is shown.
    qtbot.wait(400)
    assert p.reader.view.highlight == (ref.start, ref.end)
    best = p.results.current_hit()
    p.tabs.setCurrentWidget(p.results)
    qtbot.waitUntil(lambda: p.reader.view.span == (best.start, best.end), timeout=TIMEOUT)


def test_mentions_follow_the_filters_and_the_next_question(qtbot, window) -> None:
    p = window.parts
    p.tabs.setCurrentWidget(p.mentions)
    with qtbot.waitSignal(window.engine.mentionsDone, timeout=TIMEOUT) as blocker:
        ask(qtbot, window, f"{PHRASE} in:reports")
    assert {d.source for d in blocker.args[0].mentions.documents} == {
        "reports/2023/summary.md",
        "reports/2022/plan.txt",
    }
    with qtbot.waitSignal(window.engine.mentionsDone, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(p.filter_bar.buttons[0], Qt.MouseButton.LeftButton)
    assert len(blocker.args[0].mentions.documents) == 3
    with qtbot.waitSignal(window.engine.mentionsDone, timeout=TIMEOUT):
        ask(qtbot, window, "zeppelin")
    assert p.mentions.mention_rows() == []
    assert "No mention of “zeppelin”" in p.mentions.header.text()
