"""A team corpus on a real PostgreSQL server, through the whole pipeline: the shipped corpus
indexed there answers the eval questions exactly as the local index does; a read-only role
answers and cannot index; an indexer SIGKILLed mid-update leaves the previous state; a
streaming replica answers during an update and sees it after the commit."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from askcorpus.embed.embedder import Embedder
from askcorpus.errors import IndexWriteError
from askcorpus.indexer.update import update_index
from askcorpus.search.index import Index
from askcorpus.settings import Settings, index_location
from askcorpus.store.factory import locate
from askcorpus.store.postgres.roles import grant_read
from tests.conftest import ROOT, TEST_CACHE
from tests.pg_server import Server

QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "eval" / "questions.jsonl").open()]


def top_hits(index: Index, question: str) -> list[tuple[str, int, int]]:
    return [(h.source, h.start, h.end) for h in index.search(question, 5).hits]


@pytest.fixture(scope="module")
def team_index(pg: Server, shipped_index: Settings, embedder: Embedder) -> Settings:
    """The shipped corpus (the same copy as ``shipped_index``) indexed on the server."""
    settings = shipped_index.with_paths(index_dir=index_location(pg.url("shipped")))
    update_index(settings, embedder)
    return settings


def test_the_shipped_corpus_answers_as_the_local_index_does(
    shipped_index: Settings, team_index: Settings, embedder: Embedder
) -> None:
    local = Index.open(shipped_index.index_dir, shipped_index, embedder)
    team = Index.open(str(team_index.index_dir), team_index, embedder)
    try:
        assert team.stats().passages == local.stats().passages > 0
        for question in QUESTIONS:
            assert top_hits(team, question) == top_hits(local, question), question
        mine = team.search(QUESTIONS[0], 5).hits
        theirs = local.search(QUESTIONS[0], 5).hits
        assert [h.score for h in mine] == pytest.approx([h.score for h in theirs], abs=1e-4)
    finally:
        local.close()
        team.close()


def test_a_read_only_role_answers_and_cannot_index(
    pg: Server, team_index: Settings, embedder: Embedder
) -> None:
    pg.psql("DO $$ BEGIN CREATE ROLE reader LOGIN; EXCEPTION WHEN duplicate_object THEN END $$")
    pg.psql("; ".join(grant_read("shipped", "reader")), database="askcorpus", user="askcorpus")
    url = pg.url("shipped", user="reader")
    reader = team_index.with_paths(index_dir=index_location(url))
    index = Index.open(url, reader, embedder)
    try:
        assert index.search(QUESTIONS[0], 3).hits
    finally:
        index.close()
    with pytest.raises(IndexWriteError, match="role reader may read this index but not change"):
        update_index(reader, embedder)
    with pytest.raises(IndexWriteError, match="role reader"):
        locate(url).open().writer()


def _writer_in_transaction(pg: Server, pid: int) -> bool:
    out = pg.psql(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
        f"'askcorpus writer pid {pid} on ' || '{os.uname().nodename}' AND xact_start IS NOT NULL "
        "AND backend_xid IS NOT NULL"
    )
    return out.strip() not in ("", "0")


def test_an_indexer_killed_mid_update_leaves_the_previous_state(
    pg: Server, tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    url = pg.url("killed")
    settings = Settings(corpus_dir=corpus, index_dir=index_location(url), cache_dir=TEST_CACHE)
    update_index(settings, embedder)
    store = locate(url).open()
    before = store.document_states()
    store.close()
    # Three changed documents, one update, each with enough new text (embedded while the
    # update's transaction is open) that the kill lands inside it, even on a machine so busy
    # that this polling loop waits for a core (60 paragraphs were sometimes all embedded and
    # committed between two polls).
    extra = "".join(
        f"\n\nParagraph {n}: a new note on treaty article {n} and the border trade it covers."
        for n in range(150)
    )
    for f in sorted(corpus.glob("*.txt"))[:3]:
        f.write_text(f.read_text() + extra + "\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    env["ASKCORPUS_CHECKPOINT_SECONDS"] = "100000"
    child = subprocess.Popen(
        [sys.executable, "-m", "askcorpus", "index", "--corpus", str(corpus), "--index", url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not _writer_in_transaction(pg, child.pid):
            assert child.poll() is None, "the indexer ended before it was killed"
            assert time.monotonic() < deadline, "the indexer never started writing"
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    store = locate(url).open(verify=True)
    try:
        assert store.document_states() == before and store.complete
        assert store.check(deep=True) == []
    finally:
        store.close()
    report = update_index(settings, embedder)  # the next run does the update
    assert report.changed == 3


def test_a_replica_answers_during_an_update_and_sees_it_after_the_commit(
    pg: Server, team_index: Settings, embedder: Embedder
) -> None:
    standby = pg.replica()
    primary = locate(str(team_index.index_dir)).open()
    url = standby.url("shipped")
    replica = Index.open(url, team_index.with_paths(index_dir=index_location(url)), embedder)
    try:
        deadline = time.monotonic() + 30
        while replica.stats().documents != primary.stats().documents:
            assert time.monotonic() < deadline, "the replica never caught up"
            time.sleep(0.1)
        source = sorted(primary.document_states())[0]
        expected = top_hits(replica, QUESTIONS[0])
        with primary.writer() as w:
            w.remove_document(source)
            assert top_hits(replica, QUESTIONS[0]) == expected  # answers meanwhile, old state
            assert source in replica.store.document_states()
            w.commit()
        deadline = time.monotonic() + 30
        while source in replica.store.document_states():
            assert time.monotonic() < deadline, "the replica never saw the commit"
            time.sleep(0.1)
        assert replica.store.refresh()
        assert all(h.source != source for h in replica.search(QUESTIONS[0], 5).hits)
        with pytest.raises(IndexWriteError, match="read-only replica"):
            locate(url).lock().__enter__()
    finally:
        replica.close()
        primary.close()


def test_the_cli_reads_a_team_index_by_url(
    team_index: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from askcorpus.cli import main

    url = str(team_index.index_dir)
    assert main(["status", "--index", url]) == 0
    out = capsys.readouterr().out
    assert url in out and "health:    ok" in out
    assert main(["ask", "--index", url, "--json", QUESTIONS[0]]) == 0
    hits = json.loads(capsys.readouterr().out)["results"]
    assert hits and hits[0]["source"].endswith(".txt")
