"""Crash safety: SIGKILL `askcorpus index` at random moments during a build and an update.

Each round forks a process that runs the real CLI (``askcorpus.cli.main(["index", ...])``, see
tests/crash_child.py for why it is forked from a warm zygote) and kills it after a seeded random
delay. After every kill the index must open, be healthy (FAISS and SQLite agree passage by
passage) and hold a valid state:

* marked complete: exactly the old or exactly the new corpus state (documents, content hashes,
  passage offsets), never a mix;
* marked incomplete (a checkpoint of an interrupted long run, see askcorpus.indexer.update): every
  document is entirely one of its versions, no document is half-updated, no unknown document.

The next run carries on, and the last one completes it; at the end every document is findable.
Checkpoints are forced after every embedding block (16 passages) so kills meet many publishes.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from askcorpus.embed.embedder import Embedder
from askcorpus.indexer.health import diagnose
from askcorpus.ingest.documents import discover, load_document
from askcorpus.search.index import Index
from askcorpus.settings import SCHEMA_VERSION, Settings
from askcorpus.store.local.store import LocalStore
from askcorpus.text.chunking import chunk_document

SEED = 20261122
KILLS_PER_PHASE = 5
WORDS = [
    "river",
    "harbour",
    "engine",
    "treaty",
    "harvest",
    "signal",
    "library",
    "mountain",
    "winter",
    "ledger",
    "copper",
    "village",
    "railway",
    "lantern",
    "market",
    "orchard",
    "bridge",
    "canal",
    "furnace",
    "granary",
    "meadow",
    "quarry",
    "beacon",
    "foundry",
    "archive",
    "compass",
    "garden",
    "island",
    "tunnel",
    "valley",
]
SYLLABLES = ["ka", "lo", "mi", "re", "su", "ta", "ven", "dor", "pli", "qua"]
CHILD_ENV = {
    "ASKCORPUS_BATCH_SIZE": "1",  # blocks of 16 passages: many publishes per run
    "ASKCORPUS_CHECKPOINT_SECONDS": "0",  # checkpoint after every block
    "ASKCORPUS_THREADS": "1",
}

State = dict[str, tuple[str, tuple[tuple[int, int], ...]]]


def codeword(i: int) -> str:
    """A made-up word found in document ``i`` only."""
    return "".join(SYLLABLES[int(d)] for d in f"{i:03d}") + "x"


def doc_text(i: int, version: int) -> str:
    rng = random.Random(i * 1000 + version)
    n = 240 if i < 8 else 45  # a few documents of two passages or more
    words = [rng.choice(WORDS) for _ in range(n)]
    body = ". ".join(" ".join(words[k : k + 12]).capitalize() for k in range(0, n, 12))
    return f"Field note {codeword(i)}, version {version}. {body}. The {codeword(i)} entry ends."


def write_corpus(corpus: Path, version: str) -> None:
    """Version A: notes 0-47. Version B: 6 removed, 10 changed, 4 touched, 8 added."""
    corpus.mkdir(parents=True, exist_ok=True)
    wanted = {f"note-{i:02d}.txt": doc_text(i, 0) for i in range(48)}
    if version == "B":
        for i in range(40, 46):
            del wanted[f"note-{i:02d}.txt"]
        for i in [*range(0, 4), *range(10, 16)]:
            wanted[f"note-{i:02d}.txt"] = doc_text(i, 1)
        for i in range(48, 56):
            wanted[f"note-{i:02d}.txt"] = doc_text(i, 0)
    for path in corpus.glob("*.txt"):
        if path.name not in wanted:
            path.unlink()
    for name, text in wanted.items():
        path = corpus / name
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    if version == "B":
        for i in range(20, 24):  # touched: same bytes, new mtime
            os.utime(corpus / f"note-{i:02d}.txt", (time.time() + 50, time.time() + 50))


def expected_state(corpus: Path) -> State:
    """What a complete index of ``corpus`` holds: per document its hash and passage spans."""
    settings = Settings()
    entries, _ = discover(corpus)
    out: State = {}
    for entry in entries:
        doc = load_document(entry, settings.max_file_bytes)
        spans = tuple((p.start, p.end) for p in chunk_document(doc, settings.chunking))
        out[entry.source] = (doc.content_hash, spans)
    return out


def stored_state(index_dir: Path) -> tuple[State, bool]:
    store = LocalStore.open(index_dir)
    try:
        state = {
            src: (st.content_hash, tuple((s, e) for _id, s, e in store.document_passages(src)))
            for src, st in store.document_states().items()
        }
        return state, store.complete
    finally:
        store.close()


@dataclass
class Tally:
    """What the killed rounds left, each checked valid by :func:`check_after`: the old state
    (killed before its first publish), a checkpoint between the two (killed between publishes),
    the new state (killed after its last commit, while cleaning up or exiting)."""

    kills: int = 0
    left_old: int = 0
    left_checkpoint: int = 0
    left_new: int = 0
    completed: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def mid_update(self) -> int:
        """Kills that struck before the run's final commit."""
        return self.left_old + self.left_checkpoint


