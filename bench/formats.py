"""Document reading: extraction speed per format and memory with very large files.

- PDF: a generated 300-page PDF (≈550 words a page), pages per second (wall and CPU).
- HTML and DOCX: generated documents, MB of extracted text per second.
- Big files: peak memory growth while indexing a folder that holds a 200 MB text file (skipped
  unread above ``Settings.max_file_bytes``) and while reading + chunking a 60 MB text file (the
  largest kind that is read).
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import main, rss_sampler

WORDS = [
    "the",
    "gas",
    "deal",
    "pipeline",
    "price",
    "market",
    "export",
    "china",
    "russia",
    "energy",
    "contract",
    "signed",
    "analysts",
    "expect",
    "growth",
    "trade",
    "partnership",
    "strategic",
    "volume",
    "supply",
    "demand",
]


def _sentence(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _cpu_and_wall(fn: Any) -> tuple[float, float, Any]:
    c0, t0 = time.process_time(), time.perf_counter()
    value = fn()
    return time.process_time() - c0, time.perf_counter() - t0, value


def pdf_speed(folder: Path, pages: int) -> dict[str, Any]:
    from askcorpus.ingest.formats.pdf import read_pdf
    from tests.makedocs import make_pdf

    rng = random.Random(1)
    page_lines = []
    for _ in range(pages):
        lines: list[str] = []
        for _para in range(6):
            lines += [_sentence(rng) for _ in range(8)] + [""]
        page_lines.append(lines[:50])
    path = make_pdf(folder / "big.pdf", page_lines, title="Benchmark")
    raw = path.read_bytes()
    cpu, wall, extracted = _cpu_and_wall(lambda: read_pdf(path, raw))
    words = len(extracted.text.split())
    return {
        "pages": pages,
        "file_mb": len(raw) / 2**20,
        "words": words,
        "wall_s": wall,
        "cpu_s": cpu,
        "pages_per_s_wall": pages / wall,
        "pages_per_s_cpu": pages / cpu,
    }


def html_and_docx_speed(folder: Path) -> dict[str, Any]:
    from askcorpus.ingest.formats.docx import read_docx
    from askcorpus.ingest.formats.html import read_html
    from tests.makedocs import make_docx

    rng = random.Random(2)
    body = "".join(
        f"<h2>Part {i}</h2><p>{_sentence(rng, 60)}</p><ul><li>{_sentence(rng)}</li></ul>"
        for i in range(3000)
    )
    html = f"<html><head><title>T</title></head><body><nav>menu</nav><main>{body}</main></body>"
    raw = html.encode()
    cpu_h, wall_h, ex_h = _cpu_and_wall(lambda: read_html(Path("b.html"), raw))
    blocks = [(("h2" if i % 10 == 0 else "p"), _sentence(rng, 60)) for i in range(3000)]
    docx = make_docx(folder / "b.docx", blocks).read_bytes()
    cpu_d, wall_d, ex_d = _cpu_and_wall(lambda: read_docx(Path("b.docx"), docx))
    return {
        "html": {"input_mb": len(raw) / 2**20, "text_mb_per_s_cpu": len(ex_h.text) / 2**20 / cpu_h},
        "docx": {
            "input_mb": len(docx) / 2**20,
            "text_mb_per_s_cpu": len(ex_d.text) / 2**20 / cpu_d,
        },
        "wall_s": {"html": wall_h, "docx": wall_d},
    }


def big_files(folder: Path) -> dict[str, Any]:
    from askcorpus.embed.embedder import Embedder
    from askcorpus.indexer.update import update_index
    from askcorpus.ingest.documents import discover, load_document
    from askcorpus.settings import Settings
    from askcorpus.text.chunking import chunk_document

    rng = random.Random(3)
    paragraph = (_sentence(rng, 150) + ".\n\n").encode()
    corpus = folder / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("The moon raises the tides twice a day.")
    settings = Settings(corpus_dir=corpus, index_dir=folder / "index")
    embedder = Embedder(settings)
    embedder.load()
    update_index(settings, embedder)  # model and index warm before measuring
    with (corpus / "huge.txt").open("wb") as f:
        while f.tell() < 200 * 2**20:
            f.write(paragraph * 200)
    with rss_sampler() as skipped_mem:
        report = update_index(settings, embedder)
    (reason,) = [s.reason for s in report.skipped]

    text_folder = folder / "text"
    text_folder.mkdir()
    with (text_folder / "t60.txt").open("wb") as f:
        while f.tell() < 60 * 2**20:
            f.write(paragraph * 200)
    (entry,) = discover(text_folder)[0]
    with rss_sampler() as read_mem:
        t0 = time.perf_counter()
        document = load_document(entry, settings.max_file_bytes)
        t1 = time.perf_counter()
        passages = chunk_document(document, settings.chunking)
        t2 = time.perf_counter()
    return {
        "index_with_200mb_file": {
            "reason": reason,
            "rss_growth_mb": skipped_mem["peak_mb"] - skipped_mem["start_mb"],
        },
        "read_and_chunk_60mb_text": {
            "read_decode_s": t1 - t0,
            "chunk_s": t2 - t1,
            "passages": len(passages),
            "rss_growth_mb": read_mem["peak_mb"] - read_mem["start_mb"],
        },
    }


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    """All format measurements in one temporary folder."""
    with tempfile.TemporaryDirectory(prefix="askcorpus-bench-formats-") as tmp:
        folder = Path(tmp)
        return {
            "pdf": pdf_speed(folder, cfg.get("pdf_pages", 300)),
            "html_docx": html_and_docx_speed(folder),
            "big_files": big_files(folder),
        }


if __name__ == "__main__":
    main("formats", run)
