"""A small corpus with folders, kinds and dates for the window's research tests (filters,
mentions, several corpora), indexed with the real model."""

from __future__ import annotations

import os
import time
from pathlib import Path

from askcorpus.embed.embedder import Embedder
from askcorpus.settings import Settings
from tests.gui_helpers import generated_text

PHRASE = "Power of Siberia"

FILES = {
    "reports/2023/summary.md": (
        "# Gas pipelines in 2023\n\nThe Power of Siberia pipeline carries gas from Yakutia to "
        "the Chinese border. Deliveries through the Power of Siberia grew again this year.\n\n"
        + generated_text(1, 3)
        + "\nIn December the Power of Siberia reached its full capacity.\n",
        "2023-06-01",
    ),
    "reports/2022/plan.txt": (
        "Plans for a second pipeline, Power of Siberia 2, through Mongolia were discussed.\n\n"
        + generated_text(2, 3)
        + "\nThe gas pipeline plan depends on a price agreement.\n",
        "2022-03-01",
    ),
    "notes/orchard.txt": (
        "Notes about the orchard harvest and the walnut trees by the river.\n\n"
        + generated_text(3, 2)
        + "\nA newspaper mentioned the power of siberia pipeline in passing.\n",
        "2023-09-15",
    ),
}


def write_corpus(folder: Path, files: dict[str, tuple[str, str]] = FILES) -> Path:
    """Write ``files`` (path: (text, ISO day of its mtime)) under ``folder``."""
    for rel, (text, day) in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        stamp = time.mktime(time.strptime(day + " 12:00", "%Y-%m-%d %H:%M"))
        os.utime(path, (stamp, stamp))
    return folder


def build(base: Path, embedder: Embedder, cache: Path, files=FILES) -> Settings:
    """Index a corpus of ``files`` under ``base``; its settings."""
    from askcorpus.indexer.update import update_index

    corpus = write_corpus(base / "corpus", files)
    settings = Settings(corpus_dir=corpus, index_dir=base / "index", cache_dir=cache)
    update_index(settings, embedder)
    return settings
