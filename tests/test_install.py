"""askcorpus installed from its wheel, as ``pip install .`` or ``pipx install .`` would, then run
with a clean environment (``env -i``: an empty HOME, PATH=/usr/bin:/bin, no venv) from a folder
outside the checkout: ``--version``, ``prepare``, ``index`` and ``ask --json`` work, and the
wheel carries what the checkout provides (the window's icon, the ``askcorpus-gui`` script).

The wheel is built from a copy of the checkout (by this environment's setuptools) and installed with
``--no-deps`` into a new venv that sees this environment's packages through a ``.pth`` file: a
full download of the dependencies (2 GB, minutes) is ``packaging/check_install.sh``'s job
(``make install-check``, measured in docs/install.md). The model cache is the tests' own, so
the ONNX export (tests/embed covers it) is not redone here.
"""

from __future__ import annotations

import json
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHIPPED_CORPUS, TEST_CACHE

QUESTION = "When was the gas deal signed?"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with askcorpus installed from a wheel of this checkout; returns its root."""
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    wheels = base / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    # This environment's setuptools builds it (pyproject.toml asks for >= 77; make install's
    # venv has it): an isolated build would fetch setuptools again, 10 s more.
    build = [*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    run([*build, "--wheel-dir", str(wheels), str(source)])
    (wheel,) = wheels.glob("askcorpus-*.whl")
    venv = base / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    # Dependencies from this environment; askcorpus itself only from the wheel (a .pth line
    # adds a folder to sys.path after the venv's own site-packages, and runs none of its .pth).
    (purelib / "askcorpus-test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    python = venv_bin(venv, "python")
    run([*pip, "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)])
    return venv


def venv_bin(venv: Path, name: str) -> Path:
    """A command installed in ``venv``."""
    folder = venv / ("Scripts" if sys.platform == "win32" else "bin")
    return folder / (f"{name}.exe" if sys.platform == "win32" else name)


def run(
    command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``command``; fail the test with its stderr when it exits non-zero."""
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env=env, cwd=cwd, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"{command[:4]} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done


def clean_env(home: Path) -> dict[str, str]:
    """What ``env -i HOME=home PATH=/usr/bin:/bin`` leaves, plus the tests' model cache."""
    return {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HF_HUB_OFFLINE": "1",
        "QT_QPA_PLATFORM": "offscreen",
        "ASKCORPUS_CACHE_DIR": str(TEST_CACHE),
    }


def test_the_wheel_carries_the_package_its_data_and_both_commands(installed: Path) -> None:
    where = run(
        [str(venv_bin(installed, "python")), "-c", "import askcorpus; print(askcorpus.__file__)"],
        env=clean_env(installed),
    ).stdout.strip()
    package = Path(where).parent
    assert package.is_relative_to(installed), f"askcorpus imported from {where}, not the venv"
    assert (package / "gui" / "assets" / "askcorpus.svg").is_file()
    assert (package / "py.typed").is_file()
    assert venv_bin(installed, "askcorpus").is_file()
    assert venv_bin(installed, "askcorpus-gui").is_file()


def test_installed_askcorpus_indexes_and_answers_with_a_clean_home(
    installed: Path, tmp_path: Path
) -> None:
    home, work = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    work.mkdir()
    shutil.copytree(SHIPPED_CORPUS, work / "my documents")
    env = clean_env(home)
    askcorpus = str(venv_bin(installed, "askcorpus"))

    version = run([askcorpus, "--version"], env=env, cwd=work).stdout
    assert version.startswith("askcorpus ")
    ready = run([askcorpus, "prepare"], env=env, cwd=work).stdout
    assert "encoder ready: onnx-int8" in ready
    run([askcorpus, "index", "--corpus", "my documents", "--index", "idx"], env=env, cwd=work)
    out = run([askcorpus, "ask", "--index", "idx", "--json", QUESTION], env=env, cwd=work).stdout
    results = json.loads(out)["results"]
    assert results[0]["source"] == "why-a-moscow-beijing-axis-is-unlikely.txt"
    assert "$400 billion gas supply agreement" in results[0]["text"]
    # --index was honoured: nothing went to the default index/ of the working folder.
    assert not (work / "index").exists()
    gui_help = run([str(venv_bin(installed, "askcorpus-gui")), "--help"], env=env, cwd=work)
    assert "usage: askcorpus-gui" in gui_help.stdout
