"""Item models (checked with qtmodeltester), snippets, citations, offsets and preferences."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import html  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from askcorpus.gui.prefs import Preferences, index_dir_for  # noqa: E402
from askcorpus.gui.views.results_model import (  # noqa: E402
    BarRole,
    HitRole,
    ResultsModel,
    SkippedModel,
    relevance,
    relevance_bars,
)
from askcorpus.gui.views.snippets import (  # noqa: E402
    QtPositions,
    SnippetStyle,
    citation,
    snippet_html,
    snippet_span,
)
from askcorpus.records import Hit, SearchResult, SkippedFile  # noqa: E402
from askcorpus.search.index import Index  # noqa: E402
from askcorpus.settings import Settings  # noqa: E402

STYLE = SnippetStyle(sentence_bg="#ffeeaa", term_color="#000000")


@pytest.fixture()
def result(shipped_index, embedder) -> SearchResult:
    index = Index.open(shipped_index.index_dir, shipped_index, embedder)
    try:
        return index.search("When was the gas deal signed?", 8)
    finally:
        index.close()


def make_hit(text: str, highlight: tuple[int, int] | None = None, terms=()) -> Hit:
    return Hit(
        rank=1, score=0.5, passage_id=7, source="a.txt", title="A", start=100,
        end=100 + len(text), text=text, paragraph=3, highlight=highlight,
        matched_terms=tuple(terms), dense_score=0.5,
    )  # fmt: skip


def test_results_model_passes_qtmodeltester(qtmodeltester, result) -> None:
    model = ResultsModel()
    model.set_result(result)
    qtmodeltester.check(model)
    assert model.rowCount() == len(result.hits) > 0
    assert model.index(0, 0).data(HitRole) == result.hits[0]
    assert result.hits[0].title in model.index(0, 0).data()
    model.set_result(None)
    qtmodeltester.check(model)
    assert model.rowCount() == 0


def test_skipped_model_passes_qtmodeltester(qtmodeltester) -> None:
    model = SkippedModel()
    model.set_files(
        [SkippedFile("a.pdf", "no text layer — scanned?"), SkippedFile("b.txt", "empty file")]
    )
    qtmodeltester.check(model)
    assert model.index(0, 1).data() == "no text layer — scanned?"


def test_snippet_escapes_and_marks_sentence_and_terms() -> None:
    text = "First <b>sentence</b> & more. The gas deal was signed in May. Last one."
    a = text.index("The gas")
    b = text.index(" Last")
    hit = make_hit(text, (100 + a, 100 + b), terms=("gas", "signed"))
    out = snippet_html(hit, STYLE)
    assert "<b>sentence</b>" not in out and html.escape("<b>sentence</b>") in out
    assert '<span style="background-color:#ffeeaa">The' in out
    assert out.count("<b style=") == 2  # 'gas' and 'signed' (stemmed match)


def test_snippet_bolds_the_words_matched_terms_reports_in_any_spelling() -> None:
    # The search reports "defence" and "centre" as matched in a passage that spells them the
    # American way: the snippet must bold exactly those words, as the search matched them.
    from askcorpus.search.highlight import matched_terms

    text = "The Defense Ministry opened a research center. The fence was mended."
    question = "Where is the defence research centre?"
    terms = matched_terms(question, text)
    assert terms == ("defence", "research", "centre")
    out = snippet_html(make_hit(text, None, terms=terms), STYLE)
    bold = [m.split(">", 1)[1] for m in out.split("</b>")[:-1]]
    assert bold == ["Defense", "research", "center"]


def test_snippet_keeps_the_best_sentence_of_a_long_passage() -> None:
    filler = "word " * 200
    best = "The treaty was signed in Beijing on the twenty-first of May."
    text = filler + best + " " + filler
    a = text.index(best)
    hit = make_hit(text, (100 + a, 100 + a + len(best)))
    s, e = snippet_span(hit, 320)
    assert s <= a and a + len(best) <= e and e - s <= 330
    assert snippet_html(hit, STYLE).startswith("… ")


def test_qt_positions_count_astral_characters_twice_and_crlf_once() -> None:
    text = "a😀b😀c"
    m = QtPositions(text)
    assert [m(i) for i in range(len(text) + 1)] == [0, 1, 3, 4, 6, 7]
    assert QtPositions("plain")(3) == 3
    crlf = "ab\r\ncd\r\n😀e"
    m = QtPositions(crlf)
    # "\r\n" is one paragraph separator in Qt: 'c' (index 4) sits at 3, 'e' at 7 after the emoji.
    assert [m(i) for i in (0, 2, 4, 6, 8, 9)] == [0, 2, 3, 5, 6, 8]


def test_citation_quotes_the_passage_with_its_source() -> None:
    c = citation("The deal\nwas signed.", "Gas", Path("/c/gas.txt"), "¶ 4")
    assert c == "“The deal was signed.”\n— Gas, /c/gas.txt, ¶ 4"


def test_relevance_is_bounded() -> None:
    assert relevance(make_hit("x")) == pytest.approx((0.5 - 0.05) / 0.65)
    assert 0.0 <= relevance(make_hit("x")) <= 1.0


def test_relevance_bars_follow_the_ranking_and_shrink_without_an_answer(qapp) -> None:
    from dataclasses import replace

    # The best-ranked hit is less similar than the next (found by meaning and keywords).
    hits = (
        replace(make_hit("a"), rank=1, score=0.90, dense_score=0.60),
        replace(make_hit("b"), rank=2, score=0.88, dense_score=0.72),
        replace(make_hit("c"), rank=3, score=0.49, dense_score=0.73),
    )
    bars = relevance_bars(hits)
    assert list(bars) == sorted(bars, reverse=True)
    assert bars[0] == pytest.approx(0.90 * relevance(hits[2]))
    assert all(0.0 <= b <= 1.0 for b in bars)
    # Nothing in the corpus is close: short bars, even for the top of the list.
    far = tuple(replace(h, dense_score=0.06) for h in hits)
    assert max(relevance_bars(far)) < 0.05
    model = ResultsModel()
    model.set_result(SearchResult("q", hits, True))
    assert model.index(1, 0).data(BarRole) == pytest.approx(bars[1])


def test_index_folder_per_corpus(tmp_path) -> None:
    launch = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    (tmp_path / "corpus").mkdir()
    data = tmp_path / "data"
    assert index_dir_for(tmp_path / "corpus", launch, data) == tmp_path / "index"
    other = index_dir_for(tmp_path / "papers", launch, data)
    again = index_dir_for(tmp_path / "papers", launch, data)
    assert other == again and other.parent == data / "indexes"
    assert other.name.startswith("papers-")
    assert index_dir_for(tmp_path / "x" / "papers", launch, data) != other


def test_preferences_remember_recent_items(tmp_path) -> None:
    prefs = Preferences(tmp_path / "p.ini")
    for q in ("one", "two", "one"):
        prefs.add_recent_question(q)
    prefs.add_recent_corpus(tmp_path)
    prefs.sync()
    again = Preferences(tmp_path / "p.ini")
    assert again.recent_questions() == ["one", "two"]
    assert again.recent_corpora() == [tmp_path.resolve()]


def test_recent_questions_are_written_in_order_off_the_ui_thread(qapp, tmp_path) -> None:
    import gc

    from PySide6.QtCore import QThread

    prefs = Preferences(tmp_path / "p.ini")
    for i in range(30):
        prefs.add_recent_question(f"question {i}")
    assert prefs.recent_questions()[0] == "question 29"  # at once, before any write
    prefs.sync()
    # The QSettings that writes them (and so syncs the file) lives on the writer's thread.
    worker = prefs._background._worker
    assert worker is not None and worker.writer._qs is not None
    assert worker.writer._qs.thread() is worker.thread
    assert worker.thread is not QThread.currentThread()
    assert Preferences(tmp_path / "p.ini").recent_questions()[:2] == ["question 29", "question 28"]
    # Dropped without close(): its thread is stopped and the last write still lands.
    prefs.add_recent_question("last words")
    thread = worker.thread
    del prefs, worker
    gc.collect()
    assert not thread.isRunning()
    assert Preferences(tmp_path / "p.ini").recent_questions()[0] == "last words"


def test_span_location_names_the_pages_a_passage_covers() -> None:
    from askcorpus.gui.tasks import span_location
    from askcorpus.records import Document, Section

    text = "page one text\n\npage two text\n\npage three text"
    doc = Document(
        "a.pdf", Path("a.pdf"), "A", text, "h", 1, 0.0, "pdf",
        page_starts=(0, 15, 30), sections=(Section(15, "Methods"),),
    )  # fmt: skip
    assert span_location(doc, 0, 13, 1) == "p. 1 · ¶ 1"
    assert span_location(doc, 15, 45, 2) == "pp. 2–3 · ¶ 2 · Methods"
    plain = Document("a.txt", Path("a.txt"), "A", text, "h", 1, 0.0)
    assert span_location(plain, 15, 28, 2) == "¶ 2"
