"""The first run explains itself: no display, or a library Qt's display plugin needs is missing,
is one message naming the packages to install and exit 1 — never Qt's own abort.

The missing-library tests really remove the library: ``askcorpus gui`` runs in a private mount
namespace (``unshare -m``) where an overlay over the system library folder hides it (an overlay
"whiteout", as a container image deletes a file), so the dynamic loader, ``ldd`` and Qt all
see it gone. That needs root and overlayfs; elsewhere these tests are skipped with the reason.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def gui_env(**changes: str | None) -> dict[str, str]:
    """The environment of a child ``askcorpus gui`` with ``changes`` (None unsets)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src")
    env["HF_HUB_OFFLINE"] = "1"
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XDG_SESSION_TYPE"):
        env.pop(name, None)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(argv: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)


def test_no_display_is_one_message_and_exit_1(tmp_path: Path) -> None:
    proc = run(
        [sys.executable, "-m", "askcorpus", "gui", "--corpus", str(tmp_path)],
        gui_env(),
    )
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    err = proc.stderr
    assert err.startswith("askcorpus: "), err
    assert "no display" in err
    assert "askcorpus ask" in err
    assert "QT_QPA_PLATFORM=offscreen" in err
    assert "qt.qpa" not in err and "Aborted" not in err and "Traceback" not in err


