"""The ONNX export: made once into the cache, reused, keyed by recipe and model content.

Most tests export a tiny randomly initialised BERT (a few seconds, the same child process and
quantisation as the real model); the real model's export is the one the session's embedder
keeps in the tests' cache, made once per checkout.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from askcorpus.embed import onnx_export
from askcorpus.embed.embedder import Embedder, bundled_model_path
from askcorpus.errors import ModelError
from tests.conftest import TEST_CACHE


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-layer BERT with random weights saved like the bundled model (safetensors)."""
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=64,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    folder = tmp_path_factory.mktemp("tiny") / "model"
    BertModel(config).save_pretrained(folder, safe_serialization=True)
    return folder


def _install(model: Path, where: Path, mtime: float) -> Path:
    """A copy of ``model`` as another install would have it: same bytes, its own mtimes."""
    shutil.copytree(model, where, copy_function=shutil.copyfile)
    for path in where.iterdir():
        os.utime(path, (mtime, mtime))
    return where


def _no_export(*_args: object) -> None:
    raise AssertionError("exported again although the cache holds the model")


def test_export_once_then_reuse(
    tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = onnx_export.exported_model(tiny_model, tmp_path)
    assert first.is_file() and first.stat().st_size > 1000
    stamp = first.stat().st_mtime_ns
    monkeypatch.setattr(onnx_export, "_run_child", _no_export)
    assert onnx_export.exported_model(tiny_model, tmp_path) == first
    assert first.stat().st_mtime_ns == stamp
    # Only the model file and the lock are left behind: no temporary files.
    assert sorted(p.name for p in first.parent.iterdir()) == sorted(
        [first.name, "export.lock", onnx_export.KEYS_NAME]
    )


def test_two_installs_share_one_export(
    tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh install (same model bytes, new mtimes) reuses the export of an older one."""
    old = _install(tiny_model, tmp_path / "venv-a" / "model", 1_600_000_000)
    new = _install(tiny_model, tmp_path / "venv-b" / "model", 1_700_000_000)
    cache = tmp_path / "cache"
    first = onnx_export.exported_model(old, cache)
    monkeypatch.setattr(onnx_export, "_run_child", _no_export)
    assert onnx_export.exported_model(new, cache) == first
    assert [p.name for p in (cache / "onnx").glob("*.onnx")] == [first.name]


def test_a_new_export_prunes_stale_ones_and_touches_nothing_else(
    tiny_model: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "cache" / "onnx"
    folder.mkdir(parents=True)
    stale = folder / "minilm-0123456789abcdef.onnx"  # an older recipe's or mtime key's export
    stale.write_bytes(b"old export")
    stale_data = folder / "minilm-0123456789abcdef.onnx.data"  # its token table
    stale_data.write_bytes(b"old table")
    others = {
        "minilm-0123456789abcdef.onnx.4242.tmp": b"being written by process 4242",
        "minilm-0123456789abcdef.onnx.4242.fp32": b"being written by process 4242",
        "minilm-notakey.onnx": b"not one of our names",
        "MINILM-0123456789ABCDEF.onnx": b"not one of our names either",
        "notes.txt": b"the user's file",
    }
    for name, data in others.items():
        (folder / name).write_bytes(data)
    (folder / "minilm-fedcba9876543210.onnx").mkdir()  # our name but not a file: left alone

    target = onnx_export.exported_model(tiny_model, tmp_path / "cache")

    assert target.is_file() and not stale.exists() and not stale_data.exists()
    for name, data in others.items():
        assert (folder / name).read_bytes() == data
    assert (folder / "minilm-fedcba9876543210.onnx").is_dir()


def test_the_real_model_export_is_int8_sized(
    embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The session's export of the bundled model: int8 MatMul weights, well under 90 MB."""
    monkeypatch.setattr(onnx_export, "_run_child", _no_export)
    exported = onnx_export.exported_model(bundled_model_path(), TEST_CACHE)
    assert 10_000_000 < exported.stat().st_size < 70_000_000


def test_the_token_table_is_mapped_from_a_sidecar_with_the_same_vectors(
    embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 47 MB embedding table lives in the export's ``.data`` file (ONNX Runtime maps it, no
    copy); the graph computes bit for bit what the same graph with the table inside does."""
    import numpy as np
    import onnx
    import onnxruntime as ort

    monkeypatch.setattr(onnx_export, "_run_child", _no_export)
    exported = onnx_export.exported_model(bundled_model_path(), TEST_CACHE)
    assert onnx_export.data_file(exported).stat().st_size > 40_000_000
    whole = tmp_path / "whole.onnx"
    onnx.save_model(onnx.load(str(exported)), str(whole))  # one file, the table inside
    assert not onnx_export.data_file(whole).exists()

    def session(path: Path) -> ort.InferenceSession:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    mapped, inside = session(exported), session(whole)
    for n in (3, 40, 250):
        ids = np.array([[101, *range(2000, 2000 + n), 102]], dtype=np.int64)
        a = mapped.run(None, {"input_ids": ids})[0]
        b = inside.run(None, {"input_ids": ids})[0]
        assert np.array_equal(a, b)


def test_cache_key_follows_recipe_and_content_not_mtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text('{"hidden_size": 384}')
    weights = folder / "model.safetensors"
    weights.write_bytes(b"x" * 100)
    key = onnx_export.cache_key(folder)
    os.utime(weights, (1_600_000_000, 1_600_000_000))
    assert onnx_export.cache_key(folder) == key
    weights.write_bytes(b"y" * 100)  # same size, other bytes
    changed = onnx_export.cache_key(folder)
    assert changed != key
    (folder / "config.json").write_text('{"hidden_size": 768}')
    assert onnx_export.cache_key(folder) not in (key, changed)
    (folder / "config.json").write_text('{"hidden_size": 384}')
    monkeypatch.setattr(onnx_export, "RECIPE", "another-recipe")
    assert onnx_export.cache_key(folder) not in (key, changed)


def test_failed_export_is_a_model_error_and_leaves_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    with pytest.raises(ModelError, match="exporting the model to ONNX failed"):
        onnx_export.exported_model(folder, tmp_path / "cache")
    assert not list((tmp_path / "cache" / "onnx").glob("*.onnx*"))


def test_the_suite_keeps_its_cache_and_home_inside_the_checkout() -> None:
    """Hermetic tests (tests/conftest.py): the default cache, the environment's cache and HOME
    all lie in .test-cache/ of this checkout, never in the user's home (child processes inherit
    the environment)."""
    from askcorpus.embed.embedder import default_cache_dir
    from askcorpus.settings import Settings
    from tests.conftest import TEST_STATE

    assert Path.home().is_relative_to(TEST_STATE)
    assert default_cache_dir() == TEST_CACHE
    assert Settings.from_env().cache_dir == TEST_CACHE
    assert Path(os.environ["XDG_CONFIG_HOME"]).is_relative_to(TEST_STATE)


def test_the_key_is_remembered_until_the_model_files_change(
    tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _install(tiny_model, tmp_path / "install", 1_700_000_000)
    memo = tmp_path / "onnx"
    key = onnx_export.remembered_key(folder, memo)
    assert key == onnx_export.cache_key(folder)
    hashed: list[Path] = []
    real = onnx_export.cache_key

    def counting(model_dir: Path) -> str:
        hashed.append(model_dir)
        return real(model_dir)

    monkeypatch.setattr(onnx_export, "cache_key", counting)
    # A later start: no hashing of the weights.
    assert onnx_export.remembered_key(folder, memo) == key and hashed == []
    # New weights (same size, new bytes): the stat differs, so the content is hashed again.
    weights = folder / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    changed = onnx_export.remembered_key(folder, memo)
    assert hashed == [folder] and changed != key
    # A damaged memo is ignored, never trusted.
    (memo / onnx_export.KEYS_NAME).write_text("{not json")
    assert onnx_export.remembered_key(folder, memo) == changed and len(hashed) == 2
