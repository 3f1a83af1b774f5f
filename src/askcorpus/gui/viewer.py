"""Opening a PDF in the user's viewer at a given page (no Qt here).

``xdg-open`` and the desktop's "open file" cannot pass a page, so known viewers are started
directly with their own page option: the desktop's default PDF app when it is one of them
(``xdg-mime query default application/pdf``), else the first one installed. When none is,
the caller opens the file the usual way and says which page the passage is on.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Viewer:
    """A PDF viewer that can open a file at a page: its program, the words that name it in a
    desktop file's name, and how its command line is built (``page`` is 1-based)."""

    program: str
    names: tuple[str, ...]
    arguments: Callable[[Path, int], list[str]]


VIEWERS: tuple[Viewer, ...] = (
    Viewer("evince", ("evince",), lambda f, p: [f"--page-index={p}", str(f)]),
    Viewer("okular", ("okular",), lambda f, p: ["-p", str(p), str(f)]),
    Viewer("zathura", ("zathura",), lambda f, p: ["-P", str(p), str(f)]),
    Viewer("atril", ("atril",), lambda f, p: [f"--page-index={p}", str(f)]),
    Viewer("xreader", ("xreader",), lambda f, p: [f"--page-index={p}", str(f)]),
    Viewer("qpdfview", ("qpdfview",), lambda f, p: ["--unique", f"{f}#{p}"]),
)


def default_pdf_app(search_path: str | None = None) -> str:
    """The desktop file of the default PDF app (e.g. 'org.gnome.Evince.desktop'), or ''."""
    xdg_mime = shutil.which("xdg-mime", path=search_path)
    if xdg_mime is None:
        return ""
    try:
        done = subprocess.run(
            [xdg_mime, "query", "default", "application/pdf"],
            capture_output=True,
            text=True,
            timeout=3,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def page_command(file: Path, page: int, search_path: str | None = None) -> list[str] | None:
    """The command that opens ``file`` at ``page`` in an installed viewer, preferring the
    desktop's default PDF app; None when no viewer that takes a page is installed."""
    installed = [
        (v, found) for v in VIEWERS if (found := shutil.which(v.program, path=search_path))
    ]
    if not installed:
        return None
    default = default_pdf_app(search_path).lower()
    chosen = next(((v, f) for v, f in installed if any(n in default for n in v.names)), None)
    viewer, program = chosen or installed[0]
    return [program, *viewer.arguments(file, page)]


def open_at_page(file: Path, page: int, search_path: str | None = None) -> str | None:
    """Start a viewer showing ``file`` at ``page``; the viewer's name, or None when no viewer
    that takes a page is installed or it could not be started."""
    command = page_command(file, page, search_path)
    if command is None:
        return None
    try:
        # Its own session: the viewer outlives the window and never shares its terminal.
        subprocess.Popen(  # noqa: S603 - a fixed program with the file as an argument
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        log.warning("cannot start %s", command[0], exc_info=True)
        return None
    return Path(command[0]).name
