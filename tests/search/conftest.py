"""Fixtures shared by the search tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from askcorpus.embed.embedder import Embedder
from askcorpus.search.index import Index
from askcorpus.settings import Settings


@pytest.fixture()
def index(shipped_index: Settings, embedder: Embedder) -> Iterator[Index]:
    """The search index of the shipped corpus (a test module may define its own ``index``)."""
    idx = Index.open(shipped_index.index_dir, shipped_index, embedder)
    yield idx
    idx.close()
