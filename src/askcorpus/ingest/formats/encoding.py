"""Decoding a text file's bytes: byte-order marks, UTF-8, UTF-16 without a BOM, legacy code pages.

Shared by the plain text, Markdown and HTML readers (:func:`decode_text`, :func:`bom_encoding`).
Undecodable or binary content raises :class:`UnreadableFile` with a one-line reason.
"""

from __future__ import annotations

from collections import Counter

from askcorpus.ingest.formats import UnreadableFile

_LATIN_SINGLE_BYTE = frozenset(
    {"ascii", "latin_1", "cp1250", "cp1252", "cp1254", "cp1257", "cp850", "cp437", "cp1258"}
)


def bom_encoding(raw: bytes) -> str | None:
    """The encoding a byte-order mark at the start of ``raw`` announces (``utf-8`` or
    ``utf-16``), or None when there is none."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return None


def decode_text(raw: bytes) -> str:
    """Decode bytes as text: BOMs first, then strict UTF-8, then a detected legacy encoding.

    Raises :class:`UnreadableFile` for binary content or undecodable bytes.
    """
    bom = bom_encoding(raw)
    if bom == "utf-8":
        return _strict(raw[3:], "utf-8")
    if bom == "utf-16":  # Python's utf-16 codec reads the BOM itself
        return _strict(raw, "utf-16")
    if b"\x00" in raw[:8192]:
        utf16 = _utf16_without_bom(raw)
        if utf16 is None:
            raise UnreadableFile("binary file (contains NUL bytes)")
        return _strict(raw, utf16)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    mostly_utf8 = _damaged_utf8(raw)
    if mostly_utf8 is not None:
        return mostly_utf8
    from charset_normalizer import from_bytes

    best = from_bytes(raw[: 1 << 20]).best()
    if best is None or best.encoding is None:
        raise UnreadableFile("cannot detect the text encoding")
    encoding = best.encoding
    # Latin-script guesses among the single-byte code pages are near-ties; Windows-1252 is by
    # far the commonest legacy encoding of Western text, so prefer it when it decodes cleanly.
    if encoding in _LATIN_SINGLE_BYTE or encoding.startswith(("iso8859", "mac_")):
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return _strict(raw, "latin-1")


def _utf16_without_bom(raw: bytes) -> str | None:
    """ "utf-16-le"/"utf-16-be" when the bytes decode, in that byte order, to text that looks
    written: nearly all printable, and nearly all in ASCII plus at most three scripts.

    Zero bytes alone cannot tell: ASCII in UTF-16 puts them on the high-byte side, but Chinese
    text puts them on the other side too (U+4E00 "一" is ``00 4E`` in UTF-16-LE). Binary files
    fail the content test: random bytes hit unpaired surrogates, NUL-padded ones (executables)
    decode to NULs, and 16-bit data scatters over many scripts. When both byte orders pass
    (English read backwards is plausible CJK), the one putting more zero bytes in the high-byte
    position wins.
    """
    sample = raw[:8192]
    if len(sample) < 4 or len(raw) % 2:
        return None
    zeros_as_high = {"utf-16-le": sample[1::2].count(0), "utf-16-be": sample[0::2].count(0)}
    passing = [enc for enc in zeros_as_high if _looks_written(sample, len(sample) == len(raw), enc)]
    if not passing:
        return None
    return max(passing, key=lambda enc: zeros_as_high[enc])


def _looks_written(sample: bytes, whole: bool, encoding: str) -> bool:
    try:
        text = sample.decode(encoding)
    except UnicodeDecodeError:
        if whole:
            return False
        try:  # the sample may end inside a surrogate pair
            text = sample[:-2].decode(encoding)
        except UnicodeDecodeError:
            return False
    if not text:
        return False
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\n\r\t")
    if printable < 0.97 * len(text):
        return False
    blocks = Counter(_script_block(ord(ch)) for ch in text if ord(ch) > 0x7F)
    in_top = sum(n for _block, n in blocks.most_common(3))
    non_ascii = sum(blocks.values())
    return non_ascii - in_top <= 0.05 * len(text)


def _script_block(code: int) -> int:
    """A coarse script id: the CJK ideographs and Hangul syllables as one block each (a Chinese
    text spreads over the whole range), else the 128-code-point block."""
    if 0x4E00 <= code <= 0x9FFF:
        return -1
    if 0xAC00 <= code <= 0xD7AF:
        return -2
    return code >> 7


def _damaged_utf8(raw: bytes) -> str | None:
    """UTF-8 with a few invalid bytes (a bad copy, a truncated write), decoded with U+FFFD.

    A legacy single-byte file almost never forms valid multi-byte UTF-8 sequences, so when the
    valid non-ASCII characters far outnumber the invalid bytes the file is UTF-8, slightly broken.
    """
    text = raw.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 0x7F) - bad
    return text if good >= 4 * bad and good >= 3 else None


def _strict(raw: bytes, encoding: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"invalid {encoding} text") from exc
