"""The backends the conformance suite runs over, and the data it writes.

Every test in this folder reaches a backend only through :func:`askcorpus.store.factory.locate`
and the protocols of :mod:`askcorpus.store.base`, never through a backend's own classes. A
backend is a *spec maker*: given a fresh temporary folder, it returns what ``locate`` takes (a
folder path, a server URL of an empty database). The spec is a string, so child processes
(lock and crash tests) reach the same index.

Adding a backend is one line in :data:`BACKENDS`, e.g.
``"postgresql": lambda tmp: fresh_database_url(tmp),`` once ``locate`` knows the scheme.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from askcorpus.records import Document, Passage
from askcorpus.settings import SCHEMA_VERSION
from askcorpus.store.base import Manifest, Store, StoreLocation
from askcorpus.store.factory import locate
from tests.pg_server import fresh_url, stop_all

#: Backend name -> the spec of a new, empty index location under a temporary folder.
BACKENDS: dict[str, Callable[[Path], str]] = {
    "local": lambda tmp: str(tmp / "index"),
    "postgresql": fresh_url,  # a schema of its own on a real server (tests/pg_server.py)
}

DIM = 8


@pytest.fixture(scope="session", autouse=True)
def _servers() -> Iterator[None]:
    """Stop the PostgreSQL server (started on first use) at the end of the session."""
    yield
    stop_all()


@pytest.fixture(params=sorted(BACKENDS))
def spec(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a new index of each backend goes (what ``locate`` takes)."""
    return BACKENDS[request.param](tmp_path)


@pytest.fixture
def location(spec: str) -> StoreLocation:
    """A location without an index yet."""
    return locate(spec)


@pytest.fixture
def store(location: StoreLocation) -> Iterator[Store]:
    """A new, empty index, closed after the test."""
    opened = location.create(manifest())
    yield opened
    opened.close()


def manifest(model: str = "conformance-model", dimension: int = DIM) -> Manifest:
    """A manifest of this schema version."""
    return Manifest(
        SCHEMA_VERSION, model, dimension, {"target_words": 3}, "2024-01-01", "2024-01-01"
    )


def unit_vectors(n: int, seed: int) -> np.ndarray:
    """``n`` random unit vectors (float32)."""
    v = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def make_document(
    source: str, texts: list[str], seed: int = 0, version: str = "1"
) -> tuple[Document, list[Passage], np.ndarray]:
    """A document whose passages are ``texts`` (joined by blank lines), with random unit
    vectors; its content hash is ``f"{source}-{version}"``."""
    text = "\n\n".join(texts)
    doc = Document(
        source,
        Path(source),
        f"Title of {source}",
        text,
        f"{source}-{version}",
        len(text),
        1000.0 + seed,
        page_starts=(0,),
    )
    passages, pos = [], 0
    for i, t in enumerate(texts):
        passages.append(
            Passage(source, i, pos, pos + len(t), t, i + 1, page=1, section=None, context="")
        )
        pos += len(t) + 2
    return doc, passages, unit_vectors(len(texts), seed)


def words(n: int, tag: str) -> list[str]:
    """``n`` one-word passages unique to ``tag``."""
    return [f"{tag}word{i}" for i in range(n)]
