"""Hostile variants of a valid zip-based document, for the readers' refusal tests."""

from __future__ import annotations

import zipfile
from pathlib import Path


def add_bomb_member(template: Path, out: Path, member: str, inflated: int = 8 << 20) -> Path:
    """``template`` with ``member`` replaced (or added) by ``inflated`` bytes of whitespace:
    compressed ~1000x, so the directory check refuses it as a zip bomb."""
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != member:
                dst.writestr(info, src.read(info))
        with dst.open(member, "w", force_zip64=True) as stream:
            block = b" " * (1 << 20)
            for _ in range(inflated >> 20):
                stream.write(block)
    return out


def truncated(path: Path, out: Path) -> Path:
    """The first half of ``path``'s bytes."""
    raw = path.read_bytes()
    out.write_bytes(raw[: len(raw) // 2])
    return out
