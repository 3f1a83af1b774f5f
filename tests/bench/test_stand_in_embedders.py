"""The benchmarks' stand-in embedders (generated vectors, no model) are handed to
``search.Index`` in place of the real one, so they must take every argument the index passes:
session 10 added ``where`` to ``Embedder.match_index`` and ``bench.million`` stopped at its
first query until they followed."""

from __future__ import annotations

import inspect

import pytest

from askcorpus.embed.embedder import Embedder
from bench.generated import StandInEmbedder
from bench.million_query import GeneratedEmbedder


@pytest.mark.parametrize("stand_in", [StandInEmbedder, GeneratedEmbedder])
@pytest.mark.parametrize("method", ["match_index", "encode_query"])
def test_a_stand_in_takes_what_the_real_embedder_takes(stand_in: type, method: str) -> None:
    real = inspect.signature(getattr(Embedder, method)).parameters
    theirs = inspect.signature(getattr(stand_in, method)).parameters
    assert list(theirs) == list(real)
