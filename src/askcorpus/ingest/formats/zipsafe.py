"""Zip containers (DOCX now; PPTX, XLSX, ODT, EPUB to come) opened with bounds on what they
inflate to, so a small archive cannot exhaust memory (a 2 MB zip can inflate to gigabytes).

Two lines of defence, for every zip-based reader:

* :func:`open_zip` checks the central directory before anything is inflated: the number of
  members, each member's declared inflated size, their total, and the compression ratio of any
  large member. A bomb is refused with a reason while using no memory.
* :func:`read_member` reads one member through a bounded stream, in chunks, and stops as soon
  as the bytes inflated pass what the directory declared (or a caller's smaller limit): a
  directory that lies cannot make it inflate more. (CPython's zipfile also stops at the declared
  size and then fails the CRC check; this does not rely on it.)

Readers that hand the archive to a library (python-docx reads members with ``ZipFile.read``)
are covered by the directory check, as the library reads at most the declared sizes.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from askcorpus.ingest.formats import UnreadableFile

_MIB = 1 << 20
_CHUNK = _MIB


@dataclass(frozen=True, slots=True)
class ZipLimits:
    """Bounds on an archive's inflated contents (the defaults suit office documents)."""

    max_members: int = 10_000
    # One part: a 1,000-page Word document's document.xml is some 30 MB.
    max_member_bytes: int = 128 * _MIB
    max_total_bytes: int = 512 * _MIB
    # XML compresses 5-30x, images and fonts ~1x; a bomb is 1000x. Small parts are exempt.
    max_ratio: float = 200.0
    ratio_floor_bytes: int = _MIB


DEFAULT_LIMITS = ZipLimits()


def _mb(size: int) -> str:
    return f"{size / _MIB:.0f} MB"


def check_directory(
    archive: zipfile.ZipFile, what: str, limits: ZipLimits = DEFAULT_LIMITS
) -> None:
    """Raise :class:`UnreadableFile` when the central directory declares too much to inflate."""
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise UnreadableFile(
            f"{what} has too many parts ({len(members)} > {limits.max_members}) — skipped"
        )
    total = 0
    for info in members:
        size = info.file_size
        if size > limits.max_member_bytes:
            raise UnreadableFile(
                f"{what} part {info.filename} inflates to {_mb(size)} "
                f"(limit {_mb(limits.max_member_bytes)}) — skipped"
            )
        if size > limits.ratio_floor_bytes and size > limits.max_ratio * max(info.compress_size, 1):
            ratio = size / max(info.compress_size, 1)
            raise UnreadableFile(
                f"{what} part {info.filename} is compressed {ratio:.0f}x "
                f"(a zip bomb? limit {limits.max_ratio:.0f}x) — skipped"
            )
        total += size
    if total > limits.max_total_bytes:
        raise UnreadableFile(
            f"{what} inflates to {_mb(total)} in all (limit {_mb(limits.max_total_bytes)}) — skipped"
        )


def open_zip(raw: bytes, what: str, limits: ZipLimits = DEFAULT_LIMITS) -> zipfile.ZipFile:
    """``raw`` opened as a zip archive whose directory passed :func:`check_directory`.

    Raises :class:`UnreadableFile` naming ``what`` ("DOCX", "EPUB") when it is not a zip, is
    damaged, or declares too much.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise UnreadableFile(f"corrupt {what} (not a zip archive)") from exc
    try:
        check_directory(archive, what, limits)
    except UnreadableFile:
        archive.close()
        raise
    return archive


def read_member(archive: zipfile.ZipFile, name: str, what: str, limit: int | None = None) -> bytes:
    """The inflated bytes of member ``name``, read in chunks and never more than it declares
    (nor ``limit``); raises :class:`UnreadableFile` for a missing, damaged or oversized part."""
    try:
        info = archive.getinfo(name)
    except KeyError as exc:
        raise UnreadableFile(f"corrupt {what} (part {name} is missing)") from exc
    bound = info.file_size if limit is None else min(info.file_size, limit)
    if info.file_size > bound:
        raise UnreadableFile(f"{what} part {name} inflates to {_mb(info.file_size)} — skipped")
    out = bytearray()
    try:
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                out += chunk
                if len(out) > bound:
                    raise UnreadableFile(
                        f"corrupt {what} (part {name} inflates past its declared size)"
                    )
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise UnreadableFile(f"corrupt {what} (damaged part {name})") from exc
    return bytes(out)
