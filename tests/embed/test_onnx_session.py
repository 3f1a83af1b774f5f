"""The optimised graph ONNX Runtime writes once beside the export (issue #18): later sessions
load it with optimisation off and give bit-identical vectors; a damaged one is replaced, a
stale one (another ONNX Runtime or CPU) deleted, and a busy lock only skips the writing."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from filelock import FileLock

from askcorpus.embed import onnx_export, onnx_session
from askcorpus.embed.embedder import Embedder, bundled_model_path
from askcorpus.embed.onnx_encoder import OnnxEncoder
from tests.conftest import TEST_CACHE

TEXTS = [
    "Why would Russia and China form an alliance?",
    "tea",
    "the migration of birds across the Mediterranean in spring, by Sicily and Malta " * 12,
    "protein expression in cells; tumour growth, p53, CRISPR-Cas9 at 5 μg/mL — naïve café",
]


@pytest.fixture
def cache(embedder: Embedder, tmp_path: Path) -> Path:
    """A cache folder holding a copy of the real export only (no optimised graph yet)."""
    assert embedder.loaded  # the tests' export exists
    folder = tmp_path / "cache"
    (folder / "onnx").mkdir(parents=True)
    for path in (TEST_CACHE / "onnx").iterdir():
        if onnx_export.EXPORT_NAME.fullmatch(path.name) and ".opt-" not in path.name:
            shutil.copyfile(path, folder / "onnx" / path.name)
    shutil.copyfile(TEST_CACHE / "onnx" / onnx_export.KEYS_NAME, folder / "onnx" / "keys.json")
    return folder


def _optimised(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / "onnx").iterdir() if ".opt-" in p.name)


def _loaded_from(encoder: OnnxEncoder) -> str:
    return str(encoder._session._model_path)


def test_the_optimised_graph_is_written_once_and_gives_identical_vectors(cache: Path) -> None:
    model = bundled_model_path()
    first = OnnxEncoder(model, cache, threads=1)  # optimises, and writes what it optimised
    graph, sidecar = _optimised(cache)
    assert graph.name.endswith(".onnx") and sidecar == onnx_export.data_file(graph)
    assert sidecar.stat().st_size > 40_000_000  # the token table stays out of the graph
    assert ".opt-" not in _loaded_from(first)
    stamp = graph.stat().st_mtime_ns
    second = OnnxEncoder(model, cache, threads=1)
    assert _loaded_from(second) == str(graph)
    assert graph.stat().st_mtime_ns == stamp  # read, not written again
    assert np.array_equal(first.encode(TEXTS), second.encode(TEXTS))


def test_vectors_from_the_optimised_graph_equal_an_optimising_session_of_the_export(
    cache: Path,
) -> None:
    """The reference is a session made as before this cache existed (ORT_ENABLE_ALL on the
    export, nothing written)."""
    import onnxruntime as ort

    from askcorpus.embed.onnx_encoder import session_options

    model = onnx_export.exported_model(bundled_model_path(), cache)
    options = session_options(ort)
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    plain = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    assert not _optimised(cache)
    onnx_session.open_session(ort, model, lambda: session_options(ort))  # writes the graph
    loaded = onnx_session.open_session(ort, model, lambda: session_options(ort))
    assert str(loaded._model_path) == str(_optimised(cache)[0])
    for n in (1, 14, 120, 510):
        ids = np.array([[101, *range(2000, 2000 + n), 102]], dtype=np.int64)
        want = plain.run(None, {"input_ids": ids})[0]
        assert np.array_equal(loaded.run(None, {"input_ids": ids})[0], want)


def test_a_damaged_optimised_graph_is_replaced(cache: Path) -> None:
    model = bundled_model_path()
    reference = OnnxEncoder(model, cache, threads=1).encode(TEXTS)
    graph = _optimised(cache)[0]
    graph.write_bytes(b"not an onnx graph")
    again = OnnxEncoder(model, cache, threads=1)
    assert np.array_equal(again.encode(TEXTS), reference)
    assert graph.stat().st_size > 1_000_000  # written afresh
    assert _loaded_from(OnnxEncoder(model, cache, threads=1)) == str(graph)


def test_another_machine_key_writes_its_own_graph_and_drops_the_stale_one(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = bundled_model_path()
    OnnxEncoder(model, cache, threads=1)
    old = _optimised(cache)
    assert onnx_session.machine_key("1.0") != onnx_session.machine_key("1.1")
    monkeypatch.setattr(onnx_session, "machine_key", lambda version: "0123456789ab")
    OnnxEncoder(model, cache, threads=1)
    new = _optimised(cache)
    assert [p.name.split(".opt-")[1] for p in new] == [
        "0123456789ab.onnx",
        "0123456789ab.onnx.data",
    ]
    assert not any(p.exists() for p in old)


def test_a_busy_export_lock_only_skips_the_writing(cache: Path) -> None:
    model = bundled_model_path()
    with FileLock(cache / "onnx" / onnx_export.LOCK_NAME):
        encoder = OnnxEncoder(model, cache, threads=1)
    assert not _optimised(cache)
    assert encoder.encode(["tea"]).shape == (1, encoder.dimension)


def test_a_new_export_prunes_the_optimised_graphs_of_old_ones(tmp_path: Path) -> None:
    keep = tmp_path / "minilm-00000000000000aa.onnx"
    names = [
        "minilm-00000000000000bb.opt-0123456789ab.onnx",
        "minilm-00000000000000bb.opt-0123456789ab.onnx.data",
        "minilm-00000000000000bb.opt-0123456789ab.onnx.123.tmp",  # being written: kept
        "minilm-00000000000000bb.opt-notakey.onnx",  # not our name: kept
    ]
    for name in [keep.name, *names]:
        (tmp_path / name).write_bytes(b"x")
    removed = onnx_export.prune(keep)
    assert sorted(p.name for p in removed) == names[:2]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([keep.name, *names[2:]])


def test_a_used_cache_loads_the_model_without_importing_filelock(cache: Path) -> None:
    """The lock is for writing the export or its optimised graph: once both are there (every
    launch but the first), loading the model takes none, so filelock's import is not paid."""
    import subprocess
    import sys

    OnnxEncoder(bundled_model_path(), cache, threads=1)  # writes the optimised graph
    assert _optimised(cache)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from askcorpus.embed.embedder import bundled_model_path\n"
        "from askcorpus.embed.onnx_encoder import OnnxEncoder\n"
        "encoder = OnnxEncoder(bundled_model_path(), Path(sys.argv[1]), threads=1)\n"
        "assert encoder.encode(['tea']).shape == (1, encoder.dimension)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'filelock'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(cache)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