def check_after(
    settings: Settings, old: State, new: State, embedder: Embedder, rng: random.Random
) -> tuple[bool, State]:
    """Assert the index holds a valid state; returns (exists, state)."""
    if not LocalStore.exists(settings.index_dir):
        assert old == {}, "an existing index vanished"
        return False, {}
    health = diagnose(settings)
    assert health.healthy, [p.user_message() for p in health.problems]
    state, complete = stored_state(settings.index_dir)
    versions: dict[str, set] = {}
    for s in (old, new):
        for src, v in s.items():
            versions.setdefault(src, set()).add(v)
    for src, v in state.items():
        assert src in versions, f"unknown document {src}"
        assert v in versions[src], f"{src} is neither its old nor its new version"
    if complete:
        assert state in (old, new), "a complete index mixes the old and new states"
    stats = health.stats
    assert stats is not None and stats.documents == len(state)
    assert stats.passages == stats.vectors == sum(len(v[1]) for v in state.values())
    if state:
        src = rng.choice(sorted(state))
        index = Index.open(settings.index_dir, settings, embedder)
        try:
            word = codeword(int(src[5:7]))
            assert src in [h.source for h in index.search(word, 5).hits]
        finally:
            index.close()
    return True, state


def run_round(
    ctx: multiprocessing.context.BaseContext,
    settings: Settings,
    delay: float | None,
    log: Path,
) -> tuple[bool, float]:
    """One `askcorpus index` run, SIGKILLed ``delay`` s after it took the writer lock (None:
    let it finish). Returns (killed, seconds it ran after taking the lock)."""
    from tests.crash_child import run_cli

    argv = ["index", "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]
    proc = ctx.Process(target=run_cli, args=(argv, CHILD_ENV, str(log)))
    proc.start()
    lock = settings.index_dir / "writer.lock"
    deadline = time.monotonic() + 120
    while proc.is_alive() and time.monotonic() < deadline:
        try:
            if lock.read_text().strip() == str(proc.pid):
                break
        except OSError:
            pass
        time.sleep(0.005)
    started = time.monotonic()
    killed = False
    if delay is not None:
        proc.join(delay)
        if proc.is_alive():
            os.kill(proc.pid, signal.SIGKILL)
            killed = True
    proc.join(180)
    assert not proc.is_alive(), "indexer hung"
    if not killed:
        assert proc.exitcode == 0, log.read_text()[-2000:]
    proc.close()
    return killed, time.monotonic() - started


@pytest.fixture(scope="module")
def zygote() -> Iterator[multiprocessing.context.BaseContext]:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["tests.crash_child"])
    yield ctx
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)
    if stop is not None:
        stop()


def run_phase(
    ctx: multiprocessing.context.BaseContext,
    settings: Settings,
    embedder: Embedder,
    rng: random.Random,
    tally: Tally,
    old: State,
    new_version: str | None,
    restart: Callable[[], State],
) -> State:
    """KILLS_PER_PHASE killed runs (restarting with ``restart`` when a run finished before its
    kill), each followed by the checks, then one run to completion. Returns the final state."""
    if new_version is not None:
        write_corpus(settings.corpus_dir, new_version)
    new = expected_state(settings.corpus_dir)
    estimate = 3.0
    kills = 0
    rounds = 0
    while kills < KILLS_PER_PHASE and rounds < 3 * KILLS_PER_PHASE:
        rounds += 1
        log = settings.index_dir.parent / f"round-{tally.kills}-{rounds}.log"
        t0 = time.monotonic()
        delay = rng.uniform(0.0, estimate)
        killed, seconds = run_round(ctx, settings, delay, log)
        tally.notes.append(f"{delay:.1f}/{seconds:.1f}/{time.monotonic() - t0:.1f}")
        if killed:
            kills += 1
            tally.kills += 1
        exists, state = check_after(settings, old, new, embedder, rng)
        if killed:
            complete = exists and stored_state(settings.index_dir)[1]
            if exists and not complete:
                tally.left_checkpoint += 1
            elif state == new and exists:
                tally.left_new += 1
            else:
                assert state == old  # check_after: a complete index is the old or the new state
                tally.left_old += 1
        if not killed:
            tally.completed += 1
            estimate = max(0.2, 1.2 * seconds)  # follow the machine's speed both ways
            assert state == new
            old = restart()
            new = expected_state(settings.corpus_dir)
    killed, _ = run_round(ctx, settings, None, settings.index_dir.parent / "final.log")
    exists, state = check_after(settings, old, new, embedder, rng)
    assert exists and state == new and stored_state(settings.index_dir)[1]
    return new


