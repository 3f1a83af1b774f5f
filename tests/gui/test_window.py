"""The real window on the shipped corpus: ask, read, navigate, copy, keyboard, offline."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import socket  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402

from askcorpus.gui.tasks import TimedResult  # noqa: E402
from askcorpus.records import SearchResult  # noqa: E402
from tests.gui_helpers import TIMEOUT, ask, open_window, wait_reader  # noqa: E402

QUESTION = "What is the Power of Siberia pipeline?"


@pytest.fixture()
def window(qtbot, shipped_index, embedder, tmp_path):
    return open_window(qtbot, shipped_index, embedder, tmp_path)


def test_title_names_the_corpus(window, shipped_index) -> None:
    assert window.windowTitle() == f"askcorpus — {shipped_index.corpus_dir.name}"


def test_the_encoder_of_the_index_is_loaded_before_the_first_question(qtbot, window) -> None:
    # The index's questions go through its own view of the model (the backend that encoded
    # it); that one is warmed after opening, not in the first search.
    index = window.engine.index
    assert index is not None
    qtbot.waitUntil(lambda: index.embedder.loaded, timeout=TIMEOUT)
    assert window.parts.results.model.result is None  # nothing was asked


def test_ask_shows_ranked_results(qtbot, window) -> None:
    ask(qtbot, window, QUESTION)
    hits = window.parts.results.model.hits
    assert len(hits) >= 3
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert hits[0].source == "toward-a-more-perfect-alliance.txt"
    assert "Power of Siberia" in hits[0].text
    assert not window.parts.results.showing_state
    assert QUESTION in window.parts.results.header.text()
    # The question is remembered and offered again by the completer.
    assert window.parts.recent_model.stringList()[0] == QUESTION
    assert window.prefs.recent_questions()[0] == QUESTION


def test_selecting_a_result_shows_its_passage_selected_in_the_document(qtbot, window) -> None:
    ask(qtbot, window, QUESTION)
    for row in (0, 2):
        hit = window.parts.results.model.hit(row)
        window.parts.results.select_row(row)
        qtbot.waitUntil(
            lambda h=hit: (
                window.parts.reader.view is not None
                and window.parts.reader.view.span == (h.start, h.end)
            ),
            timeout=TIMEOUT,
        )
        assert window.parts.reader.selected_text() == hit.text
        assert window.parts.reader.title.text() == hit.title
        # The best sentence is marked inside the passage.
        extras = window.parts.reader.text.extraSelections()
        # A tint per paragraph of the passage, then the best sentence.
        tints = [e.cursor.selectedText().replace("\u2029", "\n") for e in extras[:-1]]
        assert all(t.strip() and t in hit.text for t in tints)
        assert "".join("".join(tints).split()) == "".join(hit.text.split())
        sentence = extras[-1].cursor.selectedText()
        assert sentence and sentence in window.parts.reader.text.textCursor().selectedText()


def test_next_and_previous_passage(qtbot, window) -> None:
    ask(qtbot, window, QUESTION)
    hit = window.parts.results.model.hit(0)
    wait_reader(qtbot, window, hit.source)
    view = window.parts.reader.view
    assert view.span == (hit.start, hit.end)
    step = 1 if view.position < len(view.passages) - 1 else -1
    window.reading.navigate(step)
    qtbot.waitUntil(
        lambda: window.parts.reader.view.position == view.position + step, timeout=TIMEOUT
    )
    new = window.parts.reader.view
    _pid, start, end = new.passages[new.position]
    assert new.span == (start, end)
    assert window.parts.reader.selected_text() == new.document.text[start:end]


def test_copy_citation(qtbot, window) -> None:
    ask(qtbot, window, QUESTION)
    hit = window.parts.results.model.hit(0)
    wait_reader(qtbot, window, hit.source)
    window.parts.results.view.setFocus()
    qtbot.keyClick(window.parts.results.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    text = QGuiApplication.clipboard().text()
    assert text.startswith("“") and " ".join(hit.text.split()) in text
    assert hit.title in text and hit.source in text and f"¶ {hit.paragraph}" in text


def test_keyboard_flow(qtbot, window) -> None:
    ask(qtbot, window, QUESTION)
    first = window.parts.results.model.hit(0)
    wait_reader(qtbot, window, first.source)
    # Down in the question field moves through the results.
    window.reading.focus_question()
    qtbot.keyClick(window.parts.question_edit, Qt.Key.Key_Down)
    assert window.parts.results.current_hit() == window.parts.results.model.hit(1)
    # Esc in the list returns to the question, Ctrl+L too.
    window.parts.results.view.setFocus()
    qtbot.keyClick(window.parts.results.view, Qt.Key.Key_Escape)
    assert window.parts.question_edit.hasFocus()
    window.parts.results.view.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.parts.question_edit.hasFocus()
    assert window.parts.question_edit.selectedText() == QUESTION


def test_stale_answers_are_dropped(qtbot, window) -> None:
    dropped = window.engine.dropped_results
    window.reading.ask("Who is Petro Poroshenko?")
    with qtbot.waitSignal(window.engine.searchDone, timeout=TIMEOUT) as blocker:
        window.reading.ask(QUESTION)
    assert blocker.args[0].result.query == QUESTION
    assert window.parts.results.model.result.query == QUESTION
    assert window.engine.dropped_results == dropped + 1


def test_not_in_this_corpus_banner_and_no_results_state(qtbot, window) -> None:
    ask(qtbot, window, QUESTION)
    hits = window.parts.results.model.hits
    window.parts.results.show_result(
        TimedResult(SearchResult("cake?", hits, answer_likely=False), 0.01)
    )
    assert window.parts.results.banner.isVisibleTo(window)
    assert "does not seem to answer" in window.parts.results.banner.label.text()
    # Why, and what the index may be missing, are said too.
    why = SearchResult(
        "cake?",
        hits,
        answer_likely=False,
        absent_terms=("cake", "sourdough"),
        caveats=("2 files could not be read (a.pdf, b.pdf; no text layer)",),
    )
    window.parts.results.show_result(TimedResult(why, 0.01))
    text = window.parts.results.banner.label.text()
    assert "Found nowhere in it: cake, sourdough." in text
    assert "2 files could not be read (a.pdf, b.pdf; no text layer)." in text
    # Judged answered, but a word asked is nowhere in the corpus: said, without the verdict.
    likely = SearchResult("tourists?", hits, answer_likely=True, absent_terms=("tourists",))
    window.parts.results.show_result(TimedResult(likely, 0.01))
    assert window.parts.results.banner.isVisibleTo(window)
    text = window.parts.results.banner.label.text()
    assert "Found nowhere in this corpus: tourists" in text
    assert "does not seem to answer" not in text
    # Not judged at all (a question in a language the calibration does not read): said why.
    reason = "“not in this corpus” is judged for questions in English only"
    unjudged = SearchResult("Когда?", hits, unjudged=reason)
    window.parts.results.show_result(TimedResult(unjudged, 0.01))
    text = window.parts.results.banner.label.text()
    assert f"Not judged whether this corpus answers it: {reason}." in text
    window.parts.results.show_result(TimedResult(SearchResult("ok", hits), 0.01))
    assert not window.parts.results.banner.isVisibleTo(window)
    window.parts.results.show_result(TimedResult(SearchResult("zzz", ()), 0.01))
    assert window.parts.results.showing_state
    assert "No passages found" in window.parts.results.empty.title.text()


def test_no_sentence_is_marked_as_the_answer_when_the_corpus_does_not_answer(qtbot, window) -> None:
    from askcorpus.gui.theme import Tints, css

    ask(qtbot, window, QUESTION)
    hit = window.parts.results.model.hit(0)
    assert hit.highlight is not None
    wait_reader(qtbot, window, hit.source)
    sentence_colour = css(Tints.current(window.parts.results.view).sentence_bg)
    width = window.parts.results.view.viewport().width() - 100
    font = window.parts.results.view.font()
    assert sentence_colour in window.parts.results.delegate._doc(hit, width, font).toHtml()
    marked = len(window.parts.reader.text.extraSelections())
    window.parts.results.show_result(
        TimedResult(
            SearchResult("cake?", window.parts.results.model.hits, answer_likely=False), 0.01
        )
    )
    qtbot.waitUntil(
        lambda: len(window.parts.reader.text.extraSelections()) == marked - 1, timeout=TIMEOUT
    )
    # Only the passage's paragraph tints remain, in the reader and in the list's snippet.
    tints = [
        e.cursor.selectedText().replace("\u2029", "\n")
        for e in window.parts.reader.text.extraSelections()
    ]
    assert all(t.strip() and t in hit.text for t in tints)
    assert sentence_colour not in window.parts.results.delegate._doc(hit, width, font).toHtml()


def test_passage_text_is_never_interpreted_as_html(qtbot, window) -> None:
    from dataclasses import replace

    ask(qtbot, window, QUESTION)
    hit = window.parts.results.model.hit(0)
    text = "<b>bold</b> <img src=x> &amp; <script>alert(1)</script> signed"
    evil = replace(hit, text=text, start=0, end=len(text), highlight=(0, len(text)))
    doc = window.parts.results.delegate._doc(evil, 400, window.font())
    assert doc.toPlainText() == text
    window.parts.results.model.set_result(SearchResult("q", (evil,)))
    window.parts.results.select_row(0)
    window.parts.results.view.viewport().grab()  # paints without interpreting the markup


def test_search_works_with_the_network_blocked(qtbot, window, monkeypatch) -> None:
    def refuse(*_args, **_kwargs):
        raise OSError("network access blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    ask(qtbot, window, "When was the gas deal signed?")
    assert window.parts.results.model.rowCount() > 0
    hit = window.parts.results.model.hit(0)
    wait_reader(qtbot, window, hit.source)


def test_vanished_document_is_reported(qtbot, window, shipped_index, monkeypatch) -> None:
    ask(qtbot, window, QUESTION)
    hit = window.parts.results.model.hit(0)
    wait_reader(qtbot, window, hit.source)
    opened = []
    monkeypatch.setattr(
        "askcorpus.gui.window.reading.QDesktopServices.openUrl",
        lambda url: opened.append(url) or True,
    )
    window.reading.open_source()
    assert opened and opened[0].toLocalFile().endswith(hit.source)
    # Pretend the corpus lives elsewhere now: the file is gone, the window says so.
    monkeypatch.setattr(
        window.corpus, "settings", window.settings.with_paths(shipped_index.corpus_dir / "gone")
    )
    window.parts.reader.view = None
    window.reading.open_source()
    assert window.parts.error_bar.isVisibleTo(window)
    assert "no longer in the corpus folder" in window.parts.error_bar.label.text()


def test_enter_opens_the_source_and_esc_goes_back(qtbot, window, monkeypatch) -> None:
    opened = []
    monkeypatch.setattr(
        "askcorpus.gui.window.reading.QDesktopServices.openUrl",
        lambda url: opened.append(url.toLocalFile()) or True,
    )
    ask(qtbot, window, QUESTION)
    hit = window.parts.results.model.hit(0)
    wait_reader(qtbot, window, hit.source)
    window.parts.results.view.setFocus()
    qtbot.keyClick(window.parts.results.view, Qt.Key.Key_Return)
    assert opened and opened[0].endswith(hit.source)
    window.parts.reader.focus_text()
    qtbot.keyClick(window.parts.reader.text, Qt.Key.Key_Escape)
    assert window.parts.results.view.hasFocus()
    # Alt+Down walks to the next passage of the document.
    position = window.parts.reader.view.position
    if position < len(window.parts.reader.view.passages) - 1:
        qtbot.keyClick(window.parts.results.view, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: window.parts.reader.view.position == position + 1, timeout=TIMEOUT)


def test_tooltips_show_titles_as_text(qtbot, window) -> None:
    from dataclasses import replace

    from askcorpus.gui.views.results_model import HitRole

    ask(qtbot, window, QUESTION)
    hit = window.parts.results.model.index(0, 0).data(HitRole)
    window.parts.results.model.set_result(SearchResult("q", (replace(hit, title="<b>x</b>"),)))
    tip = window.parts.results.model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;x&lt;/b&gt;" in tip and "<b>x</b>" not in tip


def test_window_geometry_and_splitter_persist(qtbot, shipped_index, embedder, tmp_path) -> None:
    first = open_window(qtbot, shipped_index, embedder, tmp_path)
    first.resize(780, 640)  # the offscreen screen is 800 × 800
    first.parts.splitter.setSizes([400, 379])
    sizes = first.parts.splitter.sizes()
    first.close()
    second = open_window(qtbot, shipped_index, embedder, tmp_path)
    assert (second.width(), second.height()) == (780, 640)
    assert second.parts.splitter.sizes() == sizes


def test_palette_change_recolours_highlights(qtbot, window) -> None:
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    ask(qtbot, window, QUESTION)
    hit = window.parts.results.model.hit(0)
    wait_reader(qtbot, window, hit.source)

    def sentence_colour():
        selections = window.parts.reader.text.extraSelections()
        fmt = selections[-1].format
        return fmt.background().color().name()

    light = sentence_colour()
    app = QApplication.instance()
    original = app.palette()
    dark = QPalette(original)
    for role, colour in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.Base, "#1b1b1d"),
        (QPalette.ColorRole.Text, "#e8e8e8"),
        (QPalette.ColorRole.WindowText, "#e8e8e8"),
    ):
        dark.setColor(role, QColor(colour))
    try:
        app.setPalette(dark)
        qtbot.waitUntil(lambda: sentence_colour() != light, timeout=TIMEOUT)
        assert QColor(sentence_colour()).lightness() < 128  # a dark tint under light text
        window.parts.results.view.viewport().grab()
    finally:
        app.setPalette(original)


def test_find_similar_asks_the_passage_shown_leaving_its_document_out(qtbot, window) -> None:
    ask(qtbot, window, QUESTION)
    hit = window.parts.results.model.hit(0)
    wait_reader(qtbot, window, hit.source)
    tools = window.parts.reader.tools
    assert tools.exclude.isChecked()  # other documents by default
    with qtbot.waitSignal(window.engine.searchDone, timeout=TIMEOUT):
        qtbot.mouseClick(tools.similar_button, Qt.MouseButton.LeftButton)
    hits = window.parts.results.model.hits
    assert len(hits) >= 3
    assert all(h.source != hit.source for h in hits)
    # Left out inside retrieval, not dropped afterwards.
    assert window.reading.where.exclude_sources == {hit.source}
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    header = window.parts.results.header.text()
    assert "like “" in header and "in other documents" in header
    # Unticked, the passage itself is the best match.
    wait_reader(qtbot, window, hits[0].source)
    shown = window.parts.reader.view
    tools.exclude.setChecked(False)
    with qtbot.waitSignal(window.engine.searchDone, timeout=TIMEOUT):
        window.reading.find_similar_shown()
    first = window.parts.results.model.hit(0)
    assert (first.source, first.start) == (shown.document.source, shown.span[0])


def test_find_similar_asks_a_selection(qtbot, window) -> None:
    from PySide6.QtGui import QTextCursor

    ask(qtbot, window, QUESTION)
    hit = window.parts.results.model.hit(0)
    wait_reader(qtbot, window, hit.source)
    text = window.parts.reader.text
    qtbot.mouseClick(text.viewport(), Qt.MouseButton.LeftButton)  # the user takes over
    cursor = text.textCursor()
    cursor.setPosition(0)
    cursor.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.KeepAnchor, 40)
    text.setTextCursor(cursor)
    selected = window.parts.reader.selected_text().strip()
    with qtbot.waitSignal(window.engine.searchDone, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(window.parts.reader.tools.similar_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].result.query == selected
