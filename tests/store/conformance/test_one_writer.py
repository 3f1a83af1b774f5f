"""Conformance: one writer at a time (in this process and across processes, the refusal naming
the holder), and a writer killed mid-update (SIGKILL) leaves the old state and no stale lock.

Child processes reach the index through ``locate(spec)`` as the parent does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from askcorpus.errors import IndexLockedError
from askcorpus.store.base import StoreLocation
from askcorpus.store.factory import locate

from .conftest import make_document, manifest, words

HOLD_LOCK = """
import sys, time
from askcorpus.store.factory import locate
with locate(sys.argv[1]).lock():
    print("ready", flush=True)
    time.sleep(300)
"""

#: Open an update, publish a checkpoint when asked, write more, then wait to be killed.
UPDATE_AND_WAIT = """
import sys, time
from askcorpus.store.factory import locate
from tests.store.conformance.conftest import make_document, words
store = locate(sys.argv[1]).open()
writer = store.writer()
writer.remove_document("old.txt")
writer.add_document(*make_document("checkpointed.txt", words(3, "cp"), seed=21))
if sys.argv[2] == "checkpoint":
    writer.checkpoint()
writer.add_document(*make_document("unpublished.txt", words(40, "un"), seed=22))
writer.remove_document("other.txt")
print("ready", flush=True)
time.sleep(300)
"""


@contextmanager
def child(script: str, *args: str) -> Iterator[subprocess.Popen[str]]:
    """A Python child running ``script`` until it printed "ready"; SIGKILLed on the way out."""
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *args], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready", "the child did not get ready"
        yield proc
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)


def test_a_second_lock_is_refused_naming_this_process(location: StoreLocation) -> None:
    location.create(manifest()).close()
    with (
        location.lock(),
        pytest.raises(IndexLockedError, match=rf"\b{os.getpid()}\b"),
        location.lock(),
    ):
        pass
    with location.lock():  # released by the first
        pass


def test_a_writer_takes_the_lock_unless_given_the_held_one(location: StoreLocation) -> None:
    store = location.create(manifest())
    try:
        with store.writer():
            with pytest.raises(IndexLockedError):
                store.writer()
            with pytest.raises(IndexLockedError):
                location.lock().__enter__()
        with location.lock() as lock:
            with pytest.raises(IndexLockedError):
                store.writer()
            with store.writer(lock) as w:  # the run's own lock
                w.add_document(*make_document("a.txt", words(1, "a")))
                w.commit()
            with store.writer(lock) as w:  # a run may publish several updates
                w.remove_document("a.txt")
                w.commit()
        assert store.document_states() == {}
    finally:
        store.close()


def test_the_lock_is_refused_across_processes_and_freed_when_the_holder_dies(spec: str) -> None:
    location = locate(spec)
    location.create(manifest()).close()
    with child(HOLD_LOCK, spec) as proc:
        with pytest.raises(IndexLockedError, match=rf"\b{proc.pid}\b"), location.lock():
            pass
        store = location.open()
        try:
            with pytest.raises(IndexLockedError):
                store.writer()
            assert store.document_states() == {}  # reading goes on meanwhile
        finally:
            store.close()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    with location.lock():  # never stale: the holder's death released it
        pass


@pytest.mark.parametrize("stage", ["update", "checkpoint"])
def test_a_writer_killed_mid_update_leaves_the_last_published_state(spec: str, stage: str) -> None:
    location = locate(spec)
    store = location.create(manifest())
    with store.writer() as w:
        w.add_document(*make_document("old.txt", words(3, "old"), seed=1))
        w.add_document(*make_document("other.txt", words(2, "other"), seed=2))
        w.commit()
    store.close()
    with child(UPDATE_AND_WAIT, spec, stage) as proc:
        reader = location.open()
        try:  # while the child sits in its update, readers see the published state
            published = set(reader.document_states())
        finally:
            reader.close()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        assert proc.returncode == -signal.SIGKILL
    if stage == "checkpoint":
        expected = {"other.txt", "checkpointed.txt"}
    else:
        expected = {"old.txt", "other.txt"}
    assert published == expected
    after = location.open(verify=True)
    try:
        assert set(after.document_states()) == expected
        assert after.complete == (stage != "checkpoint")
        stats = after.stats()
        assert stats.passages == stats.vectors == 5  # 3 + 2 either way
        assert after.check(deep=True) == []
        with after.writer() as w:  # the dead writer's lock is gone; the next update works
            w.add_document(*make_document("next.txt", words(1, "next"), seed=3))
            w.commit()
        assert "next.txt" in after.document_states() and after.complete
        assert after.check(deep=True) == []
    finally:
        after.close()
