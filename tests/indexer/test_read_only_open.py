"""Searching needs no writes: ``askcorpus ask`` and ``status`` (real processes) read an index on a
full disk (a real tiny tmpfs) and a read-only copy whose last update is still in its write-ahead
log without the ``-shm`` file (a real read-only bind mount), each in a private mount namespace;
when no temporary copy can be made either, the error says plainly what to do."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import askcorpus
from askcorpus.embed.embedder import Embedder
from askcorpus.indexer.update import update_index
from askcorpus.settings import Settings
from askcorpus.store.local.files import DB_NAME
from askcorpus.store.local.store import LocalStore

from ..conftest import write

SRC = Path(askcorpus.__file__).resolve().parents[1]
QUESTION = "Which ship crossed the ice?"


def namespace_or_skip(tmp_path: Path) -> str:
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare(1) is not installed: no private mount namespace")
    probe_dir = tmp_path / "probe"
    probe_dir.mkdir()
    probe = subprocess.run(
        [unshare, "-m", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {probe_dir}"],
        capture_output=True,
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot mount in a private namespace here: {probe.stderr.decode()}")
    return unshare


def run_in_namespace(unshare: str, tmp_path: Path, script: str) -> dict[str, tuple[int, str, str]]:
    """Run ``script`` (sh) in a private mount namespace; ``$ASK name args...`` runs ``python -m
    askcorpus args...`` and records its exit code and output under ``name``."""
    out = tmp_path / "out"
    out.mkdir()
    prelude = (
        "set -e\n"
        f'ASK() {{ name=$1; shift; PYTHONPATH="{SRC}" HF_HUB_OFFLINE=1 "{sys.executable}" '
        f'-m askcorpus "$@" >"{out}/$name.out" 2>"{out}/$name.err" && echo 0 >"{out}/$name.rc" '
        f'|| echo $? >"{out}/$name.rc"; }}\n'
    )
    done = subprocess.run(
        [unshare, "-m", "sh", "-c", prelude + script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    results = {}
    for rc in out.glob("*.rc"):
        name = rc.stem
        results[name] = (
            int(rc.read_text()),
            (out / f"{name}.out").read_text(),
            (out / f"{name}.err").read_text(),
        )
    return results


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> tuple[Path, Path]:
    """A cleanly closed index, and a copy of it taken while its last update (icebreaker.txt)
    was still in the write-ahead log (a reader kept the log from being folded back), without
    the ``-shm`` file."""
    base = tmp_path_factory.mktemp("readonly")
    write(base / "corpus" / "gas.txt", "Gazprom signed a gas supply contract with CNPC in 2014.")
    write(base / "corpus" / "pandas.txt", "The zoo in Moscow received two giant pandas in 2019.")
    settings = Settings(corpus_dir=base / "corpus", index_dir=base / "index")
    update_index(settings, embedder)
    clean = base / "clean"
    shutil.copytree(settings.index_dir, clean)
    assert not (clean / (DB_NAME + "-wal")).exists()

    reader = LocalStore.open(settings.index_dir)
    try:
        text = "The icebreaker Yamal crossed the ice of the Northern Sea Route in winter."
        write(base / "corpus" / "icebreaker.txt", text)
        update_index(settings, embedder)
        pending = base / "pending"
        shutil.copytree(settings.index_dir, pending, ignore=shutil.ignore_patterns("*-shm"))
    finally:
        reader.close()
    wal = pending / (DB_NAME + "-wal")
    assert wal.stat().st_size > 0 and not (pending / (DB_NAME + "-shm")).exists()
    # The database file alone does not hold the update: only its log does.
    alone = sqlite3.connect(f"file:{pending / DB_NAME}?immutable=1", uri=True)
    assert alone.execute("SELECT count(*) FROM documents").fetchone()[0] == 2
    alone.close()
    return clean, pending


def test_full_disk_ask_and_status_read_without_writing(
    indexes: tuple[Path, Path], tmp_path: Path
) -> None:
    unshare = namespace_or_skip(tmp_path)
    clean, pending = indexes
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = f"""
mount -t tmpfs -o size=1m tmpfs "{mnt}"
cp -r "{clean}" "{mnt}/clean"
cp -r "{pending}" "{mnt}/pending"
dd if=/dev/zero of="{mnt}/filler" bs=4k 2>/dev/null || true
if dd if=/dev/zero of="{mnt}/more" bs=4k count=1 2>/dev/null; then exit 3; fi
ASK status_clean status --index "{mnt}/clean" --json
ASK ask_clean ask --index "{mnt}/clean" --json "Who signed the gas contract?"
ASK status_pending status --index "{mnt}/pending" --json
ASK ask_pending ask --index "{mnt}/pending" --json "{QUESTION}"
"""
    results = run_in_namespace(unshare, tmp_path, script)
    for name in ("clean", "pending"):
        code, out, err = results[f"status_{name}"]
        assert code == 0, err
        report = json.loads(out)
        assert report["healthy"] is True, report
        assert report["documents"] == (2 if name == "clean" else 3)
        code, out, err = results[f"ask_{name}"]
        assert code == 0, err
        top = json.loads(out)["results"][0]["source"]
        assert top == ("gas.txt" if name == "clean" else "icebreaker.txt")


def test_read_only_copy_with_its_last_update_in_the_log(
    indexes: tuple[Path, Path], tmp_path: Path
) -> None:
    """Read through a private copy of database + log; when none can be made (every temporary
    folder read-only), a plain error saying what to do."""
    unshare = namespace_or_skip(tmp_path)
    _clean, pending = indexes
    ro = tmp_path / "ro"
    ro.mkdir()
    script = f"""
