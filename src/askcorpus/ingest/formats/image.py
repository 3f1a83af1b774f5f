"""Images of pages (.png, .jpg, .tif): their text read by OCR, one page per image frame.

A multi-page TIFF (a common scanner output) gives one page per frame, so passages keep their
page. Every page is listed in ``Extracted.ocr_pages``. Without OCR (turned off, or not
installed) an image is skipped with that reason.
"""

from __future__ import annotations

import io
from pathlib import Path

from askcorpus.ingest import ocr
from askcorpus.ingest.formats import Extracted, UnreadableFile, register, require
from askcorpus.ingest.formats.pdf import ocr_paragraphs
from askcorpus.ingest.formats.text import guess_title


@register(".png", ".jpg", ".jpeg", ".tif", ".tiff")
def read_image(path: Path, raw: bytes) -> Extracted:
    """The OCR text of an image file, page by page."""
    options = ocr.active()
    why = ocr.blocker()
    if options is None or why is not None:
        raise UnreadableFile(f"image without a text layer — {why}")
    image_module = require("PIL.Image", "Image")
    image_ops = require("PIL.ImageOps", "Image")
    try:
        image = image_module.open(io.BytesIO(raw))
    except Exception as exc:  # PIL raises several types for bad or unknown data
        raise UnreadableFile(f"corrupt image ({type(exc).__name__})") from exc
    with image:
        n_frames = int(getattr(image, "n_frames", 1))
        if n_frames > options.max_pages:
            raise UnreadableFile(
                f"{n_frames} pages — more than the OCR limit of {options.max_pages} pages per "
                "file; split the file"
            )
        page_texts = []
        for frame in range(n_frames):
            ocr.next_page(options, frame, n_frames, path)
            image.seek(frame)
            megapixels = image.width * image.height / 1e6
            if image.width * image.height > options.max_image_pixels:
                raise UnreadableFile(
                    f"image too large for OCR ({megapixels:.0f} megapixels > limit "
                    f"{options.max_image_pixels / 1e6:.0f})"
                )
            try:
                image.load()
            except Exception as exc:  # truncated or damaged pixel data
                raise UnreadableFile(f"corrupt image ({type(exc).__name__}: {exc})"[:200]) from exc
            dpi = image.info.get("dpi", (None,))[0]
            # A phone photo stores its pixels sideways and says so in EXIF: turn it upright.
            upright = image_ops.exif_transpose(image) or image
            page = ocr.recognize(upright, options, ocr.upscale_for(float(dpi) if dpi else None))
            page_texts.append("\n\n".join(p.text for p in ocr_paragraphs(page)))
    ocr.next_page(options, n_frames, n_frames, path)
    if not any(t.strip() for t in page_texts):
        raise UnreadableFile("no text found by OCR in the image")
    page_starts = []
    offset = 0
    for text in page_texts:
        page_starts.append(offset)
        offset += len(text) + 2  # pages are joined by a blank line, as in PDFs
    full = "\n\n".join(page_texts)
    return Extracted(
        text=full,
        title=guess_title(page_texts[0] or full[:4000], path),
        kind="image",
        page_starts=tuple(page_starts),
        ocr_pages=tuple(range(1, n_frames + 1)),
    )
