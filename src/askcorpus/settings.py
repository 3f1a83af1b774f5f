"""One place for settings: a frozen :class:`Settings` built at an entry point and passed down.

Only entry points (CLI, window, benchmarks) call :func:`Settings.from_env`; library code receives
a ``Settings`` and never reads the environment itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

MODEL_NAME = "all-MiniLM-L6-v2"
SCHEMA_VERSION = 2  # 2: documents and passages carry a checksum of what they show


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
    threads: int | None = None
    #: A long indexing run publishes its progress at least this often (see askcorpus.indexer).
    checkpoint_seconds: float = 600.0
    #: Which encoder runs the model: "auto" (ONNX int8 when it can run, else torch),
    #: "onnx-int8" or "torch" (see askcorpus.embedding).
    encoder: str = "auto"
    #: Folder for the exported ONNX model (default ~/.cache/askcorpus).
    cache_dir: Path | None = None

    def with_paths(self, corpus_dir: Path | None = None, index_dir: Path | None = None) -> Settings:
        """A copy with other corpus and/or index folders."""
        return replace(
            self,
            corpus_dir=corpus_dir if corpus_dir is not None else self.corpus_dir,
            index_dir=index_dir if index_dir is not None else self.index_dir,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``ASKCORPUS_*`` environment variables; call only from entry points."""
        env = os.environ if env is None else env
        kwargs: dict[str, object] = {}
        if "ASKCORPUS_CORPUS" in env:
            kwargs["corpus_dir"] = Path(env["ASKCORPUS_CORPUS"])
        if "ASKCORPUS_INDEX" in env:
            kwargs["index_dir"] = Path(env["ASKCORPUS_INDEX"])
        if "ASKCORPUS_MODEL_PATH" in env:
            kwargs["model_path"] = Path(env["ASKCORPUS_MODEL_PATH"])
        if "ASKCORPUS_BATCH_SIZE" in env:
            kwargs["batch_size"] = int(env["ASKCORPUS_BATCH_SIZE"])
        if "ASKCORPUS_THREADS" in env:
            kwargs["threads"] = int(env["ASKCORPUS_THREADS"])
        if "ASKCORPUS_CHECKPOINT_SECONDS" in env:
            kwargs["checkpoint_seconds"] = float(env["ASKCORPUS_CHECKPOINT_SECONDS"])
        if "ASKCORPUS_ENCODER" in env:
            kwargs["encoder"] = env["ASKCORPUS_ENCODER"]
        if "ASKCORPUS_CACHE_DIR" in env:
            kwargs["cache_dir"] = Path(env["ASKCORPUS_CACHE_DIR"])
        elif env.get("XDG_CACHE_HOME"):
            kwargs["cache_dir"] = Path(env["XDG_CACHE_HOME"]) / "askcorpus"
        return cls(**kwargs)  # type: ignore[arg-type]
