"""A passage's vector does not depend on what it is encoded with: bit-identical alone, in a call
of texts of mixed lengths, in any position, block size or number of parallel workers (issue #18:
an incremental update must give a document exactly the vectors a rebuild gives it)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from askcorpus.embed.embedder import Embedder
from askcorpus.embed.onnx_encoder import OnnxEncoder
from askcorpus.settings import Settings
from tests.conftest import TEST_CACHE

SAMPLE = (
    "the migration of birds across Mediterranean spring Sicily Malta crossing Africa tea "
    "grown slopes Darjeeling printing press Mainz protein expression cells tumour growth "
    "receptor binding patients trial placebo 2019 p53 CRISPR-Cas9 μg/mL naïve café"
)
WORDS = SAMPLE.split(" ")

texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=300).map(" ".join)


@pytest.fixture(scope="module")
def onnx(embedder: Embedder) -> OnnxEncoder:
    encoder = embedder._get()
    assert isinstance(encoder, OnnxEncoder)
    return encoder


def alone(encoder: OnnxEncoder, text: str) -> np.ndarray:
    saved = encoder.workers
    encoder.workers = 1
    try:
        return encoder.encode([text])[0]
    finally:
        encoder.workers = saved


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(texts, min_size=2, max_size=9), workers=st.integers(1, 3), data=st.data())
def test_a_passage_is_bit_identical_alone_and_in_any_batch(
    onnx: OnnxEncoder, batch: list[str], workers: int, data: st.DataObject
) -> None:
    lengths = {len(t.split()) for t in batch}
    saved = onnx.workers
    onnx.workers = workers
    try:
        together = onnx.encode(batch)
    finally:
        onnx.workers = saved
    for row, text in enumerate(batch):
        # Exact equality, not closeness: the same bits whatever came beside it.
        assert np.array_equal(together[row], alone(onnx, text)), (row, sorted(lengths))
    # And in another order, through the embedder's blocks (longest first, cut into blocks).
    shuffled = data.draw(st.permutations(batch))
    block = data.draw(st.integers(1, len(batch)))
    embedder = Embedder(Settings(cache_dir=TEST_CACHE))
    again = embedder.encode_passages(shuffled, block=block)
    for row, text in enumerate(shuffled):
        assert np.array_equal(again[row], alone(onnx, text))


def test_parallel_workers_make_the_vectors_of_one_worker(onnx: OnnxEncoder) -> None:
    batch = [" ".join(WORDS[i:] + WORDS[:i]) * (1 + i % 4) for i in range(12)]
    saved = onnx.workers
    try:
        onnx.workers = 1
        serial = onnx.encode(batch)
        onnx.workers = 4
        parallel = onnx.encode(batch)
    finally:
        onnx.workers = saved
    assert np.array_equal(serial, parallel)
    # Distinct texts got distinct rows (nothing was written twice or swapped).
    assert len({row.tobytes() for row in parallel}) == len(batch)
