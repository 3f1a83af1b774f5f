"""Embedder: passages come back in input order however they are batched, normalised; both
encoders (ONNX int8, the default, and torch) make the same vectors up to quantisation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from askcorpus.embed import embedder as embedding
from askcorpus.embed import onnx_encoder as encoder_onnx
from askcorpus.embed.embedder import Embedder
from askcorpus.errors import ModelError
from askcorpus.settings import Settings

TEXTS = [
    "Short one.",
    "A much longer passage about the migration of birds across the Mediterranean in spring, "
    "with stops in Sicily and Malta before the crossing to Africa.",
    "Tea is grown on the slopes of Darjeeling.",
    "Medium length text on the history of the printing press in Mainz.",
    "Rust and Python both have package registries.",
]


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    e = Embedder(Settings(encoder="torch"))
    e.load()
    return e


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


def test_default_encoder_is_onnx_int8(embedder: Embedder) -> None:
    # onnxruntime is a dependency of the project, so "auto" must pick it here.
    assert embedder.backend == "onnx-int8-v3"  # the manifest string of the 7-bit export
    assert embedder.fallback_reason is None
    assert (embedder.dimension, embedder.max_tokens) == (384, 256)


@pytest.mark.parametrize("which", ["onnx", "torch"])
def test_blocks_and_length_sorting_keep_input_order(
    which: str, embedder: Embedder, torch_embedder: Embedder
) -> None:
    e = embedder if which == "onnx" else torch_embedder
    whole = e.encode_passages(TEXTS)
    blocked = e.encode_passages(TEXTS, block=2)
    one_by_one = np.vstack([e.encode_passages([t]) for t in TEXTS])
    np.testing.assert_allclose(np.linalg.norm(whole, axis=1), 1.0, atol=1e-5)
    # A text gets the same vector whatever it is encoded beside (ONNX runs each text alone
    # because int8 activations are scaled per call; torch pads, which changes nothing).
    np.testing.assert_allclose(blocked, whole, atol=1e-5)
    np.testing.assert_allclose(one_by_one, whole, atol=1e-4)
    # Each passage is closest to itself, so no rows were swapped.
    assert list(np.argmax(whole @ one_by_one.T, axis=1)) == list(range(len(TEXTS)))


def test_onnx_vectors_agree_with_torch(embedder: Embedder, torch_embedder: Embedder) -> None:
    onnx = embedder.encode_passages(TEXTS)
    ref = torch_embedder.encode_passages(TEXTS)
    assert cosines(onnx, ref).min() > 0.98
    # Rankings agree: each text's nearest torch vector is its own.
    assert list(np.argmax(onnx @ ref.T, axis=1)) == list(range(len(TEXTS)))


def test_progress_reports_every_block(embedder: Embedder) -> None:
    seen: list[tuple[int, int]] = []
    embedder.encode_passages(
        TEXTS, progress=lambda done, total: seen.append((done, total)), block=2
    )
    assert seen == [(2, 5), (4, 5), (5, 5)]


def test_query_vector_matches_passage_encoding(embedder: Embedder) -> None:
    query = embedder.encode_query(TEXTS[2])
    assert query.shape == (1, embedder.dimension)
    np.testing.assert_allclose(query[0], embedder.encode_passages([TEXTS[2]])[0], atol=1e-5)


def test_a_question_asked_again_comes_from_the_cache(embedder: Embedder) -> None:
    e = Embedder(embedder.settings)  # a fresh view: its own cache, the shared model
    question = "who built the pipeline to the Chinese border"
    first = e.encode_query(question)
    first[0, 0] += 1.0  # the caller's copy is its own
    again = e.encode_query(question)
    assert e.query_cache_hits == 1
    # Bit for bit the model's vector of the text alone.
    np.testing.assert_array_equal(again, e.encode_passages([question]))
    for i in range(embedding.QUERY_CACHE):
        e.encode_query(f"question number {i}")
    e.encode_query(question)  # pushed out by newer ones: encoded again
    assert e.query_cache_hits == 1


def test_falls_back_to_torch_when_onnx_cannot_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedding, "_MODELS", {})
    monkeypatch.setattr(encoder_onnx, "unavailable_reason", lambda _dir: "no onnxruntime here")
    auto = Embedder(Settings())
    assert auto.backend == "torch"
    assert auto.fallback_reason is not None and "no onnxruntime here" in auto.fallback_reason
    strict = Embedder(Settings(encoder="onnx-int8"))
    with pytest.raises(ModelError, match="no onnxruntime here"):
        strict.load()


def test_a_failed_encoder_is_not_retried_by_later_views(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedding, "_MODELS", {})
    calls: list[Path] = []

    def unavailable(folder: Path) -> str:
        calls.append(folder)
        return "no onnxruntime here"

    monkeypatch.setattr(encoder_onnx, "unavailable_reason", unavailable)
    first = Embedder(Settings())
    assert first.backend == "torch"
    # A view per opened index asks again: the failure is remembered, not re-tried (a failed
    # ONNX export would otherwise cost its child process on every open).
    assert first.match_index(encoder_onnx.BACKEND).backend == "torch"
    assert len(calls) == 1


def test_unknown_encoder_is_a_typed_error() -> None:
    with pytest.raises(ModelError, match="unknown encoder 'gpu'"):
        Embedder(Settings(encoder="gpu"))


def test_model_folder_that_is_not_mean_pooling_is_refused(tmp_path: Path) -> None:
    source = embedding.bundled_model_path()
    folder = tmp_path / "model"
    folder.mkdir()
    for item in source.iterdir():
        if item.name != "1_Pooling":
            (folder / item.name).symlink_to(item)
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(
        '{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}'
    )
    reason = encoder_onnx.unavailable_reason(folder)
    assert reason is not None and "pooling_mode_cls_token" in reason
    assert encoder_onnx.unavailable_reason(source) is None
