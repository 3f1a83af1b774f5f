"""``askcorpus desktop-install`` / ``desktop-uninstall``: the menu entry and icon in
``$XDG_DATA_HOME``, valid for ``desktop-file-validate``, whose Exec line really starts the window,
and an uninstall that removes exactly what the install wrote."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from askcorpus.cli import main

ROOT = Path(__file__).resolve().parents[2]
ICON = ROOT / "src" / "askcorpus" / "gui" / "assets" / "askcorpus.svg"


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def entry_values(text: str) -> dict[str, str]:
    lines = text.splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line and not line.startswith("#"))


def exec_argv(value: str, folder: Path) -> list[str]:
    """The command a launcher runs for ``Exec=value`` on ``folder`` (the spec's two levels of
    escaping: the string value's, then the quoting of arguments, which the spec defines as a
    POSIX shell's double quotes: a real ``sh`` splits them here)."""
    unescaped = value.replace("\\\\", "\x00").replace("\\s", " ").replace("\x00", "\\")
    assert unescaped.endswith(" %f") and "%" not in unescaped[:-3]
    line = unescaped[:-3] + " " + shlex.quote(str(folder))
    out = subprocess.run(
        ["sh", "-c", "printf '%s\\0' " + line], capture_output=True, check=True, timeout=10
    ).stdout
    return out.decode().split("\0")[:-1]


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "data home"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


def test_install_writes_a_valid_entry_and_the_icon(
    data_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["desktop-install"]) == 0
    entry = data_home / "applications" / "askcorpus.desktop"
    icon = data_home / "icons" / "hicolor" / "scalable" / "apps" / "askcorpus.svg"
    assert set(files_under(data_home)) == {
        "applications/askcorpus.desktop",
        "icons/hicolor/scalable/apps/askcorpus.svg",
    }
    assert icon.read_bytes() == ICON.read_bytes()
    values = entry_values(entry.read_text(encoding="utf-8"))
    assert values["Type"] == "Application"
    assert values["Icon"] == "askcorpus"
    assert values["MimeType"] == "inode/directory;"
    assert values["Terminal"] == "false"
    assert values["Exec"].endswith(" %f")
    out = capsys.readouterr().out
    assert str(entry) in out and str(icon) in out
    validate = shutil.which("desktop-file-validate")
    if validate is None:
        pytest.skip("desktop-file-validate is not installed (apt-get install desktop-file-utils)")
    proc = subprocess.run([validate, str(entry)], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


def test_the_exec_line_starts_the_window_on_the_folder(data_home: Path, tmp_path: Path) -> None:
    """Run the Exec line the way a launcher does, with no display: it is the real askcorpus
    window command (it answers with askcorpus's own message, naming the folder's window)."""
    assert main(["desktop-install"]) == 0
    values = entry_values((data_home / "applications" / "askcorpus.desktop").read_text("utf-8"))
    argv = exec_argv(values["Exec"], tmp_path)
    assert Path(argv[0]).is_absolute()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    env["PYTHONPATH"] = str(ROOT / "src")
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1, (argv, proc.stderr)
    assert proc.stderr.startswith("askcorpus: the window cannot open: there is no display")


def test_exec_points_at_an_installed_askcorpus_gui_even_in_a_folder_with_spaces(
    tmp_path: Path,
) -> None:
    from askcorpus.gui.desktop import desktop_entry, gui_command

    bin_dir = tmp_path / "my venv $HOME" / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "askcorpus-gui"
    # What pip writes for a gui-script, with this interpreter.
    script.write_text(
        f"#!{sys.executable}\nimport sys\nfrom askcorpus.gui.app import main\nsys.exit(main())\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    command = gui_command(bin_dir)
    assert command == [str(script)]
    values = entry_values(desktop_entry(command))
    assert exec_argv(values["Exec"], tmp_path) == [str(script), str(tmp_path)]
    assert values["TryExec"] == str(script)
    entry = tmp_path / "askcorpus.desktop"
    entry.write_text(desktop_entry(command), encoding="utf-8")
    validate = shutil.which("desktop-file-validate")
    if validate is not None:
        proc = subprocess.run([validate, str(entry)], capture_output=True, text=True, timeout=30)
        assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    env["PYTHONPATH"] = str(ROOT / "src")
    argv = exec_argv(values["Exec"], tmp_path)
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1 and "there is no display" in proc.stderr, proc.stderr


def test_uninstall_removes_exactly_what_install_wrote(
    data_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other_app = data_home / "applications" / "other.desktop"
    other_icon = data_home / "icons" / "hicolor" / "scalable" / "apps" / "other.svg"
    for path in (other_app, other_icon):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("someone else's", encoding="utf-8")
    before = files_under(data_home)
    assert main(["desktop-install"]) == 0
    assert len(files_under(data_home)) == len(before) + 2
    capsys.readouterr()
    assert main(["desktop-uninstall"]) == 0
    assert files_under(data_home) == before
    out = capsys.readouterr().out
    assert "askcorpus.desktop" in out and "askcorpus.svg" in out
    # Nothing installed: nothing to do, still success.
    assert main(["desktop-uninstall"]) == 0
    assert "nothing to remove" in capsys.readouterr().out
    assert files_under(data_home) == before


def test_uninstall_leaves_files_it_did_not_write(
    data_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = data_home / "applications" / "askcorpus.desktop"
    icon = data_home / "icons" / "hicolor" / "scalable" / "apps" / "askcorpus.svg"
    for path in (entry, icon):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("[Desktop Entry]\nName=my own\n", encoding="utf-8")
    before = files_under(data_home)
    assert main(["desktop-uninstall"]) == 0
    assert files_under(data_home) == before
    assert "not written by askcorpus" in capsys.readouterr().out


def test_default_data_home_is_local_share(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from askcorpus.gui.desktop import data_home

    monkeypatch.setenv("HOME", str(tmp_path))
    assert data_home({}) == tmp_path / ".local" / "share"
    assert data_home({"XDG_DATA_HOME": ""}) == tmp_path / ".local" / "share"
    # The spec: a relative path is invalid and ignored.
    assert data_home({"XDG_DATA_HOME": "relative"}) == tmp_path / ".local" / "share"
    assert data_home({"XDG_DATA_HOME": str(tmp_path / "d")}) == tmp_path / "d"


def test_install_into_an_unwritable_folder_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    assert main(["desktop-install"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("askcorpus: cannot write the desktop entry") and str(blocker) in err
    assert len(err.strip().splitlines()) == 1
