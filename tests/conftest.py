"""Shared fixtures: the real bundled model (loaded once) and indexes of small real corpora.

The suite is hermetic: before anything is imported, HOME, the XDG folders and
ASKCORPUS_CACHE_DIR point into ``.test-cache/`` of this checkout (gitignored), so no test (nor
a child process, which inherits the environment) writes into the user's real home. The folder
is kept between runs, so the ONNX export of the bundled model (10-60 s) happens once per
checkout, not once per run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST_STATE = ROOT / ".test-cache"
TEST_HOME = TEST_STATE / "home"
#: Where the tests' exported ONNX model lives (``Settings.cache_dir`` of the fixtures): the
#: default under the tests' HOME, so ``Settings()`` without a cache folder finds the same export.
TEST_CACHE = TEST_HOME / ".cache" / "askcorpus"

os.environ.update(
    HOME=str(TEST_HOME),
    XDG_CACHE_HOME=str(TEST_HOME / ".cache"),
    XDG_CONFIG_HOME=str(TEST_HOME / ".config"),
    XDG_DATA_HOME=str(TEST_HOME / ".local" / "share"),
    XDG_STATE_HOME=str(TEST_HOME / ".local" / "state"),
    ASKCORPUS_CACHE_DIR=str(TEST_CACHE),
)
TEST_HOME.mkdir(parents=True, exist_ok=True)

import pytest  # noqa: E402

from askcorpus.embed.embedder import Embedder  # noqa: E402
from askcorpus.settings import Settings  # noqa: E402

SHIPPED_CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2, loaded once per test session."""
    e = Embedder(Settings(cache_dir=TEST_CACHE))
    e.load()
    return e


@pytest.fixture(scope="session")
def shipped_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """Settings pointing at an index of a copy of the shipped corpus (built once per session)."""
    from askcorpus.indexer.update import update_index

    base = tmp_path_factory.mktemp("shipped")
    corpus = base / "corpus"
    shutil.copytree(SHIPPED_CORPUS, corpus)
    settings = Settings(corpus_dir=corpus, index_dir=base / "index", cache_dir=TEST_CACHE)
    update_index(settings, embedder)
    return settings


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Create ``path`` (and its folders) with ``text``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path
