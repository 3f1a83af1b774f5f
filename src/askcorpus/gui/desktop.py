"""The desktop menu entry: ``askcorpus desktop-install`` writes ``askcorpus.desktop`` and the icon
into ``$XDG_DATA_HOME`` (default ``~/.local/share``), ``desktop-uninstall`` removes them again.

The entry runs ``askcorpus-gui`` (the gui-script installed next to this interpreter) with the
folder a file manager hands it (``MimeType=inode/directory``: "Open with askcorpus"). Only files
are written, no Qt is needed, so it works from a terminal without a display. An uninstall removes
only what an install wrote: the entry carries a marker line, the icon is compared with ours.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from askcorpus import __version__
from askcorpus.errors import AskcorpusError

APP_ID = "askcorpus"
#: The marker of an entry this module wrote (keys starting with X- are the spec's extensions).
MARKER = "X-Askcorpus-Version"
GUI_SCRIPT = "askcorpus-gui"
# Characters an Exec argument may only hold inside double quotes (Desktop Entry spec, "The Exec
# key"); inside the quotes, these four need a backslash.
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
_ESCAPED_IN_QUOTES = set('"`$\\')


class DesktopInstallError(AskcorpusError):
    """The desktop entry or icon cannot be written or removed."""


@dataclass(frozen=True, slots=True)
class DesktopFiles:
    """Where the entry and the icon go under one data folder."""

    entry: Path
    icon: Path

    @classmethod
    def under(cls, data_dir: Path) -> DesktopFiles:
        return cls(
            entry=data_dir / "applications" / f"{APP_ID}.desktop",
            icon=data_dir / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg",
        )


@dataclass(frozen=True, slots=True)
class Removal:
    """What an uninstall did: the files it removed and those it left (not written by us)."""

    removed: tuple[Path, ...]
    kept: tuple[Path, ...]


def data_home(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_DATA_HOME``, or ``~/.local/share`` when it is unset, empty or relative (the XDG
    Base Directory spec says a relative path is invalid and to be ignored)."""
    env = os.environ if env is None else env
    value = env.get("XDG_DATA_HOME", "")
    if value and Path(value).is_absolute():
        return Path(value)
    return Path.home() / ".local" / "share"


def gui_command(bin_dir: Path | None = None) -> list[str]:
    """The command that opens the window: ``askcorpus-gui`` installed next to this interpreter
    (``bin_dir``), else the one on PATH, else this interpreter running the module."""
    folder = bin_dir if bin_dir is not None else Path(sys.executable).parent
    script = folder / GUI_SCRIPT
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script.absolute())]
    found = shutil.which(GUI_SCRIPT)
    if found is not None:
        return [str(Path(found).absolute())]
    return [sys.executable, "-m", "askcorpus.gui.app"]


def desktop_entry(command: list[str]) -> str:
    """The text of ``askcorpus.desktop`` running ``command`` with the folder to open."""
    exec_line = " ".join(_exec_argument(a) for a in command) + " %f"
    lines = [
        "[Desktop Entry]",
        "Type=Application",
        "Name=askcorpus",
        "GenericName=Document Search",
        "Comment=Answer questions about your own documents with exact, ranked passages, offline",
        f"Exec={_string(exec_line)}",
    ]
    if len(command) == 1:
        # Hidden from menus when the command is gone (the venv was deleted, say).
        lines.append(f"TryExec={_string(command[0])}")
    lines += [
        f"Icon={APP_ID}",
        "Terminal=false",
        "Categories=Office;",
        "Keywords=search;documents;questions;passages;",
        "MimeType=inode/directory;",
        f"StartupWMClass={APP_ID}",
        f"{MARKER}={__version__}",
    ]
    return "\n".join(lines) + "\n"


def install(env: Mapping[str, str] | None = None, bin_dir: Path | None = None) -> DesktopFiles:
    """Write the entry and the icon under :func:`data_home`; returns where they went."""
    files = DesktopFiles.under(data_home(env))
    try:
        for path, data in (
            (files.icon, _icon_bytes()),
            (files.entry, desktop_entry(gui_command(bin_dir)).encode("utf-8")),
        ):
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.partial")
            partial.write_bytes(data)
            partial.replace(path)  # a menu never reads half an entry
    except OSError as exc:
        raise DesktopInstallError(
            f"cannot write the desktop entry into {data_home(env)}: {exc.strerror}",
            exc.filename,
            "check that the folder is writable, or set XDG_DATA_HOME to one that is",
        ) from exc
    return files


def uninstall(env: Mapping[str, str] | None = None) -> Removal:
    """Remove the entry and the icon an install wrote; files of the same names that askcorpus
    did not write stay."""
    files = DesktopFiles.under(data_home(env))
    removed: list[Path] = []
    kept: list[Path] = []
    ours = _is_our_entry(files.entry)
    try:
        if files.entry.exists():
            (removed if ours else kept).append(files.entry)
        if files.icon.exists():
            icon_ours = ours or files.icon.read_bytes() == _icon_bytes()
            (removed if icon_ours else kept).append(files.icon)
        for path in removed:
            path.unlink()
    except OSError as exc:
        raise DesktopInstallError(
            f"cannot remove the desktop entry from {data_home(env)}: {exc.strerror}",
            exc.filename,
            "check the folder's permissions",
        ) from exc
    return Removal(tuple(removed), tuple(kept))


def _is_our_entry(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(line.startswith(f"{MARKER}=") for line in text.splitlines())


def _icon_bytes() -> bytes:
    return (resources.files("askcorpus.gui") / "assets" / f"{APP_ID}.svg").read_bytes()


def _exec_argument(argument: str) -> str:
    """One argument of an Exec line: quoted when it holds a reserved character, ``%`` doubled."""
    argument = argument.replace("%", "%%")
    if not any(c in _RESERVED for c in argument):
        return argument
    return '"' + "".join(f"\\{c}" if c in _ESCAPED_IN_QUOTES else c for c in argument) + '"'


def _string(value: str) -> str:
    """A value of the string type: backslashes and controls escaped (the spec's first level)."""
    return (
        value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    )
