"""Scans for the OCR tests: text drawn into images like a scanner's (grey noise, a slight
tilt), saved as image files or as PDFs whose pages are only those images (no text layer)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"


def scan_image(
    paragraphs: list[str],
    dpi: int = 150,
    size_inches: tuple[float, float] = (5.0, 3.0),
    angle: float = 1.0,
    noise: float = 18.0,
    seed: int = 0,
) -> Image.Image:
    """A page with ``paragraphs`` in 11 pt type at ``dpi``, noisy and turned by ``angle`` degrees."""
    width, height = int(size_inches[0] * dpi), int(size_inches[1] * dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, round(11 / 72 * dpi))
    margin = dpi // 2
    chars_per_line = int((size_inches[0] - 1.0) * 72 / 11 * 1.9)
    y = margin
    for paragraph in paragraphs:
        for line in textwrap.wrap(paragraph, chars_per_line):
            draw.text((margin, y), line, fill=0, font=font)
            y += round(15 / 72 * dpi)
        y += round(10 / 72 * dpi)
    page = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    rng = np.random.default_rng(seed)
    pixels = np.asarray(page, dtype=np.int16) + rng.normal(0, noise, (height, width))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def scanned_pdf(path: Path, pages: list[list[str]], dpi: int = 150) -> Path:
    """A PDF of image-only pages, one per entry of ``pages`` (PIL's PDF writer)."""
    images = [scan_image(p, dpi=dpi, seed=i) for i, p in enumerate(pages)]
    path.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return path
