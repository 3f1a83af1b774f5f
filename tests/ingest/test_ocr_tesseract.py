"""The Tesseract OCR engine (ASKCORPUS_OCR=tesseract): English spacing, Cyrillic and Chinese
read from scans, a clear error when it is asked for but missing; OCR of either engine stops
between pages when the run is cancelled and reports each page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from askcorpus.errors import Cancelled, SettingsError
from askcorpus.ingest import tesseract
from askcorpus.ingest.documents import discover, load_document
from askcorpus.ingest.ocr import OcrOptions, engine_id
from askcorpus.records import Document
from askcorpus.settings import Settings

from .scans import scanned_pdf

HAVE_TESSERACT = bool(tesseract.languages())
needs_tesseract = pytest.mark.skipif(
    not HAVE_TESSERACT,
    reason="tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng "
    "tesseract-ocr-rus tesseract-ocr-chi-sim)",
)
CJK_FONT = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")

BOATS = (
    "Maria Lindqvist presented the survey of fishing boats: owners want longer hours at the "
    "fuel dock."
)
PIPELINE_RU = "Газопровод «Сила Сибири» доставляет газ из Якутии к границе с Китаем."


def load(path: Path, options: OcrOptions | None) -> Document:
    entries, _ = discover(path.parent)
    (entry,) = [e for e in entries if e.path == path]
    return load_document(entry, 10**8, options)


def tess(tmp_path: Path, **kwargs: object) -> OcrOptions:
    return OcrOptions(cache_dir=tmp_path / "cache", threads=1, engine="tesseract", **kwargs)  # type: ignore[arg-type]


def test_the_engine_is_chosen_by_ascii_ocr() -> None:
    assert Settings.from_env({}).ocr_engine == "auto"
    chosen = Settings.from_env({"ASKCORPUS_OCR": "Tesseract"})
    assert chosen.ocr and chosen.ocr_engine == "tesseract"
    assert Settings.from_env({"ASKCORPUS_OCR": "rapidocr"}).ocr_engine == "rapidocr"
    assert Settings.from_env({"ASKCORPUS_OCR": "1"}).ocr_engine == "auto"
    with pytest.raises(SettingsError, match="rapidocr or tesseract to name"):
        Settings.from_env({"ASKCORPUS_OCR": "abbyy"})
    assert engine_id("tesseract") != engine_id("rapidocr")  # never each other's cache


def test_tesseract_asked_for_but_missing_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no tesseract on it
    tesseract.installed_languages.cache_clear()
    try:
        settings = Settings(corpus_dir=tmp_path, index_dir=tmp_path / "i", ocr_engine="tesseract")
        with pytest.raises(SettingsError) as info:
            OcrOptions.from_settings(settings)
        line = info.value.user_message()
        assert "\n" not in line and "apt-get install tesseract-ocr" in line
        assert (
            OcrOptions.from_settings(Settings(corpus_dir=tmp_path, index_dir=tmp_path)) is not None
        )
    finally:
        monkeypatch.undo()
        tesseract.installed_languages.cache_clear()


@needs_tesseract
def test_tesseract_reads_english_with_its_spaces_and_cyrillic(tmp_path: Path) -> None:
    path = scanned_pdf(tmp_path / "c" / "memo.pdf", [[BOATS], [PIPELINE_RU]])
    doc = load(path, tess(tmp_path))
    assert doc.ocr_pages == (1, 2)
    assert "owners want longer hours at the fuel dock" in " ".join(doc.text.split())
    assert "Газопровод «Сила Сибири»" in doc.text
    assert doc.page_at(doc.text.index("Газопровод")) == 2
    assert doc.language in ("en", "ru")


@needs_tesseract
@pytest.mark.skipif(not CJK_FONT.exists(), reason="no CJK font to draw the scan with")
def test_tesseract_reads_chinese_without_spaces_between_characters(tmp_path: Path) -> None:
    image = Image.new("L", (900, 220), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(CJK_FONT), 44)
    draw.text((40, 40), "中俄两国签署了天然气供应协议", fill=0, font=font)
    draw.text((40, 120), "总价值约四千亿美元。", fill=0, font=font)
    rng = np.random.default_rng(0)
    noisy = np.asarray(image, dtype=np.int16) + rng.normal(0, 12, (220, 900))
    (tmp_path / "c").mkdir()
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(tmp_path / "c" / "zh.png")
    doc = load(tmp_path / "c" / "zh.png", tess(tmp_path))
    assert "天然气供应协议" in doc.text
    assert doc.language == "zh"


def _any_engine(tmp_path: Path, **kwargs: object) -> OcrOptions:
    if HAVE_TESSERACT:
        return tess(tmp_path, **kwargs)
    return OcrOptions(cache_dir=tmp_path / "cache", threads=1, **kwargs)  # type: ignore[arg-type]


def test_ocr_reports_each_page_and_stops_between_pages_when_cancelled(tmp_path: Path) -> None:
    pages = [[f"Page {n}: the harbour committee met on the {n}th of April."] for n in (1, 2, 3)]
    path = scanned_pdf(tmp_path / "c" / "minutes.pdf", pages)
    seen: list[tuple[int, int]] = []
    doc = load(path, _any_engine(tmp_path, on_page=lambda d, t: seen.append((d, t))))
    assert seen == [(1, 3), (2, 3), (3, 3)] and doc.ocr_pages == (1, 2, 3)

    stop: list[tuple[int, int]] = []  # cancel as soon as the first page is done
    options = _any_engine(
        tmp_path / "fresh", on_page=lambda d, t: stop.append((d, t)), cancelled=lambda: bool(stop)
    )
    with pytest.raises(Cancelled, match="cancelled during OCR"):
        load(path, options)
    assert stop == [(1, 3)]  # page 2 was never read


def test_auto_picks_tesseract_where_installed_else_the_bundled_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(corpus_dir=tmp_path, index_dir=tmp_path / "i")
    assert settings.ocr_engine == "auto"
    options = OcrOptions.from_settings(settings)
    assert options is not None
    assert options.engine == ("tesseract" if tesseract.languages() else "rapidocr")
    # Without a tesseract on PATH, auto falls back to RapidOCR (never an error).
    tesseract.installed_languages.cache_clear()
    monkeypatch.setenv("PATH", str(tmp_path))
    try:
        fallback = OcrOptions.from_settings(settings)
        assert fallback is not None and fallback.engine == "rapidocr"
    finally:
        tesseract.installed_languages.cache_clear()
