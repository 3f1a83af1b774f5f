"""Offline, provably: nothing askcorpus runs looks up a host name or opens a connection.

Patching Python's ``socket`` cannot see native code (ONNX Runtime 1.29+ phones home from C++),
so this watches from outside: tests/netns_probe.py runs the first-run ONNX export (into an empty
cache), indexing, ``askcorpus ask``, the window answering a question and then idling 30 s,
and indexing and asking with the torch encoder, all in a private network namespace whose every address leads to a logging fake DNS server,
logging listeners on ports 80/443 and a packet sniffer on loopback.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from askcorpus.embed.embedder import ONNX_VECTORS

from .conftest import SHIPPED_CORPUS

PROBE = Path(__file__).with_name("netns_probe.py")


def test_export_index_ask_window_and_idle_never_touch_the_network(tmp_path: Path) -> None:
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("needs root on Linux to make a private network namespace (CI runs as root)")
    corpus = tmp_path / "corpus"
    shutil.copytree(SHIPPED_CORPUS, corpus)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]))
    run = subprocess.run(
        [sys.executable, str(PROBE), str(tmp_path), str(corpus)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    if run.returncode == 77:
        pytest.skip(f"no private network namespace here: {run.stderr.strip()}")
    # What the probe saw, for a failing run's report (pytest shows it with -rA or on failure).
    sys.stderr.write(run.stderr)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    steps = report["steps"]
    failed = {name: s for name, s in steps.items() if s["code"] != 0}
    assert not failed, json.dumps(failed, indent=1)
    assert list(steps) == [
        "export",
        "index",
        "ask",
        "window+idle",
        "index torch",
        "ask torch",
        "index e5",
        "ask e5",
    ]

    # The steps really did their work: a fresh export into the empty cache, an answer from the
    # CLI and from the window.
    assert list((tmp_path / "cache" / "askcorpus" / "onnx").glob("*.onnx"))
    assert json.loads(steps["export"]["last_line"]) == {"backend": ONNX_VECTORS}
    for ask in ("ask", "ask torch", "ask e5"):
        assert json.loads(steps[ask]["last_line"])["results"][0]["source"] == "clay-alliance.txt"
    window = json.loads(steps["window+idle"]["last_line"])
    assert window == {"ready": True, "answered": True, "top": "clay-alliance.txt"}

    # The traps work: the probe's own look-up, connection and packet to a far address were seen.
    own = {e["kind"] for e in report["events"] if e["step"] == "self-test"}
    assert own == {"dns", "connect", "packet"}, report["events"]

    seen = [e for e in report["events"] if e["step"] != "self-test"]
    assert seen == [], "network activity:\n" + "\n".join(
        f"  {e['step']}: {e['kind']}: {e['what']}" for e in seen
    )
