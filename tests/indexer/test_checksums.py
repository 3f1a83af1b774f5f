"""Stored text is checked before it is shown: a flipped byte inside a document's text (or a
passage's offsets) is an ``IndexCorruptError`` naming the database and the fix, never a quote
that is not in the file, and ``askcorpus status`` finds every such row. Random single-byte
flips in the database of a real index: whenever a search refuses or answers differently from
the undamaged index, ``status`` does not say healthy."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from askcorpus.cli import main
from askcorpus.embed.embedder import Embedder
from askcorpus.errors import AskcorpusError, IndexCorruptError, IndexMismatchError
from askcorpus.indexer.health import diagnose
from askcorpus.indexer.update import update_index
from askcorpus.search.index import Index
from askcorpus.settings import SCHEMA_VERSION, Settings
from askcorpus.store.local.files import DB_NAME
from askcorpus.store.local.store import LocalStore

from ..conftest import SHIPPED_CORPUS, write

REBUILD = "askcorpus index --rebuild"
VOLCANO = (
    "The volcano erupted again in March, covering the valley in ash. Farmers lost the harvest "
    "and the government sent relief convoys through the mountain pass."
)


@pytest.fixture(scope="module")
def volcano(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    base = tmp_path_factory.mktemp("volcano")
    write(base / "corpus" / "volcano.txt", VOLCANO)
    write(base / "corpus" / "tea.txt", "Green tea is grown on terraced hillsides in Zhejiang.")
    settings = Settings(corpus_dir=base / "corpus", index_dir=base / "index")
    update_index(settings, embedder)
    return settings


def copy_index(settings: Settings, tmp_path: Path) -> Settings:
    index_dir = tmp_path / "index"
    shutil.copytree(settings.index_dir, index_dir)
    return settings.with_paths(index_dir=index_dir)


def flip_in_table(db: Path, table: str, needle: bytes, replacement: bytes) -> None:
    """Overwrite the one occurrence of ``needle`` on the pages of ``table`` in the database
    file (same length): the bytes change, the page structure does not."""
    conn = sqlite3.connect(db)
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = [r[0] for r in conn.execute("SELECT pageno FROM dbstat WHERE name = ?", (table,))]
    conn.close()
    data = bytearray(db.read_bytes())
    hits = []
    for page in pages:
        at = data.find(needle, (page - 1) * size, page * size)
        if at >= 0:
            hits.append(at)
    assert len(hits) == 1, hits
    data[hits[0] : hits[0] + len(needle)] = replacement
    db.write_bytes(bytes(data))


def test_flipped_byte_in_document_text_is_refused_by_ask_and_reported_by_status(
    volcano: Settings, tmp_path: Path, embedder: Embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = copy_index(volcano, tmp_path)
    db = settings.index_dir / DB_NAME
    flip_in_table(db, "documents", b"erupted again", b"erupted ygain")  # a valid page, valid UTF-8

    index = Index.open(settings.index_dir, settings, embedder)  # opens: the pages are fine
    try:
        with pytest.raises(IndexCorruptError) as caught:
            index.search("When did the volcano erupt?")
        assert caught.value.path == db
        assert REBUILD in caught.value.user_message()
        with pytest.raises(IndexCorruptError):
            index.document("volcano.txt")
        assert index.document("tea.txt") is not None  # the undamaged document still reads
    finally:
        index.close()

    health = diagnose(settings)
    assert not health.healthy
    assert any(p.path == db and "volcano.txt" in p.message for p in health.problems)

    code = main(["ask", "--index", str(settings.index_dir), "When did the volcano erupt?"])
    out = capsys.readouterr()
    assert code == 1 and "ygain" not in out.out
    assert str(db) in out.err and REBUILD in out.err
    code = main(["status", "--index", str(settings.index_dir)])
    out = capsys.readouterr()
    assert code == 1 and "DAMAGED" in out.out and "health:    ok" not in out.out


def test_changed_passage_offsets_are_refused(
    volcano: Settings, tmp_path: Path, embedder: Embedder
) -> None:
    """A passage whose offsets changed quotes other characters than were indexed."""
    settings = copy_index(volcano, tmp_path)
    db = settings.index_dir / DB_NAME
    conn = sqlite3.connect(db)
    with conn:
        conn.execute('UPDATE passages SET start = start + 4, "end" = "end" + 4')
    conn.close()
    store = LocalStore.open(settings.index_dir)
    try:
        ids = [r[0] for r in store.document_passages("tea.txt")]
        with pytest.raises(IndexCorruptError) as caught:
            store.passages(ids)
        assert caught.value.path == db and "tea.txt" in caught.value.message
    finally:
        store.close()
    assert not diagnose(settings).healthy


def test_index_of_the_previous_schema_asks_for_a_rebuild(
    volcano: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Indexes written before checksums existed carry schema version 1."""
    assert SCHEMA_VERSION >= 2
    settings = copy_index(volcano, tmp_path)
    db = settings.index_dir / DB_NAME
    conn = sqlite3.connect(db)
    manifest = json.loads(conn.execute("SELECT value FROM meta WHERE key='manifest'").fetchone()[0])
    manifest["schema_version"] = 1
    with conn:
        conn.execute("UPDATE meta SET value = ? WHERE key='manifest'", (json.dumps(manifest),))
    conn.close()
    with pytest.raises(IndexMismatchError) as caught:
        LocalStore.open(settings.index_dir)
    message = caught.value.user_message()
    assert f"schema version 1, this askcorpus reads version {SCHEMA_VERSION}" in message
    assert str(db) in message and REBUILD in message
    index, corpus = str(settings.index_dir), str(settings.corpus_dir)
    assert main(["ask", "--index", index, "volcano"]) == 1
    assert REBUILD in capsys.readouterr().err
    assert main(["index", "--corpus", corpus, "--index", index, "--rebuild"]) == 0
    capsys.readouterr()
    assert main(["status", "--index", index]) == 0
    assert "health:    ok" in capsys.readouterr().out


