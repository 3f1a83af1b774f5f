"""The ONNX export: made once into the cache, reused, keyed by recipe and weights."""

from __future__ import annotations

from pathlib import Path

import pytest

from askcorpus.embed import onnx_export
from askcorpus.embed.embedder import bundled_model_path
from askcorpus.errors import ModelError


def test_export_once_then_reuse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = bundled_model_path()
    first = onnx_export.exported_model(model, tmp_path)
    assert first.is_file() and first.stat().st_size > 10_000_000
    # int8 MatMul weights: well under the 90 MB float model.
    assert first.stat().st_size < 70_000_000
    stamp = first.stat().st_mtime_ns

    def no_export(*_args: object) -> None:
        raise AssertionError("exported again although the cache holds the model")

    monkeypatch.setattr(onnx_export, "_run_child", no_export)
    assert onnx_export.exported_model(model, tmp_path) == first
    assert first.stat().st_mtime_ns == stamp
    # Only the model file and the lock are left behind: no temporary files.
    assert sorted(p.name for p in first.parent.iterdir()) == sorted([first.name, "export.lock"])


def test_cache_key_follows_recipe_and_weights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text('{"hidden_size": 384}')
    (folder / "model.safetensors").write_bytes(b"x" * 100)
    key = onnx_export.cache_key(folder)
    assert onnx_export.cache_key(folder) == key
    (folder / "model.safetensors").write_bytes(b"y" * 101)
    changed = onnx_export.cache_key(folder)
    assert changed != key
    monkeypatch.setattr(onnx_export, "RECIPE", "another-recipe")
    assert onnx_export.cache_key(folder) not in (key, changed)


def test_failed_export_is_a_model_error_and_leaves_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    with pytest.raises(ModelError, match="exporting the model to ONNX failed"):
        onnx_export.exported_model(folder, tmp_path / "cache")
    assert not list((tmp_path / "cache" / "onnx").glob("*.onnx*"))