mount --bind "{pending}" "{ro}"
mount -o remount,bind,ro "{ro}"
if touch "{ro}/probe" 2>/dev/null; then exit 3; fi
ASK status status --index "{ro}" --json
ASK ask ask --index "{ro}" --json "{QUESTION}"
mount -t tmpfs -o ro,size=64k tmpfs /dev/shm
mount -t tmpfs -o ro,size=64k tmpfs /var/tmp
mount --rbind /tmp /tmp
mount -o remount,bind,ro /tmp
mount --bind "{tmp_path / "out"}" "{tmp_path / "out"}"
mount -o remount,bind,rw "{tmp_path / "out"}"
cd "{ro}"
if touch /tmp/probe /dev/shm/probe 2>/dev/null; then exit 4; fi
ASK status_nocopy status --index "{ro}"
ASK ask_nocopy ask --index "{ro}" "{QUESTION}"
"""
    results = run_in_namespace(unshare, tmp_path, script)
    code, out, err = results["status"]
    assert code == 0, err
    report = json.loads(out)
    assert report["healthy"] is True and report["documents"] == 3, report
    code, out, err = results["ask"]
    assert code == 0, err
    assert json.loads(out)["results"][0]["source"] == "icebreaker.txt"
    for name in ("status_nocopy", "ask_nocopy"):
        code, out, err = results[name]
        assert code == 1 and "Traceback" not in err, err
        (line,) = err.strip().splitlines()
        assert f"{ro / DB_NAME}: its last update is still in {DB_NAME}-wal" in line
        assert "copy the whole index folder to a writable disk" in line
        assert "DAMAGED" not in out and "--rebuild" not in line


FROZEN_SCRIPT = r"""
import json, os, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from synthetic import DIM, synthetic
from askcorpus.errors import IndexAccessError
from askcorpus.settings import SCHEMA_VERSION
from askcorpus.store.base import Manifest
from askcorpus.store.local.store import LocalStore

folder, out = Path(sys.argv[1]) / "index", {}
store = LocalStore.create(folder, Manifest(SCHEMA_VERSION, "m", DIM, {}, "t", "t"))
with store.writer() as w:
    w.add_document(*synthetic("a", 3, 1))
    w.commit()
store.close()
filler = Path(sys.argv[1]) / "filler"
with open(filler, "wb", buffering=0) as fh:
    try:
        while True:
            fh.write(b"\0" * 4096)
    except OSError:
        pass
frozen = LocalStore.open(folder)  # the disk is full: read immutable
out["read_full"] = sorted(frozen.document_states())
filler.unlink()  # space again: another process publishes an update
other = LocalStore.open(folder)
with other.writer() as w:
    w.add_document(*synthetic("b", 2, 2))
    w.commit()
other.close()
try:
    frozen.document_states()
    out["after_update"] = "no error"
except IndexAccessError as exc:
    out["after_update"] = exc.user_message()
frozen.close()
print(json.dumps(out))
"""


def test_index_read_immutable_refuses_reads_once_another_process_changed_it(
    tmp_path: Path,
) -> None:
    """On a full disk the index is read ``immutable``; SQLite would not notice a later update,
    so the store does, instead of reading half-written pages."""
    unshare = namespace_or_skip(tmp_path)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = tmp_path / "frozen.py"
    script.write_text(FROZEN_SCRIPT)
    done = subprocess.run(
        [
            unshare,
            "-m",
            "sh",
            "-c",
            'mount -t tmpfs -o size=512k tmpfs "$0" && PYTHONPATH="$4" "$1" "$2" "$0" "$3"',
            str(mnt),
            sys.executable,
            str(script),
            str(Path(__file__).resolve().parents[1]),
            str(SRC),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["read_full"] == ["a"]
    assert "was changed by another process while it was open read-only" in out["after_update"]
    assert "open the index again" in out["after_update"]
