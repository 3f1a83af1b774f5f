"""RapidOCR against Tesseract on the same scans: word accuracy and seconds per page, side by
side in one run (issue #13 §1: pick the default by accuracy and speed, use the other where it
is better).

An English A4 page of the shipped corpus's prose and a Russian page are drawn at 200 dpi (11 pt
serif, grey noise, 1° tilt; bench/ocr.py's scans), saved as image-only PDFs and read through the
real PDF reader with OCR on and no cache, by each engine with one thread. Word accuracy is
1 - word error rate over lower-cased words without punctuation, against the drawn text.

    PYTHONPATH=src python -m bench.ocr_engines [--dpi 200]
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

from askcorpus.ingest import ocr, tesseract  # noqa: E402
from askcorpus.ingest.formats.pdf import read_pdf  # noqa: E402
from askcorpus.settings import OcrEngineChoice  # noqa: E402
from bench.ocr import page_texts, word_errors  # noqa: E402
from tests.ingest.scans import scan_image  # noqa: E402

RUSSIAN = [
    "Газопровод «Сила Сибири» доставляет газ с Чаяндинского и Ковыктинского месторождений к "
    "границе с Китаем у Благовещенска. Строительство началось осенью 2014 года, а первые "
    "поставки пришли в декабре 2019 года.",
    "Соглашение подписали в мае 2014 года после десяти лет переговоров между Газпромом и CNPC. "
    "Цена не раскрывалась, но эксперты оценили стоимость контракта в 400 миллиардов долларов за "
    "тридцать лет.",
    "Второй газопровод через Монголию обсуждается уже несколько лет, однако обязывающий договор о "
    "его цене пока не подписан. Аналитики в Москве называют сделку поворотным моментом.",
]


def words(text: str) -> list[str]:
    return re.findall(r"[a-zа-яё0-9]+", text.lower())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dpi", type=int, default=200)
    args = parser.parse_args()
    scans = {"English": page_texts(1)[0], "Russian": RUSSIAN}
    engines: list[OcrEngineChoice] = ["rapidocr"]
    if tesseract.languages():
        engines.append("tesseract")
    else:
        print("tesseract is not installed: measuring rapidocr only")
    with tempfile.TemporaryDirectory() as tmp:
        for engine in engines:
            options = ocr.OcrOptions(cache_dir=None, threads=1, engine=engine)
            ocr.recognize(scan_image(["warm up"]), options)  # model load is not per page
            for name, paras in scans.items():
                image = scan_image(paras, dpi=args.dpi, size_inches=(8.27, 11.69), seed=1)
                path = Path(tmp) / f"{name}.pdf"
                image.save(path, "PDF", resolution=args.dpi)
                ref = words(" ".join(paras))
                t0 = time.perf_counter()
                with ocr.enabled(options):
                    got = read_pdf(path, path.read_bytes()).text
                seconds = time.perf_counter() - t0
                accuracy = 1 - word_errors(ref, words(got)) / len(ref)
                print(
                    f"{engine:9} {name:7} {args.dpi} dpi: {len(ref)} words, word accuracy "
                    f"{accuracy:.3f}, {seconds:.1f} s/page"
                )


if __name__ == "__main__":
    main()
