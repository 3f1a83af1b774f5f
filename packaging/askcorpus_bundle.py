"""Entry point of the standalone bundle (``packaging/askcorpus.spec``): the ``askcorpus`` command.

The bundle has neither torch nor transformers, so it cannot export the model to ONNX itself; it
carries the int8 export made at build time (``askcorpus_onnx/minilm-KEY.onnx``, KEY the cache
key of the bundled model folder). Before the CLI starts, that file is copied into the user's
model cache (where :func:`askcorpus.embed.onnx_export.exported_model` looks for it) unless it is
already there: 59 MB once, after which the bundle behaves like an installed askcorpus. A copy,
not a link, so moving or deleting the bundle folder never leaves a dangling cache entry.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
from pathlib import Path

log = logging.getLogger("askcorpus.bundle")


def shipped_export() -> Path | None:
    """The ONNX export inside the bundle (None when run outside one)."""
    root = getattr(sys, "_MEIPASS", None)
    if root is None:
        return None
    return next(iter(sorted((Path(root) / "askcorpus_onnx").glob("minilm-*.onnx"))), None)


def seed_cache(shipped: Path, cache_dir: Path) -> Path | None:
    """Copy ``shipped`` into ``cache_dir/onnx/`` unless it is there; returns the cached file, or
    None when the cache cannot be written (the encoder then says why when it loads)."""
    target = cache_dir / "onnx" / shipped.name
    if target.is_file():
        return target
    partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shipped, partial)
        os.replace(partial, target)  # atomic: a second process never reads half a file
    except OSError as exc:
        log.warning("cannot copy the bundled model into %s: %s", target.parent, exc)
        with contextlib.suppress(OSError):
            partial.unlink()
        return None
    return target


def main() -> None:
    """Seed the model cache from the bundle, then run the askcorpus CLI (or its window)."""
    shipped = shipped_export()
    if shipped is not None:
        from askcorpus.embed.embedder import default_cache_dir
        from askcorpus.errors import AskcorpusError
        from askcorpus.settings import Settings

        try:
            cache = Settings.from_env().cache_dir or default_cache_dir()
        except AskcorpusError:
            cache = None  # the CLI reports the bad setting itself, in one line
        if cache is not None:
            seed_cache(shipped, cache)
    from askcorpus.__main__ import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
