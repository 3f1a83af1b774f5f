"""Disk full and read-only index folders: a clean, typed error and the previous index intact.

Failures are real where the machine allows: SQLite's own "database or disk is full" (a page
limit on the writer's connection), the kernel's file-size limit (RLIMIT_FSIZE: writes fail with
EFBIG), and, in a private mount namespace (``unshare``), a tiny tmpfs that fills up and a
read-only remount. An injected ENOSPC at the FAISS save covers the message for a full disk.
"""

from __future__ import annotations

import errno
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from askcorpus.cli import main
from askcorpus.embed.embedder import Embedder
from askcorpus.errors import IndexWriteError
from askcorpus.indexer.update import update_index
from askcorpus.search.index import Index
from askcorpus.settings import Settings
from askcorpus.store.local import writer as store_writer
from askcorpus.store.local.vectors import VectorIndex

from ..conftest import write

GAS = "Gazprom signed a thirty-year gas supply contract with CNPC in May 2014 in Shanghai."
PANDAS = "The zoo in Moscow received two giant pandas on loan from Beijing in 2019."
ARCTIC = "Icebreakers escorted tankers along the Northern Sea Route during the Arctic summer."


def make(tmp_path: Path, embedder: Embedder, notes: int = 0) -> Settings:
    """An index of gas.txt, pandas.txt (and ``notes`` small notes); then the corpus changes."""
    write(tmp_path / "corpus" / "gas.txt", GAS)
    write(tmp_path / "corpus" / "pandas.txt", PANDAS)
    for i in range(notes):
        write(tmp_path / "corpus" / "notes" / f"{i}.txt", f"Note {i} on the harbour ledger.")
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    update_index(settings, embedder)
    write(tmp_path / "corpus" / "arctic.txt", ARCTIC)
    (tmp_path / "corpus" / "gas.txt").unlink()
    return settings


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "writer.lock"}


def before_documents(settings: Settings) -> list[str]:
    """The documents indexed by :func:`make` (gas.txt was removed from the corpus since)."""
    return ["gas.txt", "pandas.txt", *(p.name for p in (settings.corpus_dir / "notes").glob("*"))]


def assert_intact(settings: Settings, embedder: Embedder, before: dict[str, bytes]) -> None:
    """Same files, byte for byte, and the old index answers as before."""
    assert files(settings.index_dir) == before
    index = Index.open(settings.index_dir, settings, embedder)
    try:
        assert index.stats().healthy
        assert index.stats().documents == len(before_documents(settings))
        assert index.search("Who signed the gas contract?", 1).hits[0].source == "gas.txt"
    finally:
        index.close()


def test_disk_full_at_the_faiss_save(
    tmp_path: Path,
    embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = make(tmp_path, embedder)
    before = files(settings.index_dir)
    real_save = VectorIndex.save

    def save_until_full(self: VectorIndex, path: Path) -> None:
        real_save(self, path.with_name(path.name + ".tmp"))  # a partly written file is left
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(VectorIndex, "save", save_until_full)
    argv = ["index", "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"cannot write the index in {settings.index_dir}: the disk is full" in err
    assert "previous index is intact" in err and "free some space" in err
    assert_intact(settings, embedder, before)
    monkeypatch.undo()
    assert update_index(settings, embedder).added == 1


def test_sqlite_full_while_writing_rows(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real SQLITE_FULL: the writer's connection may not grow the database by a page."""
    settings = make(tmp_path, embedder)
    write(settings.corpus_dir / "long.txt", " ".join(["Harbour ledgers of the river."] * 200))
    before = files(settings.index_dir)
    real_connect = store_writer.connect

    def capped(path: Path) -> sqlite3.Connection:
        conn = real_connect(path)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(store_writer, "connect", capped)
    with pytest.raises(IndexWriteError, match="the disk is full; the previous index is intact"):
        update_index(settings, embedder)
    assert_intact(settings, embedder, before)


def test_file_size_limit_makes_writes_fail_cleanly(tmp_path: Path, embedder: Embedder) -> None:
    """The kernel refuses to grow any file past RLIMIT_FSIZE (EFBIG): a real failed write in the
    middle of an update (Python ignores SIGXFSZ, so writes fail instead of killing us)."""
    settings = make(tmp_path, embedder, notes=30)  # a FAISS file larger than SQLite's -shm
    embedder.encode_passages(["warm up"])  # nothing below may need to write a file
    before = files(settings.index_dir)
    # The new FAISS file (one vector more) no longer fits; the WAL's few pages still do.
    limit = min(len(data) for name, data in before.items() if name.endswith(".faiss")) + 512
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        # SQLite reports EFBIG as a disk I/O error, faiss as "File too large" (a full disk).
        with pytest.raises(IndexWriteError) as caught:
            update_index(settings, embedder)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    message = caught.value.user_message()
    assert f"cannot write the index in {settings.index_dir}: " in message
    assert "; the previous index is intact" in message
    assert "disk is full" in message or "disk I/O error" in message
    assert_intact(settings, embedder, before)


NAMESPACE_SCRIPT = r"""
import json, subprocess, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from synthetic import DIM, synthetic
from askcorpus.errors import IndexWriteError
from askcorpus.settings import SCHEMA_VERSION
from askcorpus.store.base import Manifest
from askcorpus.store.local.store import LocalStore

folder, out = Path(sys.argv[1]), {}
store = LocalStore.create(folder, Manifest(SCHEMA_VERSION, "m", DIM, {}, "t", "t"))
with store.writer() as w:
    w.add_document(*synthetic("a", 3, 1))
    w.commit()

def state():
    s = LocalStore.open(folder)
    try:
        return sorted(s.document_states()), s.check(deep=True) == [], s.stats().vectors
    finally:
        s.close()

before = state()
try:  # far more than the 512 kB tmpfs holds
    with store.writer() as w:
        for i in range(200):
            w.add_document(*synthetic(f"big{i}", 40, i))
        w.commit()
    out["full"] = "no error"
except IndexWriteError as exc:
    out["full"] = exc.user_message()
out["after_full"] = state() == before
store.close()  # a filesystem with files open for writing cannot be remounted read-only
subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
store = LocalStore.open(folder)
try:
    with store.writer() as w:
        w.add_document(*synthetic("b", 2, 2))
        w.commit()
    out["readonly"] = "no error"
except IndexWriteError as exc:
    out["readonly"] = exc.user_message()
out["after_readonly"] = state() == before
print(json.dumps(out))
"""


def test_real_full_disk_and_read_only_folder(tmp_path: Path) -> None:
    """A 512 kB tmpfs in a private mount namespace fills up, then is remounted read-only."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare(1) is not installed: no private mount namespace for a tiny tmpfs")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    probe = subprocess.run(
        [unshare, "-rm", "sh", "-c", f"mount -t tmpfs -o size=512k tmpfs {mnt}"],
        capture_output=True,
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs in a user namespace here: {probe.stderr.decode()}")
    script = tmp_path / "in_namespace.py"
    script.write_text(NAMESPACE_SCRIPT)
    tests_dir = Path(__file__).resolve().parents[1]
    run = subprocess.run(
        [
            unshare,
            "-rm",
            "sh",
            "-c",
            'mount -t tmpfs -o size=512k tmpfs "$0" && "$1" "$2" "$0" "$3"',
            str(mnt),
            sys.executable,
            str(script),
            str(tests_dir),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert "the disk is full; the previous index is intact" in out["full"]
    assert out["after_full"]
    assert "the folder is read-only; the previous index is intact" in out["readonly"]
    assert out["after_readonly"]  # and it still opens and reads from read-only media
