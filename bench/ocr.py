"""OCR word accuracy and speed on scans made from the shipped corpus (issue #13 §1).

Pages of English prose are drawn at 150 and 200 dpi (11 pt serif, grey noise, 1° tilt), saved
as image-only PDFs and read through the real PDF reader with OCR on and no cache. Word accuracy
is 1 - word error rate (Levenshtein over lower-cased words without punctuation, against the
drawn text). The same pages rendered by pdfium at 300 dpi (no Lanczos enlargement) are read too, to show
what the enlargement buys.

    PYTHONPATH=src python -m bench.ocr [--pages 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402

from askcorpus.ingest import ocr  # noqa: E402
from askcorpus.ingest.formats.pdf import ocr_paragraphs, read_pdf  # noqa: E402
from tests.ingest.scans import scan_image  # noqa: E402


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def word_errors(ref: list[str], got: list[str]) -> int:
    prev = list(range(len(got) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(got)
        for j, g in enumerate(got, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != g))
        prev = cur
    return prev[-1]


def page_texts(n: int) -> list[list[str]]:
    text = (ROOT / "corpus" / "clay-alliance.txt").read_text()
    paras = [" ".join(p.split()) for p in text.split("\n\n") if len(p.split()) > 20]
    pages, current, count = [], [], 0
    for para in paras:
        current.append(para)
        count += len(para.split())
        if count > 330:  # about a full A4 page at 11 pt
            pages.append(current)
            current, count = [], 0
            if len(pages) == n:
                break
    return pages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    pages = page_texts(args.pages)
    options = ocr.OcrOptions(cache_dir=None, threads=args.threads)
    ocr.recognize(scan_image(["warm up"]), options)  # model load is not per page
    with tempfile.TemporaryDirectory() as tmp:
        for dpi in (150, 200):
            images = [
                scan_image(p, dpi=dpi, size_inches=(8.27, 11.69), seed=i)
                for i, p in enumerate(pages)
            ]
            path = Path(tmp) / f"scan{dpi}.pdf"
            images[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
            ref = words(" ".join(" ".join(p) for p in pages))
            t0 = time.perf_counter()
            with ocr.enabled(options):
                got = read_pdf(path, path.read_bytes()).text
            seconds = time.perf_counter() - t0
            errors = word_errors(ref, words(got))
            plain = []  # the same pages rendered by pdfium at 300 dpi, enlarged by nothing
            document = pdfium.PdfDocument(path)
            for i in range(len(document)):
                image = document[i].render(scale=300 / 72, grayscale=True).to_pil()
                page = ocr.recognize(image, options, 1.0)
                plain.append(" ".join(p.text for p in ocr_paragraphs(page)))
            document.close()
            plain_errors = word_errors(ref, words(" ".join(plain)))
            print(
                f"{dpi} dpi scan: {len(pages)} pages, {len(ref)} words, word accuracy "
                f"{1 - errors / len(ref):.3f} ({1 - plain_errors / len(ref):.3f} rendered "
                f"at 300 dpi by pdfium instead), {len(pages) / seconds:.2f} pages/s "
                f"({seconds / len(pages):.1f} s/page, {args.threads} thread(s))"
            )


if __name__ == "__main__":
    main()
