"""Export the bundled model to ONNX and quantise it to int8, once per machine, into a cache.

The export needs torch and transformers, so it runs in a child process (``python -m
askcorpus.embed.onnx_export MODEL_DIR OUT_FILE``): the app that asked for it never keeps torch in
memory. Files land atomically (written beside, then renamed), and a lock file keeps two processes
from exporting at once. Nothing in the cache is ever trusted to be anything but an ONNX model
(ONNX files carry no code).

The cache key is the *content* of the model (a SHA-256 of its weights file and config.json) plus
the export recipe. Keying by the weights file's mtime made every fresh install (a new venv, a
reinstall) export again and leave another 58 MB behind. Hashing the 90 MB weights costs about
0.1 s once per process (measured: 0.08-0.14 s warm), small beside loading the ONNX session, and
unlike "package version + size" it also covers a model folder named by ASKCORPUS_MODEL_PATH.
After a successful export the other exports in the folder (older recipes, older weights, the
former mtime keys) are deleted: only files named exactly like ours, under the export lock, so
never one being written (those carry a pid suffix) nor anyone else's file.

The graph (recipe v2, issue #18) takes ``input_ids`` only: every text runs alone (see
onnx_encoder), so there is no padding and no attention mask to apply, and the mask's arithmetic
(Where/IsNaN/Add over every attention score, 8 % of the v1 model's time) is gone. It is exported
with eager attention and passed through ONNX Runtime's BERT fusions (SkipLayerNormalization,
BiasGelu) before quantisation: 1.25x less CPU per passage than v1, vectors at cosine 0.999 to
v1's (docs/benchmarks.md, "Indexing, second round").

Quantisation is dynamic int8, per output channel, symmetric, on the MatMul weights only (the
token embedding table stays float): on SciFact abstracts this gives vectors at cosine 0.995 to
torch's, where quantising every operator per tensor gave 0.94.

The token embedding table (47 MB of the 58) is saved beside the graph as ONNX external data
(``minilm-<key>.onnx.data``), which ONNX Runtime maps from the file instead of copying it into
the session: a session's peak RSS at creation drops by ~37 MB (no transient copy) and its
creation CPU by about half, with bit-identical outputs (the same values, the same kernels; issue
#18, docs/benchmarks.md, session 6). The sidecar is written before the graph is renamed into place, so
a graph in the cache always has its data; pruning removes both.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from askcorpus.errors import ModelError

log = logging.getLogger(__name__)

#: Bump when the export or quantisation changes: older cache files are then left unused.
RECIPE = "bert-mean-int8-matmul-perchannel-7bit-nomask-fused-v3-extdata"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
EXPORT_TIMEOUT_S = 900
#: The names of our exports (``minilm-`` + 16 hex digits) and of the graphs ONNX Runtime
#: optimised from them (``.opt-`` + a machine key, see onnx_session): the only files pruning may
#: delete.
OPTIMISED_TAG = r"\.opt-[0-9a-f]{12}"
EXPORT_NAME = re.compile(rf"minilm-[0-9a-f]{{16}}({OPTIMISED_TAG})?\.onnx(\.data)?")
#: Initializers at least this large go to the sidecar file (only the token embedding table).
EXTERNAL_BYTES = 4 << 20
LOCK_NAME = "export.lock"
#: Remembered content keys, by model folder and the stat of its files (see remembered_key).
KEYS_NAME = "keys.json"


def cache_key(model_dir: Path) -> str:
    """Short hash of the recipe, the model's configuration and its weights file's content."""
    digest = hashlib.sha256(RECIPE.encode())
    config = model_dir / "config.json"
    try:
        digest.update(config.read_bytes() if config.is_file() else b"")
        for name in WEIGHT_FILES:
            weights = model_dir / name
            if weights.is_file():
                digest.update(name.encode() + b"\0")
                with open(weights, "rb") as handle:
                    digest.update(hashlib.file_digest(handle, "sha256").digest())
                break
    except OSError as exc:
        raise ModelError(f"cannot read the model: {exc}", model_dir) from exc
    return digest.hexdigest()[:16]


def _stamp(model_dir: Path) -> list[object]:
    """What changes when the model's files do: size and mtime (ns) of config and weights."""
    stamp: list[object] = [RECIPE]
    for name in ("config.json", *WEIGHT_FILES):
        path = model_dir / name
        if path.is_file():
            info = path.stat()
            stamp += [name, info.st_size, info.st_mtime_ns, info.st_ino]
    return stamp


