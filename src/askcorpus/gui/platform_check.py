"""Can the window open here? Checked before Qt loads its display plugin, so a missing library or
a missing display is one message naming what to install, not Qt's abort.

Qt loads its platform plugin (``libqxcb.so`` for X11, ``libqwayland.so`` for Wayland) when the
QApplication is created, and when the plugin cannot load it prints its own lines and aborts the
process (SIGABRT): no Python handler runs. So this module looks first, without importing Qt at
all (PySide6 is only located on disk): which plugin Qt would use, whether there is a display for
it, which shared libraries the plugin (and the Qt libraries it pulls in) cannot find — ``ldd``
resolves them exactly as the dynamic loader will — and then whether the display server answers
at all (a ``DISPLAY`` left over from an ssh session aborts Qt just the same). Headless platforms
(``QT_QPA_PLATFORM=offscreen``, ``minimal``, ``vnc``, ...) need no display.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from askcorpus.errors import AskcorpusError

log = logging.getLogger(__name__)

#: Platforms that draw without a display server.
HEADLESS = frozenset(
    {"offscreen", "minimal", "minimalegl", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"}
)

#: Shared library -> (Debian/Ubuntu package, Fedora package): what Qt's xcb and Wayland plugins
#: and QtGui link to beyond what PySide6 ships itself.
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libXau.so.6": ("libxau6", "libXau"),
    "libXdmcp.so.6": ("libxdmcp6", "libXdmcp"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libGLdispatch.so.0": ("libglvnd0", "libglvnd"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libpng16.so.16": ("libpng16-16", "libpng"),
    "libexpat.so.1": ("libexpat1", "expat"),
    "libz.so.1": ("zlib1g", "zlib"),
    "libzstd.so.1": ("libzstd1", "libzstd"),
    "libbrotlidec.so.1": ("libbrotli1", "libbrotli"),
    "libbrotlicommon.so.1": ("libbrotli1", "libbrotli"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
    "libwayland-egl.so.1": ("libwayland-egl1", "libwayland-egl"),
}

_INSTEAD = 'Meanwhile the command line works without a window: askcorpus ask "your question"'


class WindowUnavailableError(AskcorpusError):
    """The window cannot open here: no display, or libraries Qt's display plugin needs are
    missing. The message says what to install or set; the command line still works."""


def window_problem(env: Mapping[str, str] | None = None) -> WindowUnavailableError | None:
    """Why the window cannot open with this environment, or None when it can (as far as can be
    seen without loading Qt). ``env`` defaults to ``os.environ``."""
    env = os.environ if env is None else env
    requested = [
        part.split(":", 1)[0].strip()
        for part in env.get("QT_QPA_PLATFORM", "").split(";")
        if part.strip()
    ]
    if requested:
        candidates = requested
    else:
        # Qt 6's own choice: Wayland first in a Wayland session, falling back to X11.
        candidates = [name for name in ("wayland", "xcb") if has_display(name, env) is not False]
        if not candidates:
            return no_display_problem()
    library_problems: list[WindowUnavailableError] = []
    display_problems: list[WindowUnavailableError] = []
    for name in candidates:
        platform = "wayland" if name.startswith("wayland") else name
        if has_display(platform, env) is False:
            variable = "DISPLAY" if platform == "xcb" else "WAYLAND_DISPLAY"
            display_problems.append(no_display_problem(platform, variable))
            continue
        plugin = plugin_path(platform)
        if plugin is None or not plugin.is_file():
            return None  # not a plugin this check knows: Qt will say so itself
        missing = missing_libraries(plugin)
        if missing:
            library_problems.append(missing_libraries_problem(platform, missing))
            continue
        # Qt loads the plugin first, then connects: a display nobody serves aborts it too.
        unreachable = unreachable_display_problem(platform, env)
        if unreachable is None:
            return None
        display_problems.append(unreachable)
    # A missing library is more useful to report than a missing display of another platform.
    problems = library_problems + display_problems
    return problems[0] if problems else None


def has_display(platform: str, env: Mapping[str, str]) -> bool | None:
    """Whether ``platform`` has a display server to talk to; None for platforms that need none
    (or that this check does not know)."""
    if platform == "xcb":
        return bool(env.get("DISPLAY"))
    if platform == "wayland":
        if env.get("WAYLAND_DISPLAY"):
            return True
        # Without WAYLAND_DISPLAY, a Wayland client connects to wayland-0 in XDG_RUNTIME_DIR.
        runtime = env.get("XDG_RUNTIME_DIR")
        return (
            env.get("XDG_SESSION_TYPE") == "wayland"
            and bool(runtime)
            and (Path(str(runtime)) / "wayland-0").exists()
        )
    return None


def unreachable_display_problem(
    platform: str, env: Mapping[str, str]
) -> WindowUnavailableError | None:
    """None when the display server of ``platform`` accepts a connection (or this check cannot
    tell how to reach it), else why it cannot be reached. Only connects and closes again."""
    if platform == "xcb":
        display = env.get("DISPLAY", "")
        reachable = x_server_reachable(display)
        hint = "is the X server running? Over ssh, connect with ssh -X"
        variable = "DISPLAY"
    elif platform == "wayland":
        display = env.get("WAYLAND_DISPLAY") or "wayland-0"
        runtime = env.get("XDG_RUNTIME_DIR", "")
        path = display if display.startswith("/") else os.path.join(runtime, display)
        reachable = bool(runtime or display.startswith("/")) and _connects(socket.AF_UNIX, path)
        hint = "is the Wayland compositor running in this session?"
        variable = "WAYLAND_DISPLAY"
    else:
        return None
    if reachable is not False:
        return None
    return WindowUnavailableError(
        f"the window cannot open: nothing answers on the display {display!r} ({variable})",
        hint=f"{hint}; or set QT_QPA_PLATFORM=offscreen to run it without one. {_INSTEAD}",
    )


_X_DISPLAY = re.compile(r"(?:(?P<protocol>\w+)/)?(?P<host>[^:/]*):(?P<number>\d+)(?:\.\d+)?")


def x_server_reachable(display: str) -> bool | None:
    """Whether an X server accepts connections at ``display`` (``:0``, ``unix:0``,
    ``localhost:10.0``, ``tcp/host:1``); None for a form this check does not know."""
    match = _X_DISPLAY.fullmatch(display)
    if match is None:
        return None
    host, number = match["host"], int(match["number"])
    if match["protocol"] in (None, "unix") and host in ("", "unix"):
        # Xlib tries the abstract socket first, then the file in /tmp/.X11-unix.
        name = f"/tmp/.X11-unix/X{number}"  # the X11 socket's fixed place
        return _connects(socket.AF_UNIX, "\0" + name) or _connects(socket.AF_UNIX, name)
    try:
        with socket.create_connection((host or "localhost", 6000 + number), timeout=3):
            return True
    except OSError:
        return False


def _connects(family: socket.AddressFamily, address: str) -> bool:
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(3)
            sock.connect(address)
    except OSError:
        return False
    return True


def ensure_window_can_open(env: Mapping[str, str] | None = None) -> None:
    """Raise :class:`WindowUnavailableError` when :func:`window_problem` finds one."""
    problem = window_problem(env)
    if problem is not None:
        raise problem


class PendingCheck:
    """:func:`ensure_window_can_open` started on a thread, so that its ``ldd`` (a child process,
    15–40 ms of waiting at every start) runs while Qt's modules are imported; :meth:`wait` raises
    what it found. Wait before the QApplication is created: that is when Qt loads the plugin."""

    def __init__(self, env: Mapping[str, str] | None = None):
        self._failure: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(env,), name="askcorpus-window-check", daemon=True
        )
        self._thread.start()

    def _run(self, env: Mapping[str, str] | None) -> None:
        try:
            ensure_window_can_open(env)
        except BaseException as exc:  # raised on the caller's thread by wait()
            self._failure = exc

    def wait(self) -> None:
        """Block until the check is done; raise its :class:`WindowUnavailableError`, if any."""
        self._thread.join()
        if self._failure is not None:
            raise self._failure


def no_display_problem(
    platform: str | None = None, variable: str | None = None
) -> WindowUnavailableError:
    """There is no display to open the window on."""
    if platform is None:
        what = "there is no display (DISPLAY and WAYLAND_DISPLAY are not set)"
    else:
        what = f"there is no display for QT_QPA_PLATFORM={platform} ({variable} is not set)"
    return WindowUnavailableError(
        f"the window cannot open: {what}",
        hint="run it in a desktop session, or set QT_QPA_PLATFORM=offscreen to run it without "
        f"one. {_INSTEAD}",
    )


def missing_libraries_problem(platform: str, missing: Iterable[str]) -> WindowUnavailableError:
    """Qt's ``platform`` plugin cannot load: ``missing`` shared libraries, with the packages."""
    missing = list(dict.fromkeys(missing))
    debian = dict.fromkeys(PACKAGES[m][0] for m in missing if m in PACKAGES)
    fedora = dict.fromkeys(PACKAGES[m][1] for m in missing if m in PACKAGES)
    unknown = [m for m in missing if m not in PACKAGES]
    steps = []
    if debian:
        steps.append(f"on Debian/Ubuntu: sudo apt-get install {' '.join(debian)}")
        steps.append(f"on Fedora: sudo dnf install {' '.join(fedora)}")
    if unknown:
        steps.append(f"install the package that provides {', '.join(unknown)}")
    return WindowUnavailableError(
        f"the window cannot open: Qt's {platform} display plugin needs libraries that are not "
        f"installed: {', '.join(missing)}",
        hint=f"{'; '.join(steps)}. {_INSTEAD}",
    )


def pyside_folder() -> Path | None:
    """The installed PySide6 package folder, found without importing it (or None)."""
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def plugin_path(platform: str) -> Path | None:
    """Where PySide6's plugin for ``platform`` (``xcb``, ``wayland``, ``offscreen``...) lies."""
    folder = pyside_folder()
    if folder is None:
        return None
    return folder / "Qt" / "plugins" / "platforms" / f"libq{platform}.so"


def missing_libraries(binary: Path) -> list[str]:
    """The shared libraries ``binary`` needs (directly or through the libraries it loads) that
    the dynamic loader cannot find, in ``ldd``'s order. Empty when all resolve, and when there is
    no ``ldd`` to ask (then Qt reports a failure itself)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        log.info("no ldd: cannot check the libraries of %s", binary)
        return []
    try:
        # ldd of the plugin that PySide6 ships (not a file a user handed in).
        proc = subprocess.run(
            [ldd, str(binary)], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("ldd %s failed: %s", binary, exc)
        return []
    missing = []
    for line in proc.stdout.splitlines():
        name, _, where = line.strip().partition(" => ")
        if where.strip() == "not found" and name not in missing:
            missing.append(name)
    return missing