def test_the_check_passes_offscreen_without_a_display() -> None:
    code = (
        "from askcorpus.gui.platform_check import window_problem\nprint(repr(window_problem()))\n"
    )
    proc = run([sys.executable, "-c", code], gui_env(QT_QPA_PLATFORM="offscreen"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "None"
    # PySide6 is only located, not imported: the check cannot itself trip over Qt.
    code = (
        "import sys\n"
        "from askcorpus.gui.platform_check import window_problem\n"
        "window_problem()\n"
        "print('PySide6' in sys.modules)\n"
    )
    proc = run([sys.executable, "-c", code], gui_env(DISPLAY=":0"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def free_display_number() -> int:
    """An X display number nobody serves (neither its socket file nor the abstract socket)."""
    import socket

    for number in range(90, 200):
        name = f"/tmp/.X11-unix/X{number}"
        if Path(name).exists():
            continue
        with socket.socket(socket.AF_UNIX) as sock:
            try:
                sock.connect("\0" + name)
            except OSError:
                return number
    pytest.skip("no free X display number")


@pytest.fixture
def xvfb() -> Iterator[str]:
    """A real X server (Xvfb) for the test; its DISPLAY."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed")
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", "800x600x24"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            pytest.skip("Xvfb did not start")
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_with_a_display_and_all_libraries_the_check_passes(xvfb: str) -> None:
    from askcorpus.gui.platform_check import window_problem

    skip_without_window_libraries()
    assert window_problem({"DISPLAY": xvfb}) is None
    assert window_problem({"DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb"}) is None


def test_a_display_nobody_serves_is_one_message_not_an_abort(tmp_path: Path) -> None:
    """DISPLAY left over from an ssh session, say: Qt would abort "could not connect"."""
    skip_without_window_libraries()
    display = f":{free_display_number()}"
    proc = run(
        [sys.executable, "-m", "askcorpus", "gui", "--corpus", str(tmp_path)],
        gui_env(DISPLAY=display),
    )
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    err = proc.stderr
    assert err.startswith(
        f"askcorpus: the window cannot open: nothing answers on the display '{display}'"
    )
    assert "ssh -X" in err and "askcorpus ask" in err
    assert "qt.qpa" not in err and "Aborted" not in err


def test_an_x_server_over_tcp_is_reached_on_6000_plus_n() -> None:
    import socket

    from askcorpus.gui.platform_check import x_server_reachable

    number = free_display_number()
    with socket.socket() as server:
        try:
            server.bind(("127.0.0.1", 6000 + number))
        except OSError:
            pytest.skip(f"port {6000 + number} is taken")
        server.listen()
        assert x_server_reachable(f"127.0.0.1:{number}.0") is True
        assert x_server_reachable(f"tcp/127.0.0.1:{number}") is True
    assert x_server_reachable(f"127.0.0.1:{number}") is False
    assert x_server_reachable("not a display") is None


def test_the_message_names_debian_and_fedora_packages() -> None:
    from askcorpus.gui.platform_check import WindowUnavailableError, missing_libraries_problem

    problem = missing_libraries_problem(
        "xcb", ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libEGL.so.1", "libfoo.so.9"]
    )
    assert isinstance(problem, WindowUnavailableError)
    text = problem.user_message()
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libegl1" in text
    assert "sudo dnf install xcb-util-cursor xcb-util-wm libglvnd-egl" in text
    assert "libfoo.so.9" in text  # unknown to the table: named as the library
    assert "askcorpus ask" in text


# --- a library really missing ------------------------------------------------------------------


def _missing_here(binary: Path) -> list[str]:
    from askcorpus.gui.platform_check import missing_libraries

    return missing_libraries(binary)


def skip_without_window_libraries() -> None:
    """These checks expect the one problem they stage; a machine that lacks the window's
    libraries itself (no `make system-deps`) reports that problem first."""
    from askcorpus.gui.platform_check import plugin_path

    missing = _missing_here(plugin_path("xcb"))
    if missing:
        pytest.skip(f"this machine lacks {missing} itself (make system-deps)")


def _library_file(soname: str) -> Path:
    """Where the loader finds ``soname`` for libqxcb.so (from ldd), or skip."""
    from askcorpus.gui.platform_check import plugin_path

    out = subprocess.run(
        ["ldd", str(plugin_path("xcb"))], capture_output=True, text=True, timeout=30
    ).stdout
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] == soname and len(parts) >= 3 and parts[2].startswith("/"):
            return Path(parts[2])
    pytest.skip(f"{soname} is not installed here, nothing to hide")


def hiding(sonames: list[str], tmp_path: Path) -> str:
    """A shell prefix that, in a new mount namespace, hides the files of ``sonames`` (the soname
    link and the file it points to) behind an overlay whiteout; skips when that cannot work."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("hiding a system library needs root and unshare (a private mount namespace)")
    folders: dict[Path, list[str]] = {}
    for soname in sonames:
        link = _library_file(soname)
        folder = link.resolve().parent
        names = folders.setdefault(folder, [])
        names += [link.name, link.resolve().name]
    tmp_path.mkdir(parents=True, exist_ok=True)
    script = [f"mount -t tmpfs tmpfs {shlex.quote(str(tmp_path))}"]
    for i, (folder, names) in enumerate(folders.items()):
        upper, work = tmp_path / f"upper{i}", tmp_path / f"work{i}"
        script.append(f"mkdir {shlex.quote(str(upper))} {shlex.quote(str(work))}")
        for name in sorted(set(names)):
            script.append(f"mknod {shlex.quote(str(upper / name))} c 0 0")  # a whiteout
        options = f"lowerdir={folder},upperdir={upper},workdir={work}"
        script.append(
            f"mount -t overlay overlay -o {shlex.quote(options)} {shlex.quote(str(folder))}"
        )
    prefix = " && ".join(script)
    probe = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", prefix + " && true"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot overlay the library folder here: {probe.stderr.strip()}")
    return prefix


def run_hidden(
    sonames: list[str], argv: list[str], env: dict[str, str], tmp_path: Path
) -> subprocess.CompletedProcess:
    prefix = hiding(sonames, tmp_path)
    command = prefix + " && exec " + " ".join(shlex.quote(a) for a in argv)
    return run(["unshare", "-m", "--propagation", "private", "sh", "-c", command], env)


def test_hiding_really_removes_the_library(tmp_path: Path) -> None:
    """The namespace trick itself: ldd of the real plugin says "not found", outside all is well."""
    from askcorpus.gui.platform_check import plugin_path

    plugin = plugin_path("xcb")
    proc = run_hidden(["libxcb-cursor.so.0"], ["ldd", str(plugin)], gui_env(), tmp_path)
    assert "libxcb-cursor.so.0 => not found" in proc.stdout
    assert "libxcb-cursor.so.0" not in _missing_here(plugin)


def test_a_missing_xcb_library_names_the_packages_and_exits_1(tmp_path: Path) -> None:
    proc = run_hidden(
        ["libxcb-cursor.so.0", "libxcb-icccm.so.4"],
        [sys.executable, "-m", "askcorpus", "gui", "--corpus", str(tmp_path)],
        # A display name with no server behind it: the libraries are checked first, as Qt
        # loads its plugin before it connects.
        gui_env(DISPLAY=":99"),
        tmp_path / "mnt",
    )
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    err = proc.stderr
    assert err.startswith("askcorpus: "), err
    assert "libxcb-cursor.so.0" in err and "libxcb-icccm.so.4" in err
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4" in err
    assert "sudo dnf install xcb-util-cursor xcb-util-wm" in err
    assert "askcorpus ask" in err
    assert "qt.qpa" not in err and "Aborted" not in err and "Traceback" not in err


def test_offscreen_needs_no_xcb_library(tmp_path: Path) -> None:
    code = "from askcorpus.gui.platform_check import window_problem\nprint(repr(window_problem()))"
    proc = run_hidden(
        ["libxcb-cursor.so.0"],
        [sys.executable, "-c", code],
        gui_env(QT_QPA_PLATFORM="offscreen"),
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "None"


# --- the askcorpus-gui command -----------------------------------------------------------------

GUI_MAIN = "import sys\nfrom askcorpus.gui.app import main\nsys.exit(main(sys.argv[1:]))\n"


def test_gui_command_without_a_display_is_one_message(tmp_path: Path) -> None:
    proc = run([sys.executable, "-c", GUI_MAIN, str(tmp_path)], gui_env())
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert proc.stderr.startswith("askcorpus: the window cannot open: there is no display")
    assert "Traceback" not in proc.stderr and "qt.qpa" not in proc.stderr


def test_gui_command_with_libegl_missing_is_one_message(tmp_path: Path) -> None:
    """QtGui itself links libEGL: the check must run before any Qt module is imported."""
    skip_without_window_libraries()
    proc = run_hidden(
        ["libEGL.so.1"],
        [sys.executable, "-c", GUI_MAIN, str(tmp_path)],
        gui_env(DISPLAY=":99"),
        tmp_path / "mnt",
    )
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    err = proc.stderr
    assert "libEGL.so.1" in err
    assert "sudo apt-get install libegl1" in err and "sudo dnf install libglvnd-egl" in err
    assert "Traceback" not in err and "ImportError" not in err


#: ``askcorpus-gui`` run for real, printing what the window shows once it is on screen, then
#: closing it.
OPEN_AND_CLOSE = (
    "import sys\n"
    "from PySide6.QtCore import QTimer\n"
    "from PySide6.QtGui import QGuiApplication\n"
    "import askcorpus.gui.app as app\n"
    "shown = app.show_window\n"
    "def show_window(settings, *args):\n"
    "    window = shown(settings, *args)\n"
    "    print(settings.corpus_dir, settings.index_dir, window.windowTitle(),\n"
    "          QGuiApplication.platformName(), sep='|')\n"
    "    QTimer.singleShot(0, window.close)\n"
    "    return window\n"
    "app.show_window = show_window\n"
    "sys.exit(app.main(sys.argv[1:]))\n"
)


def test_the_window_opens_on_a_real_x_server(xvfb: str, tmp_path: Path) -> None:
    """No false alarm: with a real display (Xvfb) the check lets Qt's xcb plugin open it."""
    proc = run([sys.executable, "-c", OPEN_AND_CLOSE, str(tmp_path)], gui_env(DISPLAY=xvfb), 120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1].split("|")[3] == "xcb"


def test_gui_command_opens_a_folder_with_its_own_index(tmp_path: Path) -> None:
    """``askcorpus-gui FOLDER`` (a file manager's "Open with") opens FOLDER, its index in the
    window's data folder, not in index/ of the working folder."""
    folder = tmp_path / "my notes"
    folder.mkdir()
    (folder / "a.txt").write_text("The alliance was signed in spring.", encoding="utf-8")
    env = gui_env(QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", OPEN_AND_CLOSE, str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    corpus, index, title, _ = proc.stdout.strip().splitlines()[-1].split("|")
    assert Path(corpus) == folder
    assert Path(index).is_relative_to(Path(env["XDG_DATA_HOME"]))
    assert "my_notes-" in Path(index).name
    assert title == "askcorpus — my notes"
    assert not (tmp_path / "index").exists()


def test_gui_script_is_declared() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["gui-scripts"] == {"askcorpus-gui": "askcorpus.gui.app:main"}
    module, _, name = project["gui-scripts"]["askcorpus-gui"].partition(":")
    import importlib

    assert callable(getattr(importlib.import_module(module), name))


def test_a_wayland_session_without_wayland_display_uses_wayland_0(tmp_path: Path) -> None:
    """A Wayland client with no WAYLAND_DISPLAY connects to wayland-0 in XDG_RUNTIME_DIR: that
    is a display, so the check looks at the Wayland plugin instead of saying there is none."""
    import socket

    from askcorpus.gui.platform_check import plugin_path, window_problem

    session = {"XDG_SESSION_TYPE": "wayland", "XDG_RUNTIME_DIR": str(tmp_path)}
    problem = window_problem(session)
    assert problem is not None and "no display" in problem.message
    compositor = socket.socket(socket.AF_UNIX)
    compositor.bind(str(tmp_path / "wayland-0"))
    compositor.listen()
    with compositor:
        problem = window_problem(session)
    missing = _missing_here(plugin_path("wayland"))
    if missing:  # this machine lacks some of the Wayland plugin's libraries: they are named
        assert problem is not None and "wayland display plugin" in problem.message
        assert all(m in problem.message for m in missing)
    else:
        assert problem is None


def test_a_wayland_socket_nobody_serves_is_named(tmp_path: Path) -> None:
    import socket

    from askcorpus.gui.platform_check import unreachable_display_problem

    env = {"WAYLAND_DISPLAY": "wayland-7", "XDG_RUNTIME_DIR": str(tmp_path)}
    problem = unreachable_display_problem("wayland", env)
    assert problem is not None and "'wayland-7' (WAYLAND_DISPLAY)" in problem.message
    with socket.socket(socket.AF_UNIX) as compositor:
        compositor.bind(str(tmp_path / "wayland-7"))
        compositor.listen()
        assert unreachable_display_problem("wayland", env) is None
        absolute = {"WAYLAND_DISPLAY": str(tmp_path / "wayland-7")}
        assert unreachable_display_problem("wayland", absolute) is None
    # No XDG_RUNTIME_DIR: a Wayland client cannot find its socket at all.
    assert unreachable_display_problem("wayland", {"WAYLAND_DISPLAY": "wayland-7"}) is not None
