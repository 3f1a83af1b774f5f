"""Synthetic documents with random unit vectors, for store tests that need no model."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from askcorpus.records import Document, Passage

DIM = 16


def synthetic(source: str, n: int, seed: int) -> tuple[Document, list[Passage], np.ndarray]:
    """A document of ``n`` one-word passages with random unit vectors; its content hash is
    ``f"{source}-{seed}"``."""
    words = [f"{source}w{seed}x{i}" for i in range(n)]
    text = " ".join(words)
    doc = Document(source, Path(source), source, text, f"{source}-{seed}", len(text), 1.0)
    passages, pos = [], 0
    for i, w in enumerate(words):
        passages.append(Passage(source, i, pos, pos + len(w), w, i + 1))
        pos += len(w) + 1
    v = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    return doc, passages, v / np.linalg.norm(v, axis=1, keepdims=True)
