"""OCR: scanned PDFs and image files are indexed and found with their page; OCR off or over
its limits is a skip with a reason; results are cached by page pixels (the real engine)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from askcorpus.embed.embedder import Embedder
from askcorpus.errors import SettingsError
from askcorpus.indexer.update import update_index
from askcorpus.ingest.documents import discover, load_document
from askcorpus.ingest.formats import UnreadableFile
from askcorpus.ingest.ocr import OcrOptions
from askcorpus.records import Document
from askcorpus.search.index import Index
from askcorpus.settings import Settings

from .scans import scan_image, scanned_pdf

HARBOUR = [
    "The harbour committee approved the budget for dredging the northern channel.",
    "Repairs to the old lighthouse will begin in April.",
]
BOATS = [
    "Maria Lindqvist presented the survey of fishing boats: owners want longer hours "
    "at the fuel dock.",
]
PENGUINS = ["Emperor penguins huddle together to survive the Antarctic winter."]


def load(path: Path, options: OcrOptions | None) -> Document:
    entries, _ = discover(path.parent)
    (entry,) = [e for e in entries if e.path == path]
    return load_document(entry, 10**8, options)


def skip_reason(path: Path, options: OcrOptions | None) -> str:
    with pytest.raises(UnreadableFile) as info:
        load(path, options)
    return info.value.message


def options(tmp_path: Path, **kwargs: int) -> OcrOptions:
    return OcrOptions(cache_dir=tmp_path / "ocr-cache", threads=1, **kwargs)


def cache_entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*/*.json"))


def test_scanned_pdf_and_image_are_indexed_and_found_on_their_page(
    tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    scanned_pdf(corpus / "minutes.pdf", [HARBOUR, BOATS])
    scan_image(PENGUINS, dpi=200).save(corpus / "note.png", dpi=(200, 200))
    settings = Settings(
        corpus_dir=corpus, index_dir=tmp_path / "index", cache_dir=tmp_path / "cache", threads=1
    )
    report = update_index(settings, embedder)
    assert report.skipped == () and report.added == 2
    index = Index.open(settings.index_dir, settings, embedder)
    try:
        boats = index.search("What did the survey of fishing boats show?", 3).hits[0]
        penguins = index.search("How do penguins get through the winter?", 3).hits[0]
    finally:
        index.close()
    assert boats.source == "minutes.pdf" and boats.page == 2
    assert boats.ocr and penguins.ocr  # the index keeps which pages were read by OCR
    assert "fuel dock" in boats.text and "Lindqvist" in boats.text
    assert penguins.source == "note.png" and penguins.page == 1
    assert "huddle together" in penguins.text


def test_ocr_pages_are_marked_and_text_keeps_word_spaces(tmp_path: Path) -> None:
    path = scanned_pdf(tmp_path / "docs" / "minutes.pdf", [HARBOUR, BOATS])
    doc = load(path, options(tmp_path))
    assert doc.kind == "pdf" and doc.ocr_pages == (1, 2)
    assert doc.page_at(doc.text.index("lighthouse")) == 1
    assert doc.page_at(doc.text.index("fuel dock")) == 2
    assert doc.is_ocr(doc.text.index("fuel dock"))
    words = set(doc.text.replace(".", " ").replace(":", " ").split())
    expected = set(" ".join(HARBOUR + BOATS).replace(".", " ").replace(":", " ").split())
    assert len(words & expected) >= 0.9 * len(expected), words


def test_ocr_off_skips_a_scan_and_an_image_with_the_reason(
    tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    scanned_pdf(corpus / "scan.pdf", [HARBOUR, BOATS])
    scan_image(PENGUINS).save(corpus / "note.jpg")
    (corpus / "kept.txt").write_text("The tide tables are printed every spring.")
    settings = Settings(
        corpus_dir=corpus, index_dir=tmp_path / "index", cache_dir=tmp_path / "cache", ocr=False
    )
    report = update_index(settings, embedder)
    reasons = {s.source: s.reason for s in report.skipped}
    assert report.added == 1
    assert reasons["scan.pdf"] == (
        "no text layer — scanned? (2 pages, needs OCR) — OCR is off (set ASKCORPUS_OCR=1 to "
        "read scans)"
    )
    assert reasons["note.jpg"].endswith("OCR is off (set ASKCORPUS_OCR=1 to read scans)")
    assert not (tmp_path / "cache" / "ocr").exists()


def test_second_read_takes_the_text_from_the_cache(tmp_path: Path) -> None:
    path = scanned_pdf(tmp_path / "docs" / "minutes.pdf", [HARBOUR, BOATS])
    opts = options(tmp_path)
    first = load(path, opts)
    entries = cache_entries(opts.cache_dir)  # type: ignore[arg-type]
    assert len(entries) == 2
    # Mark the cached lines: a second read that ran the engine again would not show the marks.
    stamps = {}
    for entry in entries:
        data = json.loads(entry.read_text())
        data["lines"] = [[f"cached {text}", *box] for text, *box in data["lines"]]
        entry.write_text(json.dumps(data))
        stamps[entry] = entry.stat().st_mtime_ns
    second = load(path, opts)
    assert second.text != first.text
    assert second.text.count("cached ") == sum(
        len(json.loads(e.read_text())["lines"]) for e in entries
    )
    assert cache_entries(opts.cache_dir) == entries  # type: ignore[arg-type]
    assert {e: e.stat().st_mtime_ns for e in entries} == stamps


def test_a_changed_page_is_read_again_and_the_unchanged_one_comes_from_the_cache(
    tmp_path: Path,
) -> None:
    path = scanned_pdf(tmp_path / "docs" / "minutes.pdf", [HARBOUR, BOATS])
    opts = options(tmp_path)
    load(path, opts)
    before = set(cache_entries(opts.cache_dir))  # type: ignore[arg-type]
    scanned_pdf(path, [HARBOUR, PENGUINS])
    doc = load(path, opts)
    after = set(cache_entries(opts.cache_dir))  # type: ignore[arg-type]
    assert "penguins" in doc.text and "lighthouse" in doc.text
    assert len(after - before) == 1 and before <= after  # one new page OCRed, one reused


def test_ocr_limits_skip_with_a_reason(tmp_path: Path) -> None:
    pdf = scanned_pdf(tmp_path / "docs" / "long.pdf", [HARBOUR, BOATS])
    assert skip_reason(pdf, options(tmp_path, max_pages=1)) == (
        "2 scanned pages — more than the OCR limit of 1 pages per file; split the file"
    )
    big = tmp_path / "docs" / "poster.png"
    scan_image(PENGUINS, dpi=100).save(big)
    assert skip_reason(big, options(tmp_path, max_image_pixels=1000)).startswith(
        "image too large for OCR"
    )
    assert not (tmp_path / "ocr-cache").exists()  # refused before any OCR ran


def test_ocr_switch_from_the_environment() -> None:
    assert Settings.from_env({}).ocr is True
    assert Settings.from_env({"ASKCORPUS_OCR": "0"}).ocr is False
    assert Settings.from_env({"ASKCORPUS_OCR": " 1 "}).ocr is True
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"ASKCORPUS_OCR": "yes"})
    assert "ASKCORPUS_OCR" in info.value.message and info.value.hint
    assert OcrOptions.from_settings(Settings(ocr=False)) is None
    opts = OcrOptions.from_settings(Settings(cache_dir=Path("/c"), threads=2))
    assert opts is not None and opts.cache_dir == Path("/c/ocr") and opts.threads == 2


def test_run_together_words_are_split_but_names_are_kept() -> None:
    from askcorpus.ingest.ocr import clean_line

    assert clean_line("boats,which showed thatowners wanted longer hoursatthefuel dock") == (
        "boats, which showed that owners wanted longer hours at the fuel dock"
    )
    assert clean_line("inarecentinterviewwithTheEconomist.") == (
        "in a recent interview with The Economist."
    )
    for kept in ("Maria Lindqvist", "Blagoveshchensk", "1,000 tonnes", "onnxruntime"):
        assert clean_line(kept) == kept


def test_a_sideways_photo_is_turned_upright_by_its_exif_orientation(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "docs" / "photo.jpg"
    path.parent.mkdir()
    sideways = scan_image(PENGUINS, dpi=200, angle=0.0).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the viewer turns it 90° clockwise to show it upright
    sideways.save(path, exif=exif, quality=90)
    doc = load(path, options(tmp_path))
    assert doc.kind == "image" and doc.ocr_pages == (1,)
    assert "huddle together" in doc.text
