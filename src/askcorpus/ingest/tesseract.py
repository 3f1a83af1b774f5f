"""The Tesseract OCR engine (Debian's ``tesseract-ocr`` with ``-eng``, ``-rus``, ``-chi-sim``),
run as a subprocess: the other engine beside RapidOCR (:mod:`askcorpus.ingest.ocr`).

Tesseract keeps the spaces between English words and reads Cyrillic far better than the
bundled PP-OCR models, but it is a system package, not a wheel: it is used when
``Settings.ocr_engine`` (``ASKCORPUS_OCR=tesseract``) asks for it. Each page image goes to
``tesseract stdin stdout tsv`` as a PNG; the TSV's words are joined into its lines (no space
between two CJK characters), in Tesseract's own reading order (block by block, so columns stay
apart). Languages are ``eng+rus+chi_sim``, less those not installed.
"""

from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

#: What the engine reads, best first; only the installed ones are asked for.
LANGUAGES = ("eng", "rus", "chi_sim")
#: Seconds one page may take before it is given up (that page only).
PAGE_TIMEOUT = 300.0
_CJK = (
    (0x3040, 0x30FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFF00, 0xFFEF),  # full-width punctuation: no space around it either
    (0x3000, 0x303F),
)


def executable() -> str | None:
    """The ``tesseract`` program on PATH, or None when it is not installed."""
    return shutil.which("tesseract")


@functools.cache
def installed_languages() -> frozenset[str]:
    """The language packs Tesseract has (``tesseract --list-langs``)."""
    program = executable()
    if program is None:
        return frozenset()
    try:
        out = subprocess.run(
            [program, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(line.strip() for line in out.splitlines()[1:] if line.strip())


def languages() -> str:
    """The ``-l`` argument: the wanted languages Tesseract has, joined by "+" ("" if none)."""
    have = installed_languages()
    return "+".join(lang for lang in LANGUAGES if lang in have)


@functools.cache
def version() -> str:
    """Tesseract's version line ("tesseract 5.3.0"), part of the OCR cache key."""
    program = executable()
    if program is None:
        return "missing"
    try:
        out = subprocess.run(
            [program, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    first = (out.stdout or out.stderr).strip().splitlines()
    return first[0] if first else "unknown"


Box = tuple[str, float, float, float, float]


def recognize_lines(gray: Image, threads: int | None) -> list[Box]:
    """The text lines of ``gray`` as ``(text, left, top, right, bottom)`` in pixels, in
    Tesseract's reading order; raises ``RuntimeError`` when Tesseract fails on the page."""
    program = executable()
    langs = languages()
    if program is None or not langs:
        raise RuntimeError("tesseract (with eng, rus or chi_sim) is not installed")
    png = io.BytesIO()
    gray.save(png, "PNG", dpi=(300, 300))  # upscaled to about 300 dpi by the caller
    # One OpenMP thread per page unless told otherwise: Tesseract's own threading barely helps
    # and fights the embedder for the cores.
    env = {**os.environ, "OMP_THREAD_LIMIT": str(threads or 1)}
    result = subprocess.run(
        [program, "stdin", "stdout", "-l", langs, "--psm", "3", "tsv"],
        input=png.getvalue(),
        capture_output=True,
        timeout=PAGE_TIMEOUT,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        detail = " ".join(result.stderr.decode("utf-8", "replace").split())[:200]
        raise RuntimeError(f"tesseract failed ({result.returncode}): {detail}")
    return parse_tsv(result.stdout.decode("utf-8", "replace"))


def parse_tsv(tsv: str) -> list[Box]:
    """Tesseract's TSV words grouped into lines (by block, paragraph and line number)."""
    lines: dict[tuple[str, str, str, str], list[Box]] = {}
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5":  # level 5: a word
            continue
        text = cells[11].strip()
        if not text:
            continue
        try:
            left, top, width, height = (float(c) for c in cells[6:10])
        except ValueError:
            continue
        key = (cells[1], cells[2], cells[3], cells[4])
        lines.setdefault(key, []).append((text, left, top, left + width, top + height))
    out = []
    for words in lines.values():
        text = words[0][0]
        for (prev, *_), (word, *_) in zip(words, words[1:], strict=False):
            text += word if _is_cjk(prev[-1]) and _is_cjk(word[0]) else f" {word}"
        out.append(
            (
                text,
                min(w[1] for w in words),
                min(w[2] for w in words),
                max(w[3] for w in words),
                max(w[4] for w in words),
            )
        )
    return out


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CJK)
