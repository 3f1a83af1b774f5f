"""Plain text and Markdown: the decoded file content, unchanged, so offsets index the file."""

from __future__ import annotations

import re
from pathlib import Path

from askcorpus.formats import Extracted, UnreadableFile, register
from askcorpus.records import Section

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
        raise UnreadableFile("binary file (contains NUL bytes)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
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


@register(".md", ".markdown")
def read_markdown(path: Path, raw: bytes) -> Extracted:
    """A Markdown file: text unchanged, headings kept as sections, first H1 as title."""
    text = decode_text(raw)
    if _looks_binary(text):
        raise UnreadableFile("binary file (not text)")
    found: list[tuple[int, int, str]] = []
    in_fence = False
    fence_spans = []
    for m in re.finditer(r"^(```|~~~)", text, re.MULTILINE):
        fence_spans.append(m.start())
    for m in _MD_HEADING.finditer(text):
        in_fence = sum(1 for f in fence_spans if f < m.start()) % 2 == 1
        if not in_fence:
            found.append((m.start(), len(m.group(1)), m.group(2).strip()))
    for m in _SETEXT.finditer(text):
        if m.group(1).strip() and not m.group(1).lstrip().startswith(("#", "-", "*", ">")):
            found.append((m.start(), 1 if m.group(2)[0] == "=" else 2, m.group(1).strip()))
    found.sort()
    sections = tuple(Section(start, title) for start, _level, title in found)
    h1 = next((title for _s, level, title in found if level == 1), None)
    return Extracted(
        text=text, title=h1 or _first_line_title(text), kind="markdown", sections=sections
    )