def test_sigkill_during_build_and_update_leaves_a_valid_index(
    tmp_path: Path, embedder: Embedder, zygote: multiprocessing.context.BaseContext
) -> None:
    rng = random.Random(SEED)
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    tally = Tally()

    # Phase 1: the first build (old state: no index). A run that finishes before its kill
    # starts the build over from an empty folder.
    write_corpus(settings.corpus_dir, "A")

    def wipe() -> State:
        for p in settings.index_dir.iterdir():
            p.unlink()
        return {}

    state_a = run_phase(zygote, settings, embedder, rng, tally, {}, None, wipe)

    # Phase 2: an incremental update A -> B (removed, changed, touched and added files). A run
    # that finishes before its kill is followed by an update back to the other version.
    current = {"version": "B"}

    def flip() -> State:
        old = expected_state(settings.corpus_dir)
        current["version"] = "A" if current["version"] == "B" else "B"
        write_corpus(settings.corpus_dir, current["version"])
        return old

    final = run_phase(zygote, settings, embedder, rng, tally, state_a, "B", flip)

    # Every document is findable at the end.
    index = Index.open(settings.index_dir, settings, embedder)
    try:
        for src in final:
            hits = index.search(codeword(int(src[5:7])), 5).hits
            assert src in [h.source for h in hits], src
    finally:
        index.close()
    print(f"crash test: {tally}")
    # The kills must really strike inside updates, or the checks above prove nothing: most of
    # them before the final commit, some between checkpoints (a published incomplete state).
    assert tally.kills >= 2 * KILLS_PER_PHASE - 2
    assert tally.kills == tally.left_old + tally.left_checkpoint + tally.left_new
    assert tally.mid_update >= tally.kills // 2, tally
    assert tally.left_checkpoint >= 1, tally


@pytest.mark.parametrize(
    "point", ["before-save", "tmp-written", "saved", "committed", "after-checkpoint"]
)
def test_sigkill_at_each_step_of_a_publish(
    tmp_path: Path, zygote: multiprocessing.context.BaseContext, point: str
) -> None:
    """Deterministic complement to the random kills: die at each step of publishing an update
    (FAISS temp file written, renamed, SQLite committed, checkpoint published)."""
    from askcorpus.store.base import Manifest
    from tests.crash_child import update_and_die
    from tests.synthetic import DIM, synthetic

    store = LocalStore.create(tmp_path, Manifest(SCHEMA_VERSION, "m", DIM, {}, "t", "t"))
    with store.writer() as w:
        for source, n in (("a", 3), ("b", 2), ("c", 4)):
            w.add_document(*synthetic(source, n, 1))
        w.commit()
    store.close()
    proc = zygote.Process(target=update_and_die, args=(str(tmp_path), point))
    proc.start()
    proc.join(60)
    assert proc.exitcode == -signal.SIGKILL
    proc.close()

    store = LocalStore.open(tmp_path)
    docs = {s: (st.content_hash, st.passages) for s, st in store.document_states().items()}
    old = {"a": ("a-1", 3), "b": ("b-1", 2), "c": ("c-1", 4)}
    new = {"b": ("b-2", 5), "c": ("c-1", 4), "d": ("d-3", 4)}
    checkpoint = {"b": ("b-2", 5), "c": ("c-1", 4)}
    expected = {"committed": new, "after-checkpoint": checkpoint}.get(point, old)
    assert docs == expected
    assert store.complete == (point != "after-checkpoint")
    assert store.check(deep=True) == []
    assert store.stats().vectors == store.stats().passages == sum(n for _h, n in docs.values())
    # The lock died with its holder; the next update succeeds and removes the orphan files.
    with store.writer() as w:
        w.add_document(*synthetic("e", 2, 4))
        w.commit()
    assert len(list(tmp_path.glob("vectors-*"))) == 1
    assert store.check(deep=True) == [] and store.complete
    store.close()