def remembered_key(model_dir: Path, folder: Path) -> str:
    """:func:`cache_key`, remembered in ``folder/keys.json`` against the files' stat.

    Hashing the 90 MB weights took 0.1 s on a quiet machine and 0.7 s on a busy one, at every
    start before the first answer (issue #18). The key is still the content's: a stat that
    differs (a reinstall, a new model) hashes again and usually finds the same export. The
    memo only names a file to look for; a damaged or foreign memo is ignored.
    """
    memo = folder / KEYS_NAME
    where = str(model_dir.resolve())
    try:
        stamp = _stamp(model_dir)
    except OSError as exc:
        raise ModelError(f"cannot read the model: {exc}", model_dir) from exc
    known: dict[str, object] = {}
    try:
        loaded = json.loads(memo.read_text(encoding="utf-8"))
        known = loaded if isinstance(loaded, dict) else {}
    except (OSError, ValueError):
        pass
    entry = known.get(where)
    if isinstance(entry, dict) and entry.get("stamp") == stamp:
        key = entry.get("key")
        if isinstance(key, str) and re.fullmatch(r"[0-9a-f]{16}", key):
            return key
    key = cache_key(model_dir)
    known[where] = {"stamp": stamp, "key": key}
    scratch = memo.with_name(f"{KEYS_NAME}.{os.getpid()}.tmp")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        scratch.write_text(json.dumps(known), encoding="utf-8")
        os.replace(scratch, memo)
    except OSError as exc:  # a read-only cache still works, it only hashes every time
        log.info("could not remember the model's key in %s: %s", memo, exc)
        scratch.unlink(missing_ok=True)
    return key


def exported_model(model_dir: Path, cache_dir: Path) -> Path:
    """Path of the int8 ONNX model for ``model_dir``, exporting it first if the cache lacks it."""
    target = cache_dir / "onnx" / f"minilm-{remembered_key(model_dir, cache_dir / 'onnx')}.onnx"
    if target.is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"cannot create the model cache: {exc}", target.parent) from exc
    # Imported here, not with the module: a launch that finds its export (every launch but
    # the first) takes no lock, and filelock's import costs ~15 ms.
    from filelock import FileLock, Timeout

    lock = FileLock(target.parent / LOCK_NAME, timeout=EXPORT_TIMEOUT_S + 60)
    try:
        with lock:
            if target.is_file():  # another process finished while we waited
                return target
            log.warning("preparing the fast encoder once for this machine (about 15 s)")
            started = time.perf_counter()
            _run_child(model_dir, target)
            log.info("fast encoder ready in %.1f s: %s", time.perf_counter() - started, target)
            prune(target)
    except Timeout as exc:
        raise ModelError(
            "another process has been exporting the model for too long",
            target.parent,
            f"end the other askcorpus process, or delete {target.parent / LOCK_NAME}",
        ) from exc
    return target


def prune(keep: Path) -> list[Path]:
    """Delete the other exports beside ``keep`` (call under the export lock); returns them.

    Only finished files named like ours: temporary files carry a pid suffix and never match,
    and a process still reading a deleted export keeps its open copy (POSIX unlink). Failing
    to delete is logged, never fatal.
    """
    removed: list[Path] = []
    for path in keep.parent.iterdir():
        if path.name in (keep.name, data_file(keep).name) or not EXPORT_NAME.fullmatch(path.name):
            continue
        try:
            if not path.is_file() or path.is_symlink():
                continue
            path.unlink()
        except OSError as exc:
            log.info("could not remove the stale export %s: %s", path, exc)
            continue
        log.info("removed the stale export %s", path)
        removed.append(path)
    return removed


def data_file(model: Path) -> Path:
    """The external-data sidecar of an exported graph (present when it has a large table)."""
    return model.with_name(model.name + ".data")


