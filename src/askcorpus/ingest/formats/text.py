"""Plain text and Markdown: the decoded file content, so offsets index the file.

A plain text file saved from a web page often opens with the site's furniture ("Skip to Main
Content", "Log in through your library", "Menu") and ends with more ("Explore our related
content", "Back to top"). Those lines are not the document: they would open its first passage,
match every question about it and pass for its title. :func:`web_furniture_bounds` finds such a
run of lines at the start and at the end, and they are blanked (every character but line breaks
becomes a space): the text keeps the file's length and line structure, so every offset still
indexes the file and every passage is still a verbatim quote of it, but no passage and no title
holds the furniture. Lines inside the text are never touched. Markdown is written by people,
not saved from pages, and is kept whole.
"""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from askcorpus.ingest.formats import Extracted, UnreadableFile, heading_sections, register
from askcorpus.ingest.formats.encoding import decode_text

_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_SETEXT = re.compile(r"^([^\n]+)\n(=+|-+)[ \t]*$", re.MULTILINE)


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


# Lines that are page furniture, matched against a whole line (case-insensitively). A run of
# them is cut only when it holds a line that can be nothing else (_STRONG): a file that merely
# opens with a word like "Home" or "Search" (a title, a poem) is left alone.
_ACCOUNT = r"(?:log ?in|sign ?in|sign ?up|log ?out|sign ?out|register|subscribe|my account)"
_STRONG = re.compile(
    r"(?:skip(?: to)?(?: the)?(?: main)? (?:content|navigation|search|menu)"
    rf"|{_ACCOUNT}(?:\s*(?:/|\||or|and)\s*{_ACCOUNT})*"
    r"|(?:log ?in|sign ?in|sign ?up|subscribe) (?:to|through|with|via|for) (?:your |my |an? )?"
    r"\w+(?: \w+)?"
    r"|(?:already )?(?:have|got) (?:an? )?(?:\w+ )?(?:account|access|subscription)\?.{0,60}"
    r"|(?:we|this (?:site|website)) uses? cookies.{0,100}"
    r"|.{0,40}\bcookie (?:policy|settings|preferences|consent)\b.{0,40}"
    r"|(?:accept|reject|decline)(?: all)? cookies"
    r"|(?:explore |see |more |read )?(?:our |the )?related (?:content|articles|posts|stories"
    r"|reading|topics)"
    r"|(?:back|go|scroll|return) to (?:the )?top"
    r"|(?:share|print|email|cite) this (?:page|article|item|story|post)"
    r"|(?:toggle|skip|site|main) (?:navigation|menu)|(?:open|close) (?:the )?menu"
    r"|placeholder (?:canvas|image|img|photo|picture|graphic)|(?:image|photo) placeholder"
    r"|(?:[^|•·]{1,25} [|•·] ){2,}[^|•·]{1,25}"
    r"|(?:copyright )?(?:©|\(c\)) ?(?:\d{4}|[a-z]).{0,80}|all rights reserved\.?"
    r"|advertisement)[\s.:!?»›>|•·-]*",
    re.IGNORECASE,
)
_WEAK = re.compile(
    r"(?:home|search|close|back|print|e-?mail|share|tweet|facebook|twitter|x|linkedin|whatsapp"
    r"|reddit|donate|menu|next|previous|top|read more|see more|show more|load more"
    r"|you may also like|recommended for you|most (?:read|popular)|trending(?: now)?"
    r"|sponsored(?: content)?|privacy policy|terms (?:of (?:use|service)|and conditions))"
    r"[\s.:!?»›>|•·-]*",
    re.IGNORECASE,
)
_FURNITURE_WORDS = 16
# Only this many lines at each end are looked at: furniture is a handful of short lines.
_FURNITURE_LINES = 12


def _furniture(line: str) -> int:
    """2 for a line that can only be page furniture, 1 for one that may be, else 0."""
    line = line.strip().lstrip("•·*-–—>›| ").strip()
    if not line or len(line.split()) > _FURNITURE_WORDS:
        return 0
    if _STRONG.fullmatch(line):
        return 2
    return 1 if _WEAK.fullmatch(line) else 0


def _furniture_run(lines: list[str]) -> int:
    """How many of ``lines`` (from the edge inwards) form a run of furniture and blank lines
    holding at least one certain furniture line; 0 when there is none."""
    run = certain = 0
    for n, line in enumerate(lines[:_FURNITURE_LINES], 1):
        if not line.strip():
            continue
        kind = _furniture(line)
        if not kind:
            break
        certain += kind == 2
        run = n
    if not certain:
        return 0
    # Blank lines after the last furniture line go with it.
    while run < len(lines) and not lines[run].strip():
        run += 1
    return run


def web_furniture_bounds(text: str) -> tuple[int, int]:
    """``(start, end)`` of ``text`` without the web-page furniture lines that open or close it;
    ``(0, len(text))`` when there are none or nothing else would be left."""
    lines = text.splitlines(keepends=True)
    head = _furniture_run(lines)
    tail = _furniture_run(lines[head:][::-1])
    start = sum(len(line) for line in lines[:head])
    end = len(text) - sum(len(line) for line in lines[len(lines) - tail :]) if tail else len(text)
    if not text[start:end].strip():
        return 0, len(text)
    return start, end


_NOT_LINE_BREAK = re.compile(r"[^\r\n]")


def _blank(text: str) -> str:
    """``text`` with every character but line breaks replaced by a space (same length)."""
    return _NOT_LINE_BREAK.sub(" ", text)


@register(".txt", ".text")
def read_plain_text(path: Path, raw: bytes) -> Extracted:
    """A plain text file, with the web-page furniture around it blanked (see the module
    docstring); a line echoing the file name, else its first short line, serves as title."""
    text = decode_text(raw)
    if _looks_binary(text):
        raise UnreadableFile("binary file (not text)")
    start, end = web_furniture_bounds(text)
    if (start, end) != (0, len(text)):
        text = _blank(text[:start]) + text[start:end] + _blank(text[end:])
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
