"""The window on a corpus with a PDF: the hit shown on its page with the passage marked, the
text/page switch, renders off the UI thread (cancelled when the selection moves on), "Open at
page N" in a viewer that takes a page, and the OCR marks."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import stat  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from askcorpus.gui import viewer  # noqa: E402
from askcorpus.gui.tasks import DocumentView  # noqa: E402
from askcorpus.gui.views.reader_pane import ReaderPane  # noqa: E402
from askcorpus.gui.views.result_delegate import badges  # noqa: E402
from askcorpus.gui.views.results_model import ResultsModel, hit_tooltip  # noqa: E402
from askcorpus.indexer.update import update_index  # noqa: E402
from askcorpus.records import Document, Hit, SearchResult  # noqa: E402
from askcorpus.settings import Settings  # noqa: E402
from tests.conftest import TEST_CACHE, write  # noqa: E402
from tests.gui_helpers import TIMEOUT, ask, generated_text, open_window  # noqa: E402
from tests.makedocs import make_pdf  # noqa: E402

QUESTION = "Who built the Skerryvore lighthouse?"
LIGHTHOUSE = [
    "The Skerryvore lighthouse stands on a reef eleven miles south-west of Tiree.",
    "It was built between 1838 and 1844 by the engineer Alan Stevenson, who",
    "cut the granite blocks on the island of Mull and shipped them to the rock.",
    "",
    "At 48 metres it is the tallest lighthouse in Scotland. The keepers lived",
    "in the tower itself until the light was automated in 1994.",
]


def filler(seed: int) -> list[str]:
    words = generated_text(seed, 3, 45).split()
    return [" ".join(words[i : i + 12]) for i in range(0, len(words), 12)]


@pytest.fixture(scope="module")
def pdf_corpus(tmp_path_factory: pytest.TempPathFactory, embedder) -> Settings:
    base = tmp_path_factory.mktemp("pdfcorpus")
    corpus = base / "corpus"
    make_pdf(
        corpus / "lighthouses.pdf",
        [filler(1), filler(2) + [""] + LIGHTHOUSE, filler(3)],
        title="Lighthouses of the Hebrides",
    )
    write(corpus / "notes.txt", "Notes\n\n" + generated_text(7, 3))
    settings = Settings(corpus_dir=corpus, index_dir=base / "index", cache_dir=TEST_CACHE)
    update_index(settings, embedder)
    return settings


@pytest.fixture()
def window(qtbot, pdf_corpus, embedder, tmp_path):
    return open_window(qtbot, pdf_corpus, embedder, tmp_path)


def wait_page(qtbot, window) -> None:
    page = window.parts.reader.page_view
    qtbot.waitUntil(
        lambda: page.rendered is not None and page.rendered.request == page.request,
        timeout=TIMEOUT,
    )


def test_a_pdf_hit_is_shown_on_its_page_with_the_passage_marked(qtbot, window) -> None:
    ask(qtbot, window, QUESTION)
    hit = window.parts.results.model.hit(0)
    assert hit.source == "lighthouses.pdf" and hit.page == 2
    reader = window.parts.reader
    qtbot.waitUntil(lambda: reader.view is not None, timeout=TIMEOUT)
    assert reader.showing_page and reader.views.currentWidget() is reader.page_view
    wait_page(qtbot, window)
    page = reader.page_view
    assert page.target is not None and page.target.page == 2
    assert page.page_label.text() == "Page 2 of 3"
    rendered = page.rendered
    assert rendered.marked and rendered.sentence_rects
    # The best sentence is marked on the lighthouse paragraph, below the filler at the top.
    assert min(r.top for r in rendered.sentence_rects) > 0.15
    assert reader.open_button.text() == "Open at page 2"
    assert page.canvas.image is not None and not page.canvas.image.isNull()
    assert page.note.text() == ""


def test_switching_between_text_and_page_keeps_the_render(qtbot, window) -> None:
    ask(qtbot, window, QUESTION)
    wait_page(qtbot, window)
    reader = window.parts.reader
    renders = window.pages.renderer.renders
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert reader.views.currentWidget() is reader.text and reader.mode == "text"
    assert window.parts.reader.tools.text_button.isChecked()
    assert window.prefs.reader_mode() == "text"
    assert reader.selected_text() == reader.view.text
    qtbot.mouseClick(reader.tools.page_button, Qt.MouseButton.LeftButton)
    assert reader.views.currentWidget() is reader.page_view
    assert window.pages.renderer.renders == renders
    assert window.prefs.reader_mode() == "page"


def test_page_up_down_and_zoom(qtbot, window) -> None:
    ask(qtbot, window, QUESTION)
    wait_page(qtbot, window)
    page = window.parts.reader.page_view
    width = page.canvas.width()
    qtbot.mouseClick(page.prev_page, Qt.MouseButton.LeftButton)
    wait_page(qtbot, window)
    assert page.target.page == 1 and not page.rendered.marked
    assert page.note.text() == "The passage is not on this page"
    assert window.parts.reader.open_button.text() == "Open at page 1"
    assert not page.prev_page.isEnabled()
    qtbot.mouseClick(page.next_page, Qt.MouseButton.LeftButton)
    wait_page(qtbot, window)
    assert page.target.page == 2 and page.rendered.marked
    view = window.parts.reader.view
    if view.document.page_at(view.span[1] - 1) == 3:  # the passage runs on: marked there too
        qtbot.mouseClick(page.next_page, Qt.MouseButton.LeftButton)
        wait_page(qtbot, window)
        assert page.rendered.marked and not page.next_page.isEnabled()
    # Page Down past the bottom of a page turns to the next, Page Up past the top back.
    bar = page.scroller.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.keyClick(page.scroller, Qt.Key.Key_PageDown)
    wait_page(qtbot, window)
    assert page.target.page == 3
    bar.setValue(0)
    qtbot.keyClick(page.scroller, Qt.Key.Key_PageUp)
    wait_page(qtbot, window)
    assert page.target.page == 2
    qtbot.mouseClick(page.zoom_in, Qt.MouseButton.LeftButton)
    assert page.canvas.width() > width * 1.1
    wait_page(qtbot, window)  # rendered again, sharper
    assert page.rendered.request.scale > page.request.scale / 1.3
    qtbot.mouseClick(page.zoom_fit, Qt.MouseButton.LeftButton)
    assert page.canvas.width() == width
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    viewport = page.scroller.viewport()
    wheel = QWheelEvent(
        QPointF(50, 50),
        QPointF(viewport.mapToGlobal(QPoint(50, 50))),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewport, wheel)
    assert page.canvas.width() > width * 1.1  # Ctrl+wheel zooms


def test_renders_run_off_the_ui_thread_and_a_superseded_one_is_cancelled(qtbot, window) -> None:
    ask(qtbot, window, QUESTION)
    wait_page(qtbot, window)
    pages = window.pages
    view = window.parts.reader.page_view
    shown = view.rendered
    gate = threading.Event()
    pages.runner.submit(gate.wait, 30)  # the page worker is busy with something else
    before = pages.cancelled
    view.go_to_page(-1)  # page 1, then back to page 2 before page 1 was rendered
    view.go_to_page(1)
    assert view.rendered is shown  # nothing waited for the worker
    gate.set()
    qtbot.waitUntil(
        lambda: view.rendered is not shown and view.rendered.request == view.request,
        timeout=TIMEOUT,
    )
    assert view.rendered.request.page == 2
    assert pages.cancelled >= before + 1  # page 1 was never rendered


def test_selecting_a_text_document_leaves_the_page_view(qtbot, window) -> None:
    ask(qtbot, window, QUESTION)
    wait_page(qtbot, window)
    results = window.parts.results
    row = next(i for i, h in enumerate(results.model.hits) if h.source == "notes.txt")
    results.select_row(row)
    reader = window.parts.reader
    qtbot.waitUntil(
        lambda: reader.view is not None and reader.view.document.source == "notes.txt",
        timeout=TIMEOUT,
    )
    assert reader.views.currentWidget() is reader.text
    assert not reader.tools.page_button.isVisible()
    assert reader.open_button.text() == "Open in default app"


def fake_viewer(folder: Path, name: str, log: Path) -> Path:
    folder.mkdir(exist_ok=True)
    script = folder / name
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$0" "$@" > "{log}"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_viewer_commands_pass_the_page(tmp_path) -> None:
    bin_dir = tmp_path / "bin"
    file = tmp_path / "a.pdf"
    assert viewer.page_command(file, 4, search_path=str(tmp_path / "empty")) is None
    fake_viewer(bin_dir, "okular", tmp_path / "log")
    assert viewer.page_command(file, 4, str(bin_dir)) == [
        str(bin_dir / "okular"),
        "-p",
        "4",
        str(file),
    ]
    fake_viewer(bin_dir, "evince", tmp_path / "log")
    # Both installed, no default known: the first of the list; the desktop's default wins.
    assert viewer.page_command(file, 4, str(bin_dir))[1] == "--page-index=4"
    mime = bin_dir / "xdg-mime"
    mime.write_text("#!/bin/sh\necho okularApplication_pdf.desktop\n")
    mime.chmod(0o755)
    assert viewer.page_command(file, 4, str(bin_dir))[1:3] == ["-p", "4"]


def test_open_at_page_starts_the_viewer(qtbot, window, tmp_path, monkeypatch) -> None:
    log = tmp_path / "argv"
    bin_dir = tmp_path / "bin"
    fake_viewer(bin_dir, "zathura", log)
    monkeypatch.setenv("PATH", str(bin_dir))
    ask(qtbot, window, QUESTION)
    wait_page(qtbot, window)
    qtbot.mouseClick(window.parts.reader.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: log.exists() and log.read_text().count("\n") >= 4, timeout=TIMEOUT)
    argv = log.read_text().splitlines()
    pdf = (window.settings.corpus_dir / "lighthouses.pdf").resolve()
    assert argv[1:] == ["-P", "2", str(pdf)]
    assert "at page 2 in zathura" in window.parts.status.currentMessage()


def ocr_hit(**kw: object) -> Hit:
    base = {
        "rank": 1,
        "score": 0.9,
        "passage_id": 1,
        "source": "scan.pdf",
        "title": "Scan",
        "start": 0,
        "end": 20,
        "text": "Recognised text here",
        "paragraph": 1,
        "page": 1,
        "kind": "pdf",
    }
    return Hit(**{**base, **kw})  # type: ignore[arg-type]


def test_ocr_hits_carry_a_badge_and_a_note(qtbot) -> None:
    assert badges(ocr_hit(ocr=True)) == ("OCR",) and badges(ocr_hit()) == ()
    assert "recognition errors" in hit_tooltip(ocr_hit(ocr=True))
    assert "recognition errors" not in hit_tooltip(ocr_hit())
    model = ResultsModel()
    model.set_result(SearchResult("q", (ocr_hit(ocr=True),)))
    assert "Read by OCR" in model.data(model.index(0, 0), Qt.ItemDataRole.AccessibleTextRole)
    text = "Recognised text here\n\nA page with a text layer."
    doc = Document(
        "scan.pdf",
        Path("scan.pdf"),
        "Scan",
        text,
        "h",
        1,
        0.0,
        kind="pdf",
        page_starts=(0, 22),
        ocr_pages=(1,),
    )
    pane = ReaderPane()
    qtbot.addWidget(pane)
    pane.show()
    pane.set_mode("text")
    pane.show_view(DocumentView(doc, Path("/x/scan.pdf"), ((1, 0, 20),), 0, (0, 20), None, "ok"))
    assert pane.ocr_note.isVisible() and "recognition errors" in pane.ocr_note.text()
    pane.show_view(DocumentView(doc, Path("/x/scan.pdf"), ((2, 22, 47),), 0, (22, 47), None, "ok"))
    assert not pane.ocr_note.isVisible()