def _run_child(model_dir: Path, target: Path) -> None:
    command = [sys.executable, "-m", "askcorpus.embed.onnx_export", str(model_dir), str(target)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=EXPORT_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ModelError(f"exporting the model to ONNX failed: {exc}", model_dir) from exc
    if done.returncode != 0 or not target.is_file():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ModelError(f"exporting the model to ONNX failed: {last}", model_dir)


def export(model_dir: Path, target: Path) -> None:
    """Export and quantise (in this process: it imports torch). Writes ``target`` atomically."""
    from askcorpus.embed.onnx_encoder import prepare_runtime
    from askcorpus.embed.torch_encoder import prepare_process

    prepare_process()
    prepare_runtime()
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import AutoConfig, AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    # Eager attention exports as plain MatMul/Softmax (the SDPA export adds NaN guards).
    model = AutoModel.from_pretrained(
        str(model_dir), local_files_only=True, attn_implementation="eager"
    ).eval()
    config = AutoConfig.from_pretrained(str(model_dir), local_files_only=True)

    class _Hidden(torch.nn.Module):
        """One text per call: ids only, no mask (nothing is padded), segment 0 throughout."""

        def __init__(self, inner: torch.nn.Module):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids):  # noqa: ANN001, ANN202
            out = self.inner(input_ids=input_ids, token_type_ids=torch.zeros_like(input_ids))
            return out.last_hidden_state

    sample = torch.ones(1, 16, dtype=torch.long)
    fp32 = target.with_name(target.name + f".{os.getpid()}.fp32")
    fused = target.with_name(target.name + f".{os.getpid()}.fused")
    int8 = target.with_name(target.name + f".{os.getpid()}.tmp")
    try:
        with torch.no_grad():
            torch.onnx.export(
                _Hidden(model),
                (sample,),
                str(fp32),
                input_names=["input_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    "input_ids": {0: "batch", 1: "tokens"},
                    "last_hidden_state": {0: "batch", 1: "tokens"},
                },
                opset_version=17,
                dynamo=False,
            )
        optimized = optimize_model(
            str(fp32),
            model_type="bert",
            num_heads=int(config.num_attention_heads),
            hidden_size=int(config.hidden_size),
            opt_level=1,
        )
        optimized.save_model_to_file(str(fused))
        quantize_dynamic(
            str(fused),
            str(int8),
            weight_type=QuantType.QInt8,
            per_channel=True,
            # 7-bit weights: AVX2's 8-bit multiply-add sums pairs into saturating 16 bits,
            # VNNI's into 32, so full 8-bit weights gave other vectors on other processors
            # (cosine 0.993 between AVX2 and AVX-512 VNNI); with 7 bits no pair saturates
            # and they agree to 0.9998, at the same ranking (docs/quality.md, session 10).
            reduce_range=True,
            op_types_to_quantize=["MatMul"],
            # The fused operators are outside the ONNX domain, so shape inference cannot type
            # their outputs; they are all float.
            extra_options={"WeightSymmetric": True, "DefaultTensorType": 1},
        )
        _externalise(int8, target)
        os.replace(int8, target)
    finally:
        fp32.unlink(missing_ok=True)
        fused.unlink(missing_ok=True)
        int8.unlink(missing_ok=True)


def _externalise(graph: Path, target: Path) -> None:
    """Move ``graph``'s large initializers into ``target``'s sidecar (rewriting ``graph``, which
    is then renamed to ``target``: the sidecar's name is recorded inside it)."""
    import onnx

    model = onnx.load(str(graph))
    if not any(len(t.raw_data) >= EXTERNAL_BYTES for t in model.graph.initializer):
        return
    sidecar = data_file(target)
    sidecar.unlink(missing_ok=True)  # onnx appends to an existing file
    onnx.save_model(
        model,
        str(graph),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=sidecar.name,
        size_threshold=EXTERNAL_BYTES,
    )
    # onnx wrote the data beside ``graph``: the same folder as ``target``, under its final name.
    if not sidecar.is_file():
        raise OSError(f"external data not written to {sidecar}")


if __name__ == "__main__":
    import warnings

    warnings.filterwarnings("ignore")
    logging.basicConfig(level=logging.ERROR)
    export(Path(sys.argv[1]), Path(sys.argv[2]))
