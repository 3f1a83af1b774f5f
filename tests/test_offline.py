"""Offline, provably: index and ask work with every socket connection blocked, and nothing even
tries to connect (no hub look-ups, no telemetry, no update checks)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from askcorpus import embedding
from askcorpus.cli import main
from askcorpus.embedding import Embedder

from .conftest import write

GAS = "Gazprom signed a thirty-year gas supply contract with CNPC in May 2014 in Shanghai."
ARCTIC = "Icebreakers escorted tankers along the Northern Sea Route during the Arctic summer."


def corpus(tmp_path: Path) -> Path:
    write(tmp_path / "corpus" / "gas.txt", GAS)
    write(tmp_path / "corpus" / "arctic.md", f"# Arctic\n\n{ARCTIC}")
    return tmp_path / "corpus"


def test_index_and_ask_in_process_with_sockets_blocked(
    tmp_path: Path,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    attempts: list[str] = []

    def blocked(name: str):  # noqa: ANN202 - any signature
        def refuse(*args: object, **kwargs: object) -> None:
            attempts.append(f"{name}{args[1:2]}")
            raise OSError(f"network blocked by the test ({name})")

        return refuse

    monkeypatch.setattr(socket.socket, "connect", blocked("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", blocked("connect_ex"))
    monkeypatch.setattr(socket.socket, "sendto", blocked("sendto"))
    monkeypatch.setattr(socket, "create_connection", blocked("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", blocked("getaddrinfo"))
    # Load the model afresh too, under the block (the session's copy was loaded before it).
    monkeypatch.setattr(embedding, "_MODELS", {})

    root, index = corpus(tmp_path), str(tmp_path / "index")
    assert main(["index", "--corpus", str(root), "--index", index]) == 0
    assert main(["ask", "--index", index, "--json", "Who signed the gas contract?"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert json.loads(out[-1])["results"][0]["source"] == "gas.txt"
    assert main(["status", "--index", index]) == 0
    assert attempts == []


WRAPPER = r"""
import json, os, socket, sys
attempts = []

def blocked(name):
    def refuse(*args, **kwargs):
        attempts.append(name)
        raise OSError("network blocked by the test (%s)" % name)
    return refuse

socket.socket.connect = blocked("connect")
socket.socket.connect_ex = blocked("connect_ex")
socket.socket.sendto = blocked("sendto")
socket.create_connection = blocked("create_connection")
socket.getaddrinfo = blocked("getaddrinfo")

from askcorpus.cli import main

corpus, index = sys.argv[1], sys.argv[2]
codes = [
    main(["index", "--corpus", corpus, "--index", index]),
    main(["ask", "--index", index, "--json", "Who signed the gas contract?"]),
]
hub_loaded = "huggingface_hub" in sys.modules
import huggingface_hub.constants as hub

print(json.dumps({
    "codes": codes,
    "attempts": attempts,
    "hub_loaded": hub_loaded,
    "torch_loaded": "torch" in sys.modules,
    "hub_offline": bool(hub.HF_HUB_OFFLINE),
    "telemetry_disabled": bool(hub.HF_HUB_DISABLE_TELEMETRY),
}))
"""


@pytest.mark.parametrize("encoder", ["onnx-int8", "torch"])
def test_index_and_ask_in_a_fresh_process_with_sockets_blocked(
    tmp_path: Path, encoder: str
) -> None:
    """A new interpreter, its network cut off before askcorpus is imported and with none of the
    offline variables set by the caller: the ONNX encoder never loads a hub library; the torch
    one sets the offline variables itself before the model libraries are imported."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HF_", "TRANSFORMERS_", "ASKCORPUS_"))
    }
    env["ASKCORPUS_THREADS"] = "1"
    env["ASKCORPUS_ENCODER"] = encoder
    root = corpus(tmp_path)
    run = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(root), str(tmp_path / "index")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    assert result["codes"] == [0, 0], run.stderr
    assert result["attempts"] == []
    if encoder == "torch":
        assert result["hub_loaded"] and result["hub_offline"] and result["telemetry_disabled"]
    else:
        assert not result["hub_loaded"] and not result["torch_loaded"]
    answer = json.loads(lines[-2])
    assert answer["results"][0]["source"] == "gas.txt"
