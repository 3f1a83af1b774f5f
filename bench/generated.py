"""Generated corpora for the scale runs, and a stand-in embedder for building large indexes.

Text: sentences of 8-22 words drawn (with a fixed seed) from SciFact's vocabulary, grouped in
paragraphs, ~1,200 words per document, so the chunker cuts ~10 passages per document.

:class:`StandInEmbedder` gives each text a deterministic pseudo-random unit vector. It lets the
benchmarks build 10k-100k passage indexes in minutes on 2 shared cores, to measure everything
that is *not* the model (reading, chunking, SQLite, FTS5, FAISS, memory, disk); the model's
share is measured separately with the real model and added (see docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bench.common import scifact_docs

DIM = 384


def vocabulary(size: int = 20_000) -> list[str]:
    """The ``size`` most frequent words of SciFact's abstracts."""
    counts: dict[str, int] = {}
    for d in scifact_docs(2000):
        for w in re.findall(r"[A-Za-z][a-z]{2,}", d["text"]):
            counts[w.lower()] = counts.get(w.lower(), 0) + 1
    return sorted(counts, key=lambda w: -counts[w])[:size]


def write_corpus(folder: Path, documents: int, words_per_doc: int = 1200, seed: int = 0) -> Path:
    """``documents`` generated .txt files in ``folder`` (reused when already complete)."""
    stamp = folder / ".complete"
    key = f"{documents}:{words_per_doc}:{seed}"
    if stamp.is_file() and stamp.read_text() == key:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    words = np.array(vocabulary())
    # Zipf-like word frequencies, as in real text.
    weights = 1.0 / np.arange(1, len(words) + 1)
    weights /= weights.sum()
    rng = np.random.default_rng(seed)
    for n in range(documents):
        # One draw per document (fast), cut into sentences and paragraphs.
        pool = words[rng.choice(len(words), words_per_doc + 30, p=weights)]
        lengths = rng.integers(8, 23, words_per_doc // 8 + 2)
        per_paragraph = rng.integers(3, 7, words_per_doc // 24 + 2)
        sentences, at = [], 0
        for length in lengths:
            if at >= words_per_doc:
                break
            sentence = " ".join(pool[at : at + length])
            sentences.append(sentence[0].upper() + sentence[1:] + ".")
            at += int(length)
        paragraphs, at = [], 0
        for count in per_paragraph:
            if at >= len(sentences):
                break
            paragraphs.append(" ".join(sentences[at : at + int(count)]))
            at += int(count)
        title = " ".join(rng.choice(words, 5, p=weights)).title()
        body = "\n\n".join(paragraphs)
        (folder / f"doc{n:06d}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    stamp.write_text(key)
    return folder


class StandInEmbedder:
    """Deterministic pseudo-random unit vectors per text; the Embedder interface, no model."""

    model_name = "all-MiniLM-L6-v2"
    loaded = True
    dimension = DIM
    max_tokens = 256
    # Recorded in the manifest: the encoder the real model uses on these indexes later (the
    # incremental and query benchmarks) is the app's default.
    backend = "onnx-int8"

    def __init__(self) -> None:
        self.seconds = 0.0

    def load(self) -> None:
        """Nothing to load."""

    def with_backend(self, backend: str, strict: bool = True) -> StandInEmbedder:
        """The same stand-in whatever encoder is asked for."""
        return self

    def match_index(
        self, backend: str, strict: bool = False, where: Path | None = None
    ) -> StandInEmbedder:
        """The same stand-in whatever encoder made the index."""
        return self

    def _vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
        v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
        return v / np.linalg.norm(v)

    def encode_passages(
        self,
        texts: Sequence[str],
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        block: int = 512,
    ) -> np.ndarray:
        """One vector per text."""
        out = np.stack([self._vector(t) for t in texts]) if texts else np.empty((0, DIM))
        if progress is not None:
            progress(len(texts), len(texts))
        return out.astype(np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """One vector for a question."""
        return self._vector(text).reshape(1, -1)
