"""Plain text and Markdown: the decoded file content, unchanged, so offsets index the file."""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from askcorpus.formats import Extracted, UnreadableFile, heading_sections, register

_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_SETEXT = re.compile(r"^([^\n]+)\n(=+|-+)[ \t]*$", re.MULTILINE)


_LATIN_SINGLE_BYTE = frozenset(
    {"ascii", "latin_1", "cp1250", "cp1252", "cp1254", "cp1257", "cp850", "cp437", "cp1258"}
)


def decode_text(raw: bytes) -> str:
    """Decode bytes as text: BOMs first, then strict UTF-8, then a detected legacy encoding.

    Raises :class:`UnreadableFile` for binary content or undecodable bytes.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return _strict(raw[3:], "utf-8")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
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
    """ "utf-16-le"/"utf-16-be" when the NUL bytes all sit on one side of the byte pairs and the
    bytes decode to printable text.

    In UTF-16 the zero high bytes of ASCII characters (spaces, digits, newlines) fall on every
    second byte, whatever the script of the rest; binary files scatter their NULs.
    """
    sample = raw[:8192]
    if len(sample) < 4 or len(raw) % 2:
        return None
    even_zero = sample[0::2].count(0)
    odd_zero = sample[1::2].count(0)
    if even_zero == odd_zero or min(even_zero, odd_zero) > 0.01 * len(sample) / 2:
        return None
    encoding = "utf-16-le" if odd_zero > even_zero else "utf-16-be"
    try:
        text = sample.decode(encoding)
    except UnicodeDecodeError:
        if len(sample) == len(raw):
            return None
        text = sample[:-2].decode(encoding, errors="replace")  # may cut a surrogate pair
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\n\r\t")
    return encoding if printable >= 0.97 * len(text) else None


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


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    return controls / len(sample) > 0.05


def _first_line_title(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line[:200]
    return None


def guess_title(text: str, path: Path) -> str | None:
    """A title for a plain text file: an early short line that echoes the file name, else the
    first short line; saved web pages often start with navigation ("Skip to Main Content")."""
    stem_words = {w for w in re.split(r"[\W_]+", path.stem.lower()) if len(w) > 2}
    candidates = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            candidates.append(line)
        if len(candidates) >= 15:
            break
    short = [c for c in candidates if len(c.split()) <= 25 and len(c) <= 200]
    if stem_words:

        def overlap(line: str) -> float:
            words = {w for w in re.split(r"\W+", line.lower()) if w}
            return len(stem_words & words) / len(stem_words)

        best = max(short, key=overlap, default=None)
        if best is not None and overlap(best) >= 0.5:
            return best
    return short[0] if short and len(short[0]) <= 120 else None


@register(".txt", ".text")
def read_plain_text(path: Path, raw: bytes) -> Extracted:
    """A plain text file: its first non-blank line (if short) serves as title."""
    text = decode_text(raw)
    if _looks_binary(text):
        raise UnreadableFile("binary file (not text)")
    return Extracted(text=text, title=guess_title(text, path), kind="text")


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_FM_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.MULTILINE | re.IGNORECASE)
_FENCE = re.compile(r"^[ ]{0,3}(```|~~~)", re.MULTILINE)


@register(".md", ".markdown")
def read_markdown(path: Path, raw: bytes) -> Extracted:
    """A Markdown file: text unchanged, headings kept as sections.

    The title is the front matter's ``title:``, else the first H1, else the first line. Section
    titles carry their parent headings ("Install › Linux") so passages keep their context.
    """
    text = decode_text(raw)
    if _looks_binary(text):
        raise UnreadableFile("binary file (not text)")
    body_start = 0
    fm_title = None
    fm = _FRONT_MATTER.match(text)
    if fm:
        body_start = fm.end()
        m = _FM_TITLE.search(fm.group(1))
        if m:
            fm_title = m.group(1).strip().strip("\"'") or None
    fences = [m.start() for m in _FENCE.finditer(text, body_start)]

    def in_fence(pos: int) -> bool:
        return bisect.bisect_left(fences, pos) % 2 == 1

    found: list[tuple[int, int, str]] = []
    for m in _MD_HEADING.finditer(text, body_start):
        if not in_fence(m.start()):
            found.append((m.start(), len(m.group(1)), m.group(2).strip()))
    for m in _SETEXT.finditer(text, body_start):
        line = m.group(1).strip()
        plain = line and not line.startswith(("#", "-", "*", ">", "|", "```", "~~~"))
        if plain and not in_fence(m.start()) and not _list_or_table(line):
            found.append((m.start(), 1 if m.group(2)[0] == "=" else 2, line))
    found.sort()
    h1 = next((title for _s, level, title in found if level == 1), None)
    return Extracted(
        text=text,
        title=fm_title or h1 or _first_line_title(text[body_start:]),
        kind="markdown",
        sections=heading_sections(found),
    )


def _list_or_table(line: str) -> bool:
    return bool(re.match(r"^(?:\d+[.)]|[+*-])\s", line)) or "|" in line
