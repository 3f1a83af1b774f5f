"""OCR, offline: the text lines of a page image (a scanned PDF page, a photo of a page).

The default engine is RapidOCR (``rapidocr-onnxruntime``): PP-OCR detection and recognition
models shipped inside its wheel, run on onnxruntime, so nothing is downloaded. It is loaded
lazily, once per process; a missing package costs only OCR (:func:`blocker` says what to
install). ``Settings.ocr_engine = "tesseract"`` (``ASKCORPUS_OCR=tesseract``) runs the system's
Tesseract instead (:mod:`askcorpus.ingest.tesseract`, eng+rus+chi_sim): asked for but not
installed, it is a :class:`~askcorpus.errors.SettingsError` when indexing starts.

Readers OCR page by page and call :func:`next_page` before each: it raises
:class:`~askcorpus.errors.Cancelled` once the indexer's cancel flag is up (a 300-page scan
stops between two pages, not at its end), and reports "OCR page 3 of 41" (the log, and
``OcrOptions.on_page``).

Results are cached on disk by the hash of the page image's pixels and the engine version, so an
update re-reads a changed PDF without re-OCRing its unchanged pages. The cache keeps the raw
lines with their boxes: how lines become paragraphs may change without a new OCR run.

Readers get the options through :func:`enabled` (set by ``load_document`` around the reader
call) rather than through the reader signature, which every format shares.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from askcorpus.errors import Cancelled, SettingsError
from askcorpus.ingest import tesseract

if TYPE_CHECKING:
    from PIL.Image import Image

    from askcorpus.settings import OcrEngineChoice, Settings

log = logging.getLogger(__name__)

_ENGINE_MODULE = "rapidocr_onnxruntime"
_ENGINE_PACKAGE = "rapidocr-onnxruntime"
# Bump when what is cached changes meaning (not when paragraphing changes: that runs after).
_CACHE_FORMAT = 1


@dataclass(frozen=True, slots=True)
class OcrLine:
    """One recognised line, with its box in image pixels (y grows downwards)."""

    text: str
    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True, slots=True)
class OcrPage:
    """The lines of one page image in reading order (top to bottom, left to right)."""

    lines: tuple[OcrLine, ...]
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class OcrOptions:
    """How OCR runs while reading files; see :meth:`from_settings`.

    ``max_pixels`` bounds the image given to the engine (larger pages are rendered or scaled
    smaller); ``max_image_pixels`` is the largest image file decoded at all; ``max_pages`` the
    most pages of one file that are OCRed (a longer scan is skipped with that reason).
    """

    cache_dir: Path | None = None
    threads: int | None = None
    dpi: float = 200.0
    max_pixels: int = 12_000_000
    max_image_pixels: int = 100_000_000
    max_pages: int = 300
    engine: OcrEngineChoice = "rapidocr"
    #: True once the run is cancelled (the indexer's flag): OCR stops before the next page.
    cancelled: Callable[[], bool] | None = field(default=None, compare=False)
    #: Called with (page done, pages to OCR in this file) after each page.
    on_page: Callable[[int, int], None] | None = field(default=None, compare=False)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        cancelled: Callable[[], bool] | None = None,
        on_page: Callable[[int, int], None] | None = None,
    ) -> OcrOptions | None:
        """The options ``settings`` ask for, or None when OCR is turned off; raises
        :class:`SettingsError` when they name Tesseract and it is not installed."""
        if not settings.ocr:
            return None
        engine: OcrEngineChoice
        if settings.ocr_engine == "auto":
            # Tesseract reads better and faster where installed (docs/benchmarks.md, OCR).
            engine = "tesseract" if tesseract.languages() else "rapidocr"
        else:
            engine = settings.ocr_engine
        if engine == "tesseract" and not tesseract.languages():
            raise SettingsError(
                "OCR engine tesseract was asked for but is not installed (or has none of its "
                "eng, rus, chi_sim languages)",
                hint="apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-rus "
                "tesseract-ocr-chi-sim, or set ASKCORPUS_OCR=rapidocr for the bundled engine",
            )
        cache = settings.cache_dir or Path.home() / ".cache" / "askcorpus"
        return cls(
            cache_dir=cache / "ocr",
            threads=settings.threads,
            engine=engine,
            cancelled=cancelled,
            on_page=on_page,
        )


_ACTIVE: ContextVar[OcrOptions | None] = ContextVar("askcorpus_ocr", default=None)


@contextlib.contextmanager
def enabled(options: OcrOptions | None) -> Iterator[None]:
    """Readers called inside this block OCR with ``options`` (None: OCR off)."""
    token = _ACTIVE.set(options)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def active() -> OcrOptions | None:
    """The options of the enclosing :func:`enabled` block; None when OCR is off."""
    return _ACTIVE.get()


def next_page(options: OcrOptions, done: int, total: int, path: object = "") -> None:
    """Between two pages of one file's OCR: raises :class:`Cancelled` when the run was
    cancelled, else reports ``done`` of ``total`` pages (0 before the first)."""
    if options.cancelled is not None and options.cancelled():
        raise Cancelled("indexing cancelled during OCR; the previous index is unchanged")
    if done:
        log.info("%s: OCR page %d of %d", path, done, total)
        if options.on_page is not None:
            options.on_page(done, total)


def blocker() -> str | None:
    """Why OCR cannot run now (a reason with what to do), or None when it can."""
    options = _ACTIVE.get()
    if options is None:
        return "OCR is off (set ASKCORPUS_OCR=1 to read scans)"
    if options.engine == "tesseract":
        if not tesseract.languages():
            return "Tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng)"
        return None
    if importlib.util.find_spec(_ENGINE_MODULE) is None:
        return f"OCR is not installed (pip install --no-deps {_ENGINE_PACKAGE}; its other needs come with askcorpus)"
    return None


def engine_id(engine: OcrEngineChoice = "rapidocr") -> str:
    """Engine name and version: part of every cache key, so an upgrade re-OCRs (and the two
    engines never share results)."""
    if engine == "tesseract":
        return f"{tesseract.version()} {tesseract.languages()} cache{_CACHE_FORMAT}"
    try:
        version = importlib.metadata.version(_ENGINE_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return f"{_ENGINE_PACKAGE} {version} cache{_CACHE_FORMAT}"


def fit_scale(width: float, height: float, scale: float, max_pixels: int) -> float:
    """``scale``, reduced so a ``width`` × ``height`` page scaled by it has at most
    ``max_pixels`` pixels."""
    pixels = width * height * scale * scale
    if pixels <= max_pixels:
        return scale
    return scale * (max_pixels / pixels) ** 0.5


def upscale_for(dpi: float | None) -> float:
    """How much to enlarge an image of ``dpi`` (None: unknown) before OCR.

    The recogniser drops most spaces between English words in 11 pt type at 150 dpi
    ("hoursatthefueldock") and keeps them at an effective 300 dpi, but only when the image is
    enlarged smoothly (Lanczos): pdfium's own rendering at 300 dpi is blocky and loses them too.
    """
    if not dpi or dpi <= 0:
        return 1.0
    return min(2.0, max(1.0, TARGET_DPI / dpi))


TARGET_DPI = 300.0


def recognize(image: Image, options: OcrOptions, upscale: float = 1.0) -> OcrPage:
    """The text lines of ``image`` (enlarged by ``upscale``), from the cache when these pixels
    were read before."""
    from PIL import Image as PILImage

    gray = image.convert("L")
    factor = fit_scale(gray.width, gray.height, upscale, options.max_pixels)
    if factor != 1.0:
        size = (max(1, round(gray.width * factor)), max(1, round(gray.height * factor)))
        gray = gray.resize(size, PILImage.Resampling.LANCZOS)
    key = _cache_key(gray, options.engine)
    cached = _cache_get(options.cache_dir, key)
    if cached is not None:
        return cached
    if options.engine == "tesseract":
        lines = [OcrLine(*box) for box in tesseract.recognize_lines(gray, options.threads)]
        page = OcrPage(tuple(lines), gray.width, gray.height)
    else:
        page = _run_engine(gray, options.threads)
    _cache_put(options.cache_dir, key, page, options.engine)
    return page


def cache_path(cache_dir: Path, key: str) -> Path:
    """Where the result for ``key`` is kept."""
    return cache_dir / key[:2] / f"{key}.json"


def _cache_key(gray: Image, engine: OcrEngineChoice) -> str:
    digest = hashlib.sha256()
    digest.update(f"{engine_id(engine)}|{gray.width}x{gray.height}|".encode())
    digest.update(gray.tobytes())
    return digest.hexdigest()


def _cache_get(cache_dir: Path | None, key: str) -> OcrPage | None:
    if cache_dir is None:
        return None
    try:
        data = json.loads(cache_path(cache_dir, key).read_text(encoding="utf-8"))
        lines = tuple(
            OcrLine(str(t), float(a), float(b), float(c), float(d))
            for t, a, b, c, d in data["lines"]
        )
        return OcrPage(lines, int(data["width"]), int(data["height"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError):  # a damaged entry is only a cache miss
        log.debug("unusable OCR cache entry %s", key, exc_info=True)
        return None


def _cache_put(cache_dir: Path | None, key: str, page: OcrPage, engine: OcrEngineChoice) -> None:
    if cache_dir is None:
        return
    target = cache_path(cache_dir, key)
    data = {
        "engine": engine_id(engine),
        "width": page.width,
        "height": page.height,
        "lines": [[ln.text, ln.left, ln.top, ln.right, ln.bottom] for ln in page.lines],
    }
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a crash or a second process never leaves half an entry.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
        os.replace(tmp, target)
    except OSError:  # a full or read-only cache costs the next run time, not this result
        log.warning("cannot write the OCR cache in %s", cache_dir, exc_info=True)


_ENGINES: dict[int | None, Any] = {}
# One engine call at a time: the window reads in a worker thread while the CLI may not.
_ENGINE_LOCK = threading.Lock()


def _run_engine(gray: Image, threads: int | None) -> OcrPage:
    import numpy as np

    with _ENGINE_LOCK:
        engine = _ENGINES.get(threads)
        if engine is None:
            module = importlib.import_module(_ENGINE_MODULE)
            n = threads if threads else -1  # -1: onnxruntime's own choice
            engine = module.RapidOCR(intra_op_num_threads=n, inter_op_num_threads=1)
            _ENGINES[threads] = engine
        pixels = np.asarray(gray.convert("RGB"))[:, :, ::-1].copy()  # the engine wants BGR
        result, _elapsed = engine(pixels)
    boxes = []
    for box, text, _score in result or ():
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        text = " ".join(str(text).split())
        if text:
            boxes.append(OcrLine(text, min(xs), min(ys), max(xs), max(ys)))
    return OcrPage(_reading_order(boxes), gray.width, gray.height)


def _reading_order(boxes: list[OcrLine]) -> tuple[OcrLine, ...]:
    """Boxes merged into lines (a box whose middle lies within the previous box's height on
    the same line continues it) and sorted top to bottom."""
    boxes = sorted(boxes, key=lambda b: (b.top + b.bottom) / 2)
    rows: list[list[OcrLine]] = []
    for box in boxes:
        middle = (box.top + box.bottom) / 2
        if rows and rows[-1][-1].top <= middle <= rows[-1][-1].bottom:
            rows[-1].append(box)
        else:
            rows.append([box])
    lines = []
    for row in rows:
        row.sort(key=lambda b: b.left)
        lines.append(
            OcrLine(
                " ".join(b.text for b in row),
                min(b.left for b in row),
                min(b.top for b in row),
                max(b.right for b in row),
                max(b.bottom for b in row),
            )
        )
    return tuple(lines)


# The recogniser often drops the space after a comma or semicolon ("boats,which").
_MISSING_SPACE = re.compile(r"(?<=[^\W\d_][,;])(?=[^\W\d_])")
_LETTERS = re.compile(r"[A-Za-z]{6,}")
# A split is taken only when every part is a common English word (wordninja's cost is
# log(rank · log N): 13 is about rank 40 000): "hoursatthe" splits, "Lindqvist" does not.
_MAX_PART_COST = 13.0


def clean_line(text: str) -> str:
    """An OCR line as text: the spaces the recogniser is known to drop put back.

    Besides the space after a comma, run-together English words ("thesustainability",
    "arecentinterviewwithTheEconomist") are split when the line's word is not itself a known
    word and splits into common words only (``wordninja``, unigram costs from Wikipedia;
    without it, lines are left as read)."""
    text = _MISSING_SPACE.sub(" ", text)
    costs = _word_costs()
    if costs is None:
        return text
    return _LETTERS.sub(lambda m: _split_word(m.group(0), costs), text)


def _split_word(word: str, costs: dict[str, float]) -> str:
    if word.lower() in costs:
        return word
    parts = importlib.import_module("wordninja").split(word)
    if len(parts) < 2 or "".join(parts) != word:
        return word
    for part in parts:
        low = part.lower()
        if (len(low) < 2 and low not in ("a", "i")) or costs.get(low, 99.0) > _MAX_PART_COST:
            return word
    return " ".join(parts)


_COSTS: list[dict[str, float] | None] = []


def _word_costs() -> dict[str, float] | None:
    if not _COSTS:
        try:
            wordninja = importlib.import_module("wordninja")  # untyped: no stubs
            _COSTS.append(wordninja.DEFAULT_LANGUAGE_MODEL._wordcost)
        except Exception:  # optional: no splitting without it
            log.debug("wordninja unavailable; OCR lines are not re-spaced", exc_info=True)
            _COSTS.append(None)
    return _COSTS[0]