QUESTIONS = (
    "What did Russia and China sign?",
    "gas pipeline agreement",
    "alliance against the United States",
    "military exercises",
)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    base = tmp_path_factory.mktemp("flips")
    shutil.copytree(SHIPPED_CORPUS, base / "corpus")
    settings = Settings(corpus_dir=base / "corpus", index_dir=base / "index")
    update_index(settings, embedder)
    return settings


def answers(settings: Settings, embedder: Embedder) -> list[list[tuple[str, int, int, str]]]:
    index = Index.open(settings.index_dir, settings, embedder)
    try:
        return [
            [(h.source, h.start, h.end, h.text) for h in index.search(q).hits] for q in QUESTIONS
        ]
    finally:
        index.close()


@pytest.mark.parametrize("seed", [11, 12])
def test_status_agrees_with_ask_after_random_byte_flips(
    shipped: Settings, tmp_path: Path, embedder: Embedder, seed: int
) -> None:
    """25 single-byte flips (each on a fresh copy) anywhere in the database file."""
    pristine = answers(shipped, embedder)
    files = {p.name: p.read_text(encoding="utf-8") for p in shipped.corpus_dir.iterdir()}
    assert all(t == files[s][a:b] for r in pristine for s, a, b, t in r)
    size = (shipped.index_dir / DB_NAME).stat().st_size
    rng = random.Random(seed)
    disagreements, outcomes = [], []
    for i in range(25):
        settings = shipped.with_paths(index_dir=tmp_path / f"copy{i}")
        shutil.copytree(shipped.index_dir, settings.index_dir)
        db = settings.index_dir / DB_NAME
        data = bytearray(db.read_bytes())
        offset = rng.randrange(size)
        data[offset] ^= 1 << rng.randrange(8)
        db.write_bytes(bytes(data))
        try:
            got = answers(settings, embedder)
        except AskcorpusError as exc:  # anything else (a raw sqlite3 error) fails the test
            outcome = f"refused ({exc.message[:60]})"
        else:
            quoted_wrong = any(t != files[s][a:b] for r in got for s, a, b, t in r)
            outcome = "wrong quote" if quoted_wrong else "same" if got == pristine else "other"
        healthy = diagnose(settings).healthy
        outcomes.append(outcome)
        if outcome != "same" and healthy:
            disagreements.append((offset, outcome))
        shutil.rmtree(settings.index_dir)
    assert not disagreements, (disagreements, outcomes)
