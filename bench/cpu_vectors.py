"""Do the int8 encoder's vectors depend on the processor? ONNX Runtime picks its int8 matrix
kernels by instruction set (AVX2, AVX-512 VNNI, ...), so the same export may give other vectors
on another machine (docs/quality.md, "2 Dec 2026, session 9").

    python -m bench.cpu_vectors encode native.npy [--texts 20] [--cache DIR]
    qemu-x86_64 -cpu Haswell .venv/bin/python -m bench.cpu_vectors encode avx2.npy
    python -m bench.cpu_vectors compare native.npy avx2.npy

``encode`` embeds the first SciFact abstracts one per call, as indexing does, with the
bundled model's export from ``--cache`` (the user's cache by default); run it under
``qemu-x86_64 -cpu MODEL`` (Debian's qemu-user) to emulate another processor (~2 minutes for
20 texts). ``compare`` prints how far the two files' vectors are apart.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from askcorpus.embed.embedder import bundled_model_path, default_cache_dir
from askcorpus.embed.onnx_encoder import OnnxEncoder
from bench.common import scifact_docs


def encode(out: Path, count: int, cache: Path) -> None:
    """Save the vectors of the first ``count`` SciFact abstracts to ``out``."""
    texts = [doc["text"] for doc in scifact_docs(count)]
    encoder = OnnxEncoder(bundled_model_path(), cache, threads=1)
    np.save(out, np.vstack([encoder.encode([t]) for t in texts]))


def compare(first: Path, second: Path) -> str:
    """How far apart the vectors of two ``encode`` files are, row by row."""
    a, b = np.load(first), np.load(second)
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    same = int((a == b).all(1).sum())
    return (
        f"{same} of {len(a)} vectors identical; cosine median {np.median(cos):.5f}, "
        f"minimum {cos.min():.5f}; largest difference {np.abs(a - b).max():.2e}"
    )


def main() -> None:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    enc = sub.add_parser("encode")
    enc.add_argument("out", type=Path)
    enc.add_argument("--texts", type=int, default=20)
    enc.add_argument("--cache", type=Path, default=None)
    cmp = sub.add_parser("compare")
    cmp.add_argument("first", type=Path)
    cmp.add_argument("second", type=Path)
    args = parser.parse_args()
    if args.command == "encode":
        encode(args.out, args.texts, args.cache or default_cache_dir())
    else:
        print(compare(args.first, args.second))


if __name__ == "__main__":
    main()
