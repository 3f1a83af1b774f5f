"""Every new format in one analyst's folder, mixed into the shipped corpus, indexed with the real
model: a question about each file finds that file first (and, for slides, the right page)."""

from __future__ import annotations

import shutil
from pathlib import Path

from askcorpus.embed.embedder import Embedder
from askcorpus.indexer.update import update_index
from askcorpus.search.index import Index
from askcorpus.settings import Settings

from ..conftest import SHIPPED_CORPUS, TEST_CACHE
from .scans import scanned_pdf
from .test_formats_epub import make_epub
from .test_formats_mail import message
from .test_formats_opendocument import make_odp, make_ods, make_odt
from .test_formats_pptx import make_deck
from .test_formats_rtf import RTF
from .test_formats_tables import make_xlsx
from .test_ocr import BOATS, HARBOUR

# (file, question, page or None)
QUESTIONS = [
    ("analyst/deck.pptx", "How many tonnes of cargo pass through Murmansk?", 3),
    ("analyst/deck.pptx", "Is icebreaker escort mandatory east of Dikson?", 2),
    ("analyst/trade.xlsx", "How much did Kazakhstan export?", None),
    ("analyst/stations.csv", "What temperature was recorded at Vostok station?", None),
    ("analyst/ferry.odt", "What time does the first ferry sailing leave?", None),
    ("analyst/grain.ods", "How much wheat is shipped from Novorossiysk?", None),
    ("analyst/barges.odp", "How high do the Iron Gate locks lift vessels?", 2),
    ("analyst/memo.rtf", "How much oil does the Caspian pipeline carry from Tengiz?", None),
    ("analyst/fram.epub", "How long did the Fram drift north in the pack ice?", None),
    ("analyst/duty.eml", "What is the new export duty on sunflower oil?", None),
    ("analyst/box.mbox", "When does the port of Taman reopen after dredging?", None),
    ("analyst/minutes.pdf", "What did the survey of fishing boats show?", 2),
    ("analyst/gas-ru.txt", "Когда газопровод начал поставки в Китай?", None),
    ("analyst/gas-zh.txt", "天然气管道每年输送多少立方米？", None),
]


def make_folder(folder: Path) -> None:
    """One file of each new format, each holding its own facts."""
    folder.mkdir(parents=True)
    make_deck(folder / "deck.pptx")
    make_xlsx(folder / "trade.xlsx")
    (folder / "stations.csv").write_text(
        "Station,Lowest temperature (°C),Year\nVostok,-89.2,1983\nOymyakon,-67.7,1933\n"
    )
    make_odt(folder / "ferry.odt")
    make_ods(folder / "grain.ods")
    make_odp(folder / "barges.odp")
    (folder / "memo.rtf").write_bytes(RTF)
    make_epub(folder / "fram.epub")
    (folder / "duty.eml").write_bytes(
        message("Sunflower oil duty", "The export duty on sunflower oil falls to 4 percent.\n")
    )
    # A scan (read by OCR), a Russian text in Windows-1251, a Chinese text in UTF-8.
    scanned_pdf(folder / "minutes.pdf", [HARBOUR, BOATS])
    (folder / "gas-ru.txt").write_bytes(
        "Газопровод «Сила Сибири» начал поставки газа в Китай в декабре 2019 года. "
        "Его длина превышает три тысячи километров.\n".encode("cp1251")
    )
    (folder / "gas-zh.txt").write_text(
        "中俄东线天然气管道于二零一九年投入使用。该管道每年向中国输送三百八十亿立方米天然气。\n",
        encoding="utf-8",
    )
    (folder / "box.mbox").write_bytes(
        b"".join(
            b"From sender@example.org Tue Jun  3 09:15:00 2025\n" + m + b"\n"
            for m in [
                message("Port closure", "The port of Taman closes on Friday for dredging.\n"),
                message("Re: Port closure", "Taman reopens on the 14th after dredging.\n"),
            ]
        )
    )


PLACES = {
    "analyst/deck.pptx": "slide ",
    "analyst/barges.odp": "slide ",
    "analyst/trade.xlsx": "Sheet ",
    "analyst/grain.ods": "Sheet ",
    "analyst/stations.csv": "",
    "analyst/ferry.odt": "¶ ",
    "analyst/memo.rtf": "¶ ",
    "analyst/fram.epub": "chapter: ",
    "analyst/duty.eml": "message: Sunflower oil duty",
    "analyst/box.mbox": "message ",
    "analyst/minutes.pdf": "p. ",
    "analyst/gas-ru.txt": "¶ ",
    "analyst/gas-zh.txt": "¶ ",
}


def test_a_question_about_each_file_finds_it_first(tmp_path: Path, embedder: Embedder) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SHIPPED_CORPUS, corpus)
    make_folder(corpus / "analyst")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", cache_dir=TEST_CACHE)
    report = update_index(settings, embedder)
    assert report.skipped == ()
    shipped = sum(1 for p in SHIPPED_CORPUS.rglob("*") if p.is_file())
    assert report.added == shipped + 13
    index = Index.open(settings.index_dir, settings, embedder)
    try:
        for source, question, page in QUESTIONS:
            top = index.search(question, 3).hits[0]
            assert (top.source, question) == (source, question)
            if page is not None:
                assert top.page == page, question
            # The short label of where it is, in the document's own terms (JSON `location`).
            assert top.place.startswith(PLACES[source]), (source, top.place)
            assert top.ocr == (source == "analyst/minutes.pdf"), source
            assert len(top.text.split()) <= 400 or source.endswith("-zh.txt"), source
        ru = index.search("Когда газопровод начал поставки в Китай?", 3).hits[0]
        assert "декабре 2019" in ru.text  # decoded from Windows-1251, quoted exactly
        zh = index.search("天然气管道每年输送多少立方米？", 3).hits[0]
        assert "三百八十亿立方米" in zh.text
    finally:
        index.close()
