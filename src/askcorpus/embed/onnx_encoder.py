"""The bundled model run by ONNX Runtime with int8 weights: about twice torch's speed on a CPU,
and no torch or transformers import when answering questions (a fast cold start).

Tokenisation uses the model's own ``tokenizer.json`` (the Rust ``tokenizers`` library that
sentence-transformers uses too), then mean pooling over real tokens and L2 normalisation, which
is what the model folder's ``modules.json`` prescribes; a folder prescribing anything else is
refused so the caller falls back to torch.

Each text runs on its own, never batched with others: int8 activations are quantised with one
scale per call, so a batched text's vector would depend on its neighbours (cosine 0.98–0.996 to
itself alone) and a document re-embedded by an incremental update would not get the vectors a
rebuild gives it. One text per call also needs no padding (so the exported graph has no
attention mask, see onnx_export), and batching buys nothing here anyway: even batches of texts
of exactly the same length (no padding) took the same CPU time per passage as one text per
call (issue #18's profile in docs/benchmarks.md: the int8 MatMuls are ~65 % of the time).

The cores are used *across* texts instead of inside one: each run is single-threaded
(``intra_op_num_threads = 1``) and up to ``threads`` runs go at once on the one shared session
(ONNX Runtime allows concurrent runs; the GIL is released inside them). Splitting every one of
a run's ~100 operators over two threads spent CPU on hand-offs; a run on one thread is also
the same computation whichever worker does it and whatever else is encoded beside it, so a
passage's vector is bit-identical alone and in any call (tests/embed/test_batch_identity.py).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from askcorpus.embed.onnx_export import data_file, exported_model
from askcorpus.embed.onnx_session import open_session
from askcorpus.errors import ModelError

log = logging.getLogger(__name__)

#: The manifest's encoder string for these vectors (see embedder.VECTORS and RETIRED).
BACKEND = "onnx-int8-v3"


def available_cores() -> int:
    """Cores this process may run on (its affinity mask; ``taskset`` narrows it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def prepare_runtime() -> None:
    """Keep ONNX Runtime off the network; call before it is first imported in a process.

    From 1.29 on, the Linux wheels carry Microsoft's 1DS telemetry client: importing the module
    is enough for the native library to resolve ``mobile.events.data.microsoft.com`` and send
    usage events over HTTPS about 10 s later, then every few seconds while the process lives.
    ``disable_telemetry_events()`` does not stop it; ``ORT_DISABLE_TELEMETRY=1``, read when the
    library starts, does (tests/test_offline.py watches for it in a network namespace). The
    version pinned in pyproject.toml (< 1.29) has no network code at all; this guards an
    installation that has a newer one anyway.
    """
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"


def session_options(ort: Any) -> Any:
    """The encoder's ``SessionOptions`` (onnx_session sets the optimisation level)."""
    options = ort.SessionOptions()
    options.inter_op_num_threads = 1
    options.intra_op_num_threads = 1  # parallel across texts instead (module notes)
    # Threads that spin while waiting steal the cores they wait for on a busy machine (the
    # same finding as OMP_WAIT_POLICY for torch, docs/benchmarks.md).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def unavailable_reason(model_dir: Path) -> str | None:
    """Why this encoder cannot run here (None when it can): missing packages or a model folder
    whose pooling is not plain mean pooling."""
    prepare_runtime()
    try:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError as exc:
        return f"ONNX Runtime is not installed ({exc.name})"
    if not (model_dir / "tokenizer.json").is_file():
        return "the model folder has no tokenizer.json"
    try:
        modules = json.loads((model_dir / "modules.json").read_text())
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError) as exc:
        return f"the model folder's module description is unreadable ({exc})"
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds != ["Transformer", "Pooling", "Normalize"]:
        return f"the model's modules are {kinds}, not Transformer + Pooling + Normalize"
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    if modes != ["pooling_mode_mean_tokens"]:
        return f"the model pools with {modes}, not mean pooling"
    return None


class OnnxEncoder:
    """Tokenizer + ONNX Runtime session over the cached int8 export of the model folder."""

    backend = BACKEND

    def __init__(self, model_dir: Path, cache_dir: Path, threads: int | None = None):
        reason = unavailable_reason(model_dir)
        if reason is not None:
            raise ModelError(f"the ONNX encoder cannot run: {reason}", model_dir)
        prepare_runtime()
        import onnxruntime as ort
        from tokenizers import Tokenizer

        config = json.loads((model_dir / "config.json").read_text())
        st_config = model_dir / "sentence_bert_config.json"
        max_tokens = 512
        if st_config.is_file():
            max_tokens = int(json.loads(st_config.read_text()).get("max_seq_length", 512))
        self.dimension = int(config["hidden_size"])
        self.max_tokens = min(max_tokens, int(config.get("max_position_embeddings", max_tokens)))
        self._tokenizer: Any = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(self.max_tokens)
        self._tokenizer.no_padding()  # tokenizer.json may pad to a fixed length; one text needs none
        model_file = exported_model(model_dir, cache_dir)
        #: How many texts are encoded at once.
        self.workers = max(1, threads or available_cores())
        log.info("loading embedding model %s (ONNX Runtime, int8)", model_file)
        try:
            self._session: Any = open_session(ort, model_file, partial(session_options, ort))
        except Exception as exc:
            # A damaged cache file: remove it so the next start exports afresh.
            model_file.unlink(missing_ok=True)
            data_file(model_file).unlink(missing_ok=True)
            raise ModelError(f"cannot load the ONNX model: {exc}", model_file) from exc
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 1, query: bool = False) -> np.ndarray:
        """Normalised float32 vectors of ``texts``, in input order. ``batch_size`` is accepted
        for the encoder interface and ignored: every text runs alone (see the module notes), so
        a text always gets the same vector."""
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        workers = min(self.workers, len(texts))
        if workers <= 1:
            for row, text in enumerate(texts):
                out[row] = self._one(text)
            return out
        # map hands the texts out one at a time, so a long text never holds up a fixed share,
        # and yields the vectors in input order.
        for row, vector in enumerate(self._workers().map(self._one, texts)):
            out[row] = vector
        return out

    def _workers(self) -> ThreadPoolExecutor:
        """The encoder's pool of worker threads, started once: a question encodes a few
        sentences at a time, and starting threads for every call cost more than running them."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="askcorpus-encode")
            return self._pool

    def _one(self, text: str) -> np.ndarray:
        encoding = self._tokenizer.encode(text)
        ids = np.array([encoding.ids], dtype=np.int64)
        feeds = {"input_ids": ids}
        if "attention_mask" in self._inputs:  # not in our export; kept for other graphs
            feeds["attention_mask"] = np.ones_like(ids)
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        pooled = self._session.run(None, feeds)[0][0].mean(axis=0)
        return (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)
