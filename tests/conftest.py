"""Shared fixtures: the real bundled model (loaded once) and indexes of small real corpora."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from askcorpus.embed.embedder import Embedder
from askcorpus.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2, loaded once per test session."""
    e = Embedder(Settings())
    e.load()
    return e


@pytest.fixture(scope="session")
def shipped_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """Settings pointing at an index of a copy of the shipped corpus (built once per session)."""
    from askcorpus.indexer.update import update_index

    base = tmp_path_factory.mktemp("shipped")
    corpus = base / "corpus"
    shutil.copytree(SHIPPED_CORPUS, corpus)
    settings = Settings(corpus_dir=corpus, index_dir=base / "index")
    update_index(settings, embedder)
    return settings


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Create ``path`` (and its folders) with ``text``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path
