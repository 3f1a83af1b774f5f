"""The reading pane on its own: exact selection even after emoji, highlights, file states."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

from askcorpus.gui.tasks import DocumentView  # noqa: E402
from askcorpus.gui.views.reader_pane import ReaderPane  # noqa: E402
from askcorpus.gui.views.snippets import QtPositions  # noqa: E402
from askcorpus.records import Document  # noqa: E402

TEXT = (
    "Intro 😀 with an emoji and a mathematical 𝔸.\n\n"
    "The second paragraph 🚀 holds the passage. It has two sentences.\r\n\r\n"
    "A third <b>paragraph</b> & the end."
)


def view(start: int, end: int, state: str = "ok") -> DocumentView:
    doc = Document("d.txt", Path("d.txt"), "Doc", TEXT, "h", len(TEXT), 0.0)
    passages = ((1, 0, 44), (2, start, end), (3, end + 4, len(TEXT)))
    return DocumentView(doc, Path("/x/d.txt"), passages, 1, (start, end), None, state, "¶ 2")


def test_selection_is_exact_after_astral_characters(qtbot) -> None:
    pane = ReaderPane()
    qtbot.addWidget(pane)
    start = TEXT.index("The second")
    end = TEXT.index("sentences.") + len("sentences.")
    pane.show_view(view(start, end))
    assert pane.selected_text() == TEXT[start:end]
    assert pane.text.toPlainText().count("<b>") == 1  # shown as text, not markup
    assert pane.position_label.text() == "Passage 2 of 3"
    assert pane.prev_button.isEnabled() and pane.next_button.isEnabled()
    assert not pane.notice.isVisibleTo(pane)


def test_best_sentence_is_marked(qtbot) -> None:
    pane = ReaderPane()
    qtbot.addWidget(pane)
    start = TEXT.index("The second")
    end = TEXT.index("sentences.") + len("sentences.")
    sentence = (TEXT.index("It has"), end)
    v = view(start, end)
    pane.show_view(
        DocumentView(**{**{f: getattr(v, f) for f in v.__slots__}, "highlight": sentence})
    )
    extras = pane.text.extraSelections()
    assert [e.cursor.selectedText() for e in extras] == [TEXT[start:end], "It has two sentences."]


def test_blank_lines_inside_a_passage_are_not_tinted(qtbot) -> None:
    pane = ReaderPane()
    qtbot.addWidget(pane)
    start, end = 0, TEXT.index("sentences.") + len("sentences.")
    pane.show_view(view(start, end))
    tinted = [e.cursor.selectedText() for e in pane.text.extraSelections()]
    assert tinted == [
        "Intro 😀 with an emoji and a mathematical 𝔸.",
        "The second paragraph 🚀 holds the passage. It has two sentences.",
    ]
    assert pane.selected_text() == TEXT[start:end]


def test_tints_follow_the_paragraphs_the_chunker_sees(qtbot) -> None:
    # A line holding only a no-break space separates paragraphs for the chunker; the reader's
    # tints use the same split, so that line is not painted as part of a paragraph.
    from askcorpus.text.sentences import paragraph_spans

    text = "First paragraph here.\n\u00a0\nSecond paragraph here.  \n\nThird."
    doc = Document("d.txt", Path("d.txt"), "Doc", text, "h", len(text), 0.0)
    end = text.index("Third") - 2
    v = DocumentView(doc, Path("/x/d.txt"), ((1, 0, end),), 0, (0, end), None, "ok", "¶ 1")
    pane = ReaderPane()
    qtbot.addWidget(pane)
    pane.show_view(v)
    tinted = [e.cursor.selectedText() for e in pane.text.extraSelections()]
    assert tinted == [text[a:b] for a, b in paragraph_spans(text, 0, end)]
    assert tinted == ["First paragraph here.", "Second paragraph here."]


def test_changed_and_missing_files_are_flagged(qtbot) -> None:
    pane = ReaderPane()
    qtbot.addWidget(pane)
    pane.show()
    pane.show_view(view(46, 80, "changed"))
    assert pane.notice.isVisible() and "changed since it was indexed" in pane.notice.label.text()
    pane.show_view(view(46, 80, "missing"))
    assert "no longer in the corpus folder" in pane.notice.label.text()
    assert not pane.open_button.isEnabled()


def test_find_in_document(qtbot) -> None:
    from PySide6.QtCore import Qt

    pane = ReaderPane()
    qtbot.addWidget(pane)
    pane.show()
    start = TEXT.index("The second")
    pane.show_view(view(start, start + 20))
    pane.open_find()
    assert pane.find_bar.isVisible()
    qtbot.keyClicks(pane.find_bar.field, "PARAGRAPH")
    assert pane.selected_text().lower() == "paragraph"
    assert pane.find_bar.count.text() == "1 of 2"
    qtbot.keyClick(pane.find_bar.field, Qt.Key.Key_Return)
    assert pane.find_bar.count.text() == "2 of 2"
    second = TEXT.index("paragraph</b>")
    assert pane.text.textCursor().selectionStart() == QtPositions(TEXT)(second)
    qtbot.keyClick(pane.find_bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert pane.find_bar.count.text() == "1 of 2"
    qtbot.keyClicks(pane.find_bar.field, "zzz")
    assert pane.find_bar.count.text() == "No matches"
    qtbot.keyClick(pane.find_bar.field, Qt.Key.Key_Escape)
    assert not pane.find_bar.isVisible()


def test_passages_after_windows_line_breaks_stay_exact(qtbot) -> None:
    pane = ReaderPane()
    qtbot.addWidget(pane)
    start = TEXT.index("It has")
    end = TEXT.index("the end.") + len("the end.")
    pane.show_view(view(start, end))
    # Qt turns "\r\n" into one paragraph break; everything else is character for character.
    assert pane.selected_text() == TEXT[start:end].replace("\r\n", "\n")
    extras = pane.text.extraSelections()
    assert extras[-1].cursor.selectedText() == "A third <b>paragraph</b> & the end."


def test_passage_is_scrolled_into_view_in_whole_lines(qtbot) -> None:
    from PySide6.QtCore import QPoint

    long_text = "\n\n".join(
        f"Paragraph {i}: " + "words that wrap over several lines of the pane " * 6
        for i in range(60)
    )
    doc = Document("l.txt", Path("l.txt"), "Long", long_text, "h2", len(long_text), 0.0)
    start = long_text.index("Paragraph 40:")
    end = long_text.index("Paragraph 41:") - 2
    pane = ReaderPane()
    qtbot.addWidget(pane)
    pane.resize(700, 500)
    pane.show()
    qtbot.waitExposed(pane)
    for offset in range(0, 300, 13):  # pane heights put the top edge across a line or not
        pane.resize(700, 500 + offset)
        pane.show_view(
            DocumentView(doc, Path("/x/l.txt"), ((1, start, end),), 0, (start, end), None, "ok")
        )
        qtbot.wait(20)
        text = pane.text
        top_line = text.cursorRect(text.cursorForPosition(QPoint(24, 1)))
        assert top_line.top() >= 0  # no line cut in half at the top edge
        passage = text.cursorRect(text.textCursor())
        assert 0 <= passage.top() < text.viewport().height() // 2


def test_a_marked_sentence_deep_in_a_long_passage_is_scrolled_into_view(qtbot) -> None:
    long_text = "\n\n".join(
        f"Paragraph {i}: " + "words that wrap over several lines of the pane " * 6
        for i in range(60)
    )
    doc = Document("l.txt", Path("l.txt"), "Long", long_text, "h3", len(long_text), 0.0)
    start = long_text.index("Paragraph 20:")
    end = long_text.index("Paragraph 40:") - 2
    sentence = (long_text.index("Paragraph 37:"), long_text.index("Paragraph 38:") - 2)
    pane = ReaderPane()
    qtbot.addWidget(pane)
    pane.resize(700, 500)
    pane.show()
    qtbot.waitExposed(pane)
    pane.show_view(
        DocumentView(doc, Path("/x/l.txt"), ((1, start, end),), 0, (start, end), sentence, "ok")
    )
    qtbot.wait(20)
    text, positions = pane.text, QtPositions(long_text)

    def rect(pos: int):  # type: ignore[no-untyped-def]
        from PySide6.QtGui import QTextCursor

        cursor = QTextCursor(text.document())
        cursor.setPosition(positions(pos))
        return text.cursorRect(cursor)

    assert rect(sentence[0]).top() >= 0
    assert rect(sentence[1]).bottom() <= text.viewport().height()
    # A short passage stays where it was: its start near the top.
    short = (long_text.index("Paragraph 50:"), long_text.index("Paragraph 51:") - 2)
    pane.show_view(DocumentView(doc, Path("/x/l.txt"), ((2, *short),), 0, short, short, "ok"))
    qtbot.wait(20)
    assert 0 <= rect(short[0]).top() < text.viewport().height() // 4
