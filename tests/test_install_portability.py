"""Every askcorpus module imports where the POSIX-only modules do not exist (Windows).

Windows and macOS are not tested here (docs/install.md; .github/workflows/ci.yml would), but a
module that imports ``fcntl`` at import time fails on Windows before anything runs, and with
it everything that imports that module. So each module is imported in a child process in which
the POSIX-only modules of the standard library cannot be imported, as on Windows.
"""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

POSIX_ONLY = ("fcntl", "pwd", "grp", "termios", "tty", "pty", "resource")

CHILD = f"""
import importlib, pkgutil, sys
for name in {POSIX_ONLY!r}:
    sys.modules[name] = None  # "import fcntl" now raises ImportError, as on Windows
import askcorpus
failed = []
for info in pkgutil.walk_packages(askcorpus.__path__, "askcorpus."):
    if info.name.startswith("askcorpus.gui"):
        continue  # Qt's own imports differ by platform; the window is checked by the CI file
    try:
        importlib.import_module(info.name)
    except ImportError as exc:
        failed.append(f"{{info.name}}: {{exc}}")
print("\\n".join(failed))
"""


def test_no_module_needs_a_posix_only_module_to_import() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "", f"modules that cannot import on Windows:\n{done.stdout}"
