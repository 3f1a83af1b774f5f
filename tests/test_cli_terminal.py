"""The CLI's terminal contract: nothing from a document or an index folder drives the terminal,
and bad input is one line on stderr, never a traceback (issue #11, "Terminal and CLI contract")."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from askcorpus.embed.embedder import Embedder
from askcorpus.errors import SettingsError, escape_controls, escape_terminal
from askcorpus.settings import Settings

from .conftest import write

# What a terminal acts on: C0 controls but newline and tab, DEL, C1 controls (CSI U+009B).
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
HOSTILE = (
    "The pipeline deal was signed in Shanghai.\x1b[2J\x1b]0;pwned\x07 It carries gas\x9b2J "
    "through Siberia\r to the coast of China, and the treaty\u202e of friendship holds."
)


def ask_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "askcorpus", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    from askcorpus.indexer.update import update_index

    base = tmp_path_factory.mktemp("hostile")
    write(base / "c" / "pipeline\x1b[31m.txt", HOSTILE)
    write(base / "c" / "other.txt", "A second document about the Power of Siberia pipeline.")
    settings = Settings(corpus_dir=base / "c", index_dir=base / "i")
    update_index(settings, embedder)
    return settings


def test_escapes_keep_ordinary_unicode_and_escape_what_drives_a_terminal() -> None:
    assert escape_controls("défense\xa0中国\u200b") == "défense\xa0中国\u200b"
    assert escape_controls("a\nb\x1b[2J\x9b") == "a\\nb\\x1b[2J\\x9b"
    assert escape_terminal("one\n\ttwo\r\x07") == "one\n\ttwo\\r\\x07"


def test_ask_text_output_escapes_passage_controls(hostile_index: Settings) -> None:
    proc = ask_cli("ask", "--index", str(hostile_index.index_dir), "Where was the deal signed?")
    assert proc.returncode == 0, proc.stderr
    assert "Shanghai" in proc.stdout and "\\x1b[2J" in proc.stdout
    assert not RAW_CONTROL.search(proc.stdout), proc.stdout
    assert "\u202e" not in proc.stdout


def test_ask_json_escapes_c1_controls_but_keeps_the_exact_text(hostile_index: Settings) -> None:
    proc = ask_cli("ask", "--json", "--index", str(hostile_index.index_dir), "deal signed?")
    assert proc.returncode == 0, proc.stderr
    assert not RAW_CONTROL.search(proc.stdout)
    hit = json.loads(proc.stdout)["results"][0]
    raw = (hostile_index.corpus_dir / hit["source"]).read_bytes().decode("utf-8")
    assert raw[hit["start"] : hit["end"]] == hit["text"] and "\x9b" in hit["text"]


def test_queries_headers_are_escaped_and_unreadable_lines_skipped(
    hostile_index: Settings, tmp_path: Path
) -> None:
    queries = write(
        tmp_path / "q.txt",
        "Where was the deal signed?\x1b]0;title\x07\n\u200b\x01\nWhat does the pipeline carry?\n",
    )
    proc = ask_cli("ask", "--index", str(hostile_index.index_dir), "--queries", str(queries))
    assert proc.returncode == 0, proc.stderr
    assert not RAW_CONTROL.search(proc.stdout)
    assert proc.stdout.count("## ") == 2
    assert "skipped line 2" in proc.stderr and "Traceback" not in proc.stderr


def test_status_escapes_a_crafted_manifest(hostile_index: Settings, tmp_path: Path) -> None:
    crafted = tmp_path / "crafted"
    shutil.copytree(hostile_index.index_dir, crafted)
    db = crafted / "askcorpus.sqlite3"
    with sqlite3.connect(db) as conn:
        (text,) = conn.execute("SELECT value FROM meta WHERE key = 'manifest'").fetchone()
        manifest = json.loads(text)
        manifest["model"] = "evil\x1b]0;pwned\x07\x1b[2J"
        manifest["updated"] = "\x9b31mnow\r"
        conn.execute("UPDATE meta SET value = ? WHERE key = 'manifest'", (json.dumps(manifest),))
    proc = ask_cli("status", "--index", str(crafted))
    assert "Traceback" not in proc.stderr
    assert not RAW_CONTROL.search(proc.stdout + proc.stderr), proc.stdout + proc.stderr
    assert "evil" in proc.stdout + proc.stderr


def test_huge_top_k_is_a_usage_error(hostile_index: Settings) -> None:
    proc = ask_cli("ask", "--index", str(hostile_index.index_dir), "--top-k", "9" * 20, "deal")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "--top-k must be between 1 and" in proc.stderr


def test_a_closed_pipe_ends_quietly(hostile_index: Settings) -> None:
    script = (
        f"{sys.executable} -m askcorpus ask --index {hostile_index.index_dir} --top-k 50 "
        "'pipeline gas' | head -c 10"
    )
    proc = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {script}"], capture_output=True, text=True, timeout=120
    )
    assert len(proc.stdout) == 10
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ASKCORPUS_BATCH_SIZE", "abc"),
        ("ASKCORPUS_BATCH_SIZE", "0"),
        ("ASKCORPUS_THREADS", "-2"),
        ("ASKCORPUS_CHECKPOINT_SECONDS", "nan"),
        ("ASKCORPUS_ENCODER", "gpu"),
    ],
)
def test_a_bad_environment_value_is_one_line_naming_the_variable(
    tmp_path: Path, name: str, value: str
) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})
    proc = ask_cli("status", "--index", str(tmp_path), env={name: value})
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert name in proc.stderr and "Traceback" not in proc.stderr


def test_good_environment_values_are_read() -> None:
    settings = Settings.from_env(
        {"ASKCORPUS_BATCH_SIZE": " 8 ", "ASKCORPUS_THREADS": "2", "ASKCORPUS_ENCODER": "torch"}
    )
    assert (settings.batch_size, settings.threads, settings.encoder) == (8, 2, "torch")
