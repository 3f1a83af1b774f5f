"""Decoding a text file's bytes: byte-order marks, UTF-8, UTF-16 without a BOM, legacy code pages.

Shared by the plain text, Markdown and HTML readers (:func:`decode_text`, :func:`bom_encoding`).
Undecodable or binary content raises :class:`UnreadableFile` with a one-line reason.

Legacy single-byte files: charset-normalizer names the script (Latin, Cyrillic, ...), but its
choice among the code pages of one script is a near-tie, so the bytes are decoded with each of
the few code pages in use for that script and the first that reads cleanly wins, cp1252 first
for Latin-script text (:func:`_best_reading`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from askcorpus.ingest.formats import UnreadableFile

# Single-byte code pages charset-normalizer may name for Latin-script text. Among them its guesses
# are near-ties (Western text comes out as cp1257 or cp1250, Polish as iso8859_3), so the
# choice is made among the few code pages actually in use, by how the decoded text reads.
_LATIN_SINGLE_BYTE = frozenset(
    {"ascii", "latin_1", "cp1250", "cp1252", "cp1254", "cp1257", "cp1258", "cp437", "cp775"}
    | {"cp850", "cp852", "cp857", "cp858", "cp860", "cp861", "cp863", "cp865", "hp_roman8"}
    | {f"iso8859_{n}" for n in (1, 2, 3, 4, 9, 10, 13, 14, 15, 16)}
    | {"mac_roman", "mac_latin2", "mac_iceland", "mac_turkish", "mac_croatian", "mac_romanian"}
)
# Windows-1252 first: by far the commonest legacy encoding of Western text; then the Central
# European pages (Polish, Czech, Hungarian...), which cp1252 also decodes, into "Wis³¹".
_LATIN_CHOICES = ("cp1252", "cp1250", "iso8859_2")
_CYRILLIC_SINGLE_BYTE = frozenset(
    {"cp1251", "koi8_r", "koi8_u", "iso8859_5", "mac_cyrillic", "cp866", "cp855", "cp1125"}
    | {"ptcp154", "kz1048"}
)
# cp1251 first, the Windows page nearly all Russian legacy text is in; charset-normalizer often
# guesses mac_cyrillic, koi8_r or cp1125 for it.
_CYRILLIC_CHOICES = ("cp1251", "koi8_r", "iso8859_5", "mac_cyrillic", "cp866")
_OTHER_SINGLE_BYTE = frozenset(
    {"cp1253", "iso8859_7", "mac_greek", "cp737", "cp869", "cp1255", "iso8859_8", "cp862"}
    | {"cp1256", "iso8859_6", "mac_arabic", "cp864", "cp874", "iso8859_11", "tis_620"}
)
# A later choice must read better than the first by this many odd words or characters: one
# "km³" in Western text is no reason to read it as Central European.
_MARGIN = 2
# How much of the text the choice reads (the score is a count, so more only costs time).
_SCORE_SAMPLE = 1 << 16


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
    if encoding in _LATIN_SINGLE_BYTE:
        return _best_reading(raw, _LATIN_CHOICES)
    if encoding in _CYRILLIC_SINGLE_BYTE:
        return _best_reading(raw, tuple(dict.fromkeys((*_CYRILLIC_CHOICES, encoding))))
    if encoding in _OTHER_SINGLE_BYTE:
        # Greek and the rest: the guess, unless it cannot decode the bytes or reads badly; short
        # Russian text in cp1251 is sometimes guessed as cp1253 (which has no "Т" or "я").
        return _best_reading(raw, (encoding, "cp1251"))
    # The CJK multi-byte encodings and the like: the guess as it is.
    try:
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return _strict(raw, "latin-1")


def _best_reading(raw: bytes, choices: tuple[str, ...]) -> str:
    """``raw`` decoded with the first of ``choices`` unless a later one reads clearly better
    (:func:`_oddities`); code pages that cannot decode the bytes drop out."""
    best_text: str | None = None
    best_score = first_score = 0
    for encoding in choices:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = _oddities(text[:_SCORE_SAMPLE])
        if best_text is None:
            best_text, best_score, first_score = text, score, score
        elif score <= first_score - _MARGIN and score < best_score:
            best_text, best_score = text, score
        if best_score == 0:
            break
    return best_text if best_text is not None else _strict(raw, "latin-1")


_WORD_LETTERS = re.compile(r"[^\W\d_]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Punctuation that sits between letters in well-formed text: l’été, l·l, word—word.
_IN_WORD_PUNCTUATION = frozenset("’‘—–·‐‑")


def _oddities(text: str) -> int:
    """How badly ``text`` reads as decoded: what a wrong single-byte code page produces.

    Counts words whose case is scrambled (an uppercase non-ASCII letter inside a word that also
    has lowercase ones: KOI8-R read as cp1251 gives "мОСКВА", ISO-8859-5 gives "їаШТХв") and
    non-ASCII symbols, superscripts, fractions and control characters touching a letter (Polish
    in ISO-8859-2 read as cp1252 gives "Wis³¹", "ja¼ñ"). Text in the right code page has
    almost none; ASCII counts the same under every choice, so only the differences decide.
    """
    odd = 0
    for m in _WORD_LETTERS.finditer(text):
        word = m.group()
        if word.isascii() or word.isupper() or word.islower():
            continue
        if any(ch.isupper() and not ch.isascii() for ch in word[1:]):
            odd += 1
    for m in _NON_ASCII.finditer(text):
        ch, i = m.group(), m.start()
        if ch.isalpha() or ch.isspace():
            continue
        before = text[i - 1].isalpha() if i else False
        after = text[i + 1].isalpha() if i + 1 < len(text) else False
        kind = unicodedata.category(ch)
        if kind[0] in "SC" or kind == "No":
            odd += before or after
        elif kind[0] == "P" and ch not in _IN_WORD_PUNCTUATION:
            odd += before and after  # "lu»ou" (Czech "luťou" read as cp1250)
    return odd


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
