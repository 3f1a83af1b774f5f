"""The bundled model run by sentence-transformers on torch: the reference encoder and the
fallback when ONNX Runtime is unavailable. torch is imported only when this encoder loads."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from askcorpus.errors import ModelError

log = logging.getLogger(__name__)

BACKEND = "torch"


def prepare_process() -> None:
    """Environment that must be set before torch or transformers load (offline, quiet, calm)."""
    # Never reach for a hub: the weights are on disk and the user may be offline.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # OpenMP threads that spin while waiting steal the cores they wait for when the machine
    # is busy: measured 9x slower question encoding and 1.2-1.6x slower indexing under load
    # (docs/benchmarks.md). Must be set before torch loads its OpenMP runtime.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


class TorchEncoder:
    """sentence-transformers' ``SentenceTransformer`` over the model folder, on the CPU."""

    backend = BACKEND

    def __init__(self, model_dir: Path, threads: int | None = None):
        prepare_process()
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
        if threads:
            torch.set_num_threads(threads)
        log.info("loading embedding model from %s (torch)", model_dir)
        try:
            model: Any = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        except Exception as exc:
            raise ModelError(f"cannot load the embedding model: {exc}", model_dir) from exc
        model.eval()
        self._model = model
        getter = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        self.dimension = int(getter())
        self.max_tokens = int(model.max_seq_length)

    def encode(self, texts: Sequence[str], batch_size: int, query: bool = False) -> np.ndarray:
        """Normalised float32 vectors of ``texts``, in input order (the model is symmetric:
        questions and passages are encoded alike)."""
        vectors = self._model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
