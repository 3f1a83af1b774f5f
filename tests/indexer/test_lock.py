"""One writer at a time: a second indexer is refused naming the holder's pid, readers keep
reading during a write, and the lock of a SIGKILLed holder is recovered."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from askcorpus.cli import main
from askcorpus.embed.embedder import Embedder
from askcorpus.errors import IndexLockedError
from askcorpus.indexer.update import update_index
from askcorpus.records import Progress
from askcorpus.search.index import Index
from askcorpus.settings import Settings

from ..conftest import write

GAS = "Gazprom signed a thirty-year gas supply contract with CNPC in May 2014 in Shanghai."
PANDAS = "The zoo in Moscow received two giant pandas on loan from Beijing in 2019."
ARCTIC = "Icebreakers escorted tankers along the Northern Sea Route during the Arctic summer."

HOLD_LOCK = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from askcorpus.store.local.lock import WriterLock\n"
    "WriterLock(Path(sys.argv[1])).acquire()\n"
    "print('ready', flush=True)\n"
    "time.sleep(300)\n"
)

HOLD_OPEN_UPDATE = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from askcorpus.store.local.store import LocalStore\n"
    "writer = LocalStore.open(Path(sys.argv[1])).writer()\n"
    "writer.remove_document('gas.txt')\n"
    "print('ready', flush=True)\n"
    "time.sleep(300)\n"
)


def make(tmp_path: Path) -> Settings:
    write(tmp_path / "corpus" / "gas.txt", GAS)
    write(tmp_path / "corpus" / "pandas.txt", PANDAS)
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")


def start(script: str, folder: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(folder)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)


def test_second_indexer_is_refused_and_a_killed_holders_lock_recovered(
    tmp_path: Path, embedder: Embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make(tmp_path)
    update_index(settings, embedder)
    write(settings.corpus_dir / "arctic.txt", ARCTIC)
    holder = start(HOLD_LOCK, settings.index_dir)
    try:
        with pytest.raises(IndexLockedError) as caught:
            update_index(settings, embedder)
        assert f"index is being updated by another process (pid {holder.pid})" in str(caught.value)
        assert caught.value.path == settings.index_dir

        argv = ["index", "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert err.startswith(
            f"askcorpus: index is being updated by another process (pid {holder.pid})"
        )
        assert main([*argv, "--rebuild"]) == 1  # a rebuild must not delete files under it either
        capsys.readouterr()
    finally:
        kill(holder)
    # The holder died without releasing anything: the kernel dropped its flock.
    assert (settings.index_dir / "writer.lock").read_text().strip() == str(holder.pid)
    assert main(argv) == 0
    assert "1 added" in capsys.readouterr().out


def test_search_succeeds_while_another_process_holds_an_open_update(
    tmp_path: Path, embedder: Embedder
) -> None:
    settings = make(tmp_path)
    update_index(settings, embedder)
    writer = start(HOLD_OPEN_UPDATE, settings.index_dir)  # lock + uncommitted removal
    try:
        index = Index.open(settings.index_dir, settings, embedder)
        try:
            hits = index.search("Who signed the gas contract?", 2).hits
            assert hits[0].source == "gas.txt"  # the uncommitted removal is invisible
            assert index.stats().healthy and index.stats().documents == 2
        finally:
            index.close()
        with pytest.raises(IndexLockedError, match=f"pid {writer.pid}"):
            update_index(settings, embedder)
    finally:
        kill(writer)
    index = Index.open(settings.index_dir, settings, embedder)
    assert index.stats().documents == 2 and index.stats().healthy
    index.close()


def test_readers_see_the_old_state_in_the_middle_of_an_update(
    tmp_path: Path, embedder: Embedder
) -> None:
    """Search from inside the indexer's progress callback: the writer holds the lock and an
    open transaction with the new rows, readers keep answering from the published state."""
    settings = make(tmp_path)
    update_index(settings, embedder)
    (settings.corpus_dir / "gas.txt").unlink()
    write(settings.corpus_dir / "arctic.txt", ARCTIC)
    seen: list[tuple[list[str], int]] = []

    def during(p: Progress) -> None:
        if p.phase != "embedding" or seen:
            return
        index = Index.open(settings.index_dir, settings, embedder)
        try:
            hits = index.search("gas contract Gazprom", 2).hits
            seen.append(([h.source for h in hits], index.stats().documents))
        finally:
            index.close()
        with pytest.raises(IndexLockedError, match=f"pid {os.getpid()}"):
            update_index(settings, embedder)

    report = update_index(settings, embedder, progress=during)
    assert (report.added, report.removed) == (1, 1)
    assert seen and seen[0][0][0] == "gas.txt" and seen[0][1] == 2
    index = Index.open(settings.index_dir, settings, embedder)
    try:
        assert "gas.txt" not in [h.source for h in index.search("gas contract Gazprom", 2).hits]
    finally:
        index.close()


def test_reading_an_index_imports_no_file_lock_but_writing_still_takes_it(
    tmp_path: Path, embedder: Embedder
) -> None:
    """Readers never lock, so a search process does not pay filelock's import (a cold start's
    cost); the first write imports it and the lock still refuses a second writer."""
    settings = make(tmp_path)
    update_index(settings, embedder)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from askcorpus.store.local.store import LocalStore\n"
        "from askcorpus.store.local.lock import WriterLock\n"
        "store = LocalStore.open(Path(sys.argv[1]))\n"
        "print(store.stats().documents, sorted(store.document_states()))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'filelock'))\n"
        "WriterLock(Path(sys.argv[1])).acquire()\n"
        "print('filelock' in sys.modules, flush=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(settings.index_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["2 ['gas.txt', 'pandas.txt']", "[]", "True"]
