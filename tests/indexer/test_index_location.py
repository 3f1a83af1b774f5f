"""Where an index may live, and what askcorpus may delete there.

askcorpus refuses an index folder that is the corpus, or that holds the corpus, or (for a new
index) that already holds other files, with one typed error line and nothing written; an index
folder inside the corpus is allowed and left out of the documents. It deletes only files it can
prove it made: its own exact names (``store_files.is_own_file``), never a user's file that only
looks similar, on a rebuild of a damaged index, a rebuild of a healthy one, or a publish.
"""

from __future__ import annotations

import logging
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from askcorpus.embed.embedder import Embedder
from askcorpus.errors import IndexLocationError
from askcorpus.indexer.update import update_index
from askcorpus.ingest.documents import discover
from askcorpus.settings import SCHEMA_VERSION, Settings
from askcorpus.store.base import Manifest
from askcorpus.store.local.files import DB_NAME, is_own_file
from askcorpus.store.local.store import LocalStore
from tests.synthetic import DIM, synthetic

from ..conftest import write

ROOT = Path(__file__).resolve().parents[2]
GAS = "Gazprom signed a thirty-year gas supply contract with CNPC in May 2014 in Shanghai."
ARCTIC = "Icebreakers escorted tankers along the Northern Sea Route during the Arctic summer."

#: A user's files that look like askcorpus's but are not: none may ever be deleted.
USER_FILES = {
    "tmp/draft-chapter.txt": "Chapter one, a draft.",
    "tmp/scratch.md": "# scratch\n\nnotes",
    "vectors-notes.faiss.txt": "my own notes about FAISS",
    "vectors-1.faiss.bak": "a backup I made",
    "vectors-01.faiss": "not a generation askcorpus writes",
    "vectors-2.faiss.delta.old": "kept by hand",
    "vectors-x.faiss.delta": "not numeric",
    "askcorpus.sqlite3.bak": "my copy of the database",
    "askcorpus.sqlite3.new-notes.txt": "looks like a leftover, is not",
    "writer.lock.txt": "not the lock",
    "notes.txt": "just a note",
}


def cli(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real CLI in a child process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "askcorpus", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=cwd,
    )


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def assert_one_line_refusal(proc: subprocess.CompletedProcess[str], *mentions: str) -> None:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("askcorpus: ") and " — " in lines[0]  # message — hint
    for text in mentions:
        assert text in lines[0]


def corpus_with_user_tmp(tmp_path: Path) -> Path:
    corpus = tmp_path / "C"
    write(corpus / "gas.txt", GAS)
    write(corpus / "tmp" / "draft-chapter.txt", "Chapter one, a draft.")
    write(corpus / "tmp" / "scratch.md", "# scratch")
    write(corpus / "vectors-notes.faiss.txt", "notes")
    return corpus


# -- refusals ------------------------------------------------------------------------------------


def test_cli_refuses_the_corpus_as_its_own_index_and_writes_nothing(tmp_path: Path) -> None:
    corpus = corpus_with_user_tmp(tmp_path)
    before = tree(corpus)
    for rebuild in ((), ("--rebuild",)):
        proc = cli("index", "--corpus", str(corpus), "--index", str(corpus), *rebuild, cwd=tmp_path)
        assert_one_line_refusal(proc, str(corpus), "--index")
        assert tree(corpus) == before
        assert sorted(p.name for p in corpus.iterdir()) == [
            "gas.txt",
            "tmp",
            "vectors-notes.faiss.txt",
        ]
    # Relative paths, the cwd, a trailing "/." or a symlink are still the same folder.
    link = tmp_path / "link"
    link.symlink_to(corpus)
    for index in (".", f"{corpus}/.", str(link)):
        proc = cli("index", "--corpus", str(corpus), "--index", index, cwd=corpus)
        assert_one_line_refusal(proc)
        assert tree(corpus) == before


def test_the_corpus_inside_the_index_folder_is_refused(tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    corpus = outer / "docs"
    write(corpus / "gas.txt", GAS)
    before = tree(outer)
    with pytest.raises(IndexLocationError) as caught:
        update_index(Settings(corpus_dir=corpus, index_dir=outer))
    assert caught.value.path == outer and caught.value.hint
    assert tree(outer) == before and sorted(p.name for p in outer.iterdir()) == ["docs"]
    proc = cli("index", "--corpus", str(corpus), "--index", str(outer), cwd=tmp_path)
    assert_one_line_refusal(proc, str(corpus), str(outer))
    assert tree(outer) == before


def test_a_new_index_in_a_folder_of_other_files_is_refused(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "gas.txt", GAS)
    index = tmp_path / "Documents"
    write(index / "taxes-2023.pdf.txt", "keep me")
    before = tree(index)
    with pytest.raises(IndexLocationError) as caught:
        update_index(Settings(corpus_dir=corpus, index_dir=index))
    assert "taxes-2023.pdf.txt" in caught.value.message
    assert tree(index) == before and [p.name for p in index.iterdir()] == ["taxes-2023.pdf.txt"]
    proc = cli("index", "--corpus", str(corpus), "--index", str(index), cwd=tmp_path)
    assert_one_line_refusal(proc, str(index))
    assert tree(index) == before


def test_an_index_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "gas.txt", GAS)
    index = write(tmp_path / "index", "a file, not a folder")
    with pytest.raises(IndexLocationError):
        update_index(Settings(corpus_dir=corpus, index_dir=index))
    assert index.read_text() == "a file, not a folder"


def test_an_empty_or_new_folder_or_one_with_only_os_litter_is_accepted(
    tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "gas.txt", GAS)
    for n, prepare in enumerate(("new", "empty", "litter")):
        index = tmp_path / f"index-{n}"
        if prepare != "new":
            index.mkdir()
        if prepare == "litter":
            write(index / ".DS_Store", "finder")
        assert update_index(Settings(corpus_dir=corpus, index_dir=index), embedder).added == 1
        assert LocalStore.exists(index)


def test_a_fresh_checkout_indexes_the_shipped_corpus_where_make_run_does(
    tmp_path: Path, embedder: Embedder
) -> None:
    """``make run`` indexes ``corpus/`` into ``index/`` of the checkout (the default folders):
    whatever the repository tracks under ``index/`` is there on a fresh clone, and a new index
    beside a file that is not askcorpus's is refused, so the first start would fail."""
    tracked = subprocess.run(
        ["git", "ls-files", "index"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    fresh = tmp_path / "checkout"
    for name in tracked:
        (fresh / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, fresh / name)
    corpus = fresh / "corpus"
    write(corpus / "gas.txt", GAS)
    defaults = Settings()
    assert (defaults.corpus_dir, defaults.index_dir) == (Path("corpus"), Path("index"))
    settings = Settings(corpus_dir=corpus, index_dir=fresh / defaults.index_dir)
    assert update_index(settings, embedder).added == 1


# -- an index inside the corpus ------------------------------------------------------------------


def test_an_index_inside_the_corpus_is_left_out_of_the_documents(
    tmp_path: Path, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "gas.txt", GAS)
    settings = Settings(corpus_dir=corpus, index_dir=corpus / "index")
    assert update_index(settings, embedder).added == 1
    # A document that ends up in the index folder is not part of the corpus, and askcorpus
    # says so instead of indexing (or later deleting) it.
    write(settings.index_dir / "arctic.txt", ARCTIC)
    entries, skipped = discover(corpus)
    assert [e.source for e in entries] == ["gas.txt"] and skipped == []
    with caplog.at_level(logging.INFO, logger="askcorpus"):
        report = update_index(settings, embedder)
    assert (report.added, report.unchanged) == (0, 1)
    assert any(
        r.levelno == logging.WARNING and "arctic.txt" in r.getMessage() for r in caplog.records
    ), caplog.text
    assert (settings.index_dir / "arctic.txt").read_text() == ARCTIC
    store = LocalStore.open(settings.index_dir)
    try:
        assert set(store.document_states()) == {"gas.txt"}
    finally:
        store.close()


# -- what may be deleted ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        DB_NAME,
        f"{DB_NAME}-wal",
        f"{DB_NAME}-shm",
        f"{DB_NAME}-journal",
        f"{DB_NAME}.new",
        f"{DB_NAME}.new-wal",
        f"{DB_NAME}.new-shm",
        f"{DB_NAME}.new-journal",
        "vectors-0.faiss",
        "vectors-12.faiss",
        "vectors-12.faiss.tmp",
        "vectors-13.faiss.delta",
        "vectors-13.faiss.delta.tmp",
        "writer.lock",
    ],
)
def test_own_file_names(name: str) -> None:
    assert is_own_file(name)


@pytest.mark.parametrize(
    "name",
    [Path(n).name for n in USER_FILES]
    + ["tmp", "vectors-.faiss", "vectors-1.faiss.tmp.tmp", "vectors-١.faiss", "Vectors-1.faiss"],
)
def test_lookalike_names_are_not_own_files(name: str) -> None:
    assert not is_own_file(name)


def plant_user_files(index: Path) -> None:
    for name, text in USER_FILES.items():
        write(index / name, text)


def assert_user_files_intact(index: Path) -> None:
    for name, text in USER_FILES.items():
        assert (index / name).read_text() == text, name


def garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    rng = random.Random(3)
    for i in range(len(data) // 4, len(data)):
        data[i] = rng.randrange(256)
    path.write_bytes(bytes(data))


def test_updates_and_a_healthy_rebuild_delete_no_user_file(
    tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "gas.txt", GAS)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    update_index(settings, embedder)
    plant_user_files(settings.index_dir)
    write(corpus / "arctic.txt", ARCTIC)
    assert update_index(settings, embedder).added == 1  # a publish cleans up old generations
    assert_user_files_intact(settings.index_dir)
    assert update_index(settings, embedder, rebuild=True).added == 2
    assert_user_files_intact(settings.index_dir)


def test_cli_rebuild_of_a_damaged_index_deletes_only_askcorpus_files(
    tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "gas.txt", GAS)
    index = tmp_path / "index"
    update_index(Settings(corpus_dir=corpus, index_dir=index), embedder)
    plant_user_files(index)
    # Leftovers a crash could leave: askcorpus's own, so the rebuild may remove them.
    for leftover in ("vectors-7.faiss.tmp", "vectors-9.faiss.delta", f"{DB_NAME}.new"):
        write(index / leftover, "stale")
    (vector_file,) = index.glob("vectors-[0-9].faiss")
    garble(vector_file)
    argv = ["index", "--corpus", str(corpus), "--index", str(index)]
    assert_one_line_refusal(cli(*argv, cwd=tmp_path), "--rebuild")
    proc = cli(*argv, "--rebuild", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "1 added" in proc.stdout
    assert_user_files_intact(index)
    for leftover in ("vectors-7.faiss.tmp", "vectors-9.faiss.delta", f"{DB_NAME}.new"):
        assert not (index / leftover).exists()
    names = {p.relative_to(index).as_posix() for p in index.rglob("*") if p.is_file()}
    assert names - set(USER_FILES) <= {
        DB_NAME,
        f"{DB_NAME}-wal",
        f"{DB_NAME}-shm",
        "writer.lock",
    } | {p.name for p in index.glob("vectors-*.faiss") if is_own_file(p.name)}
    store = LocalStore.open(index)
    try:
        assert store.check(deep=True) == [] and set(store.document_states()) == {"gas.txt"}
    finally:
        store.close()


def test_a_new_index_is_not_fed_the_wal_of_a_deleted_one(tmp_path: Path) -> None:
    """A user deleted ``askcorpus.sqlite3`` by hand but not its ``-wal``: SQLite would replay
    that WAL onto the new database (here: a generation whose vector file is gone)."""
    index = tmp_path / "index"
    store = LocalStore.create(index, Manifest(SCHEMA_VERSION, "m", DIM, {}, "t", "t"))
    reader = sqlite3.connect(index / DB_NAME)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM documents").fetchone()  # keeps the WAL from a checkpoint
    with store.writer() as w:
        w.add_document(*synthetic("doc", 10, 1))
        w.commit()
    shutil.copy(index / f"{DB_NAME}-wal", tmp_path / "stale-wal")
    reader.close()
    store.close()
    (index / DB_NAME).unlink()
    shutil.copy(tmp_path / "stale-wal", index / f"{DB_NAME}-wal")
    store = LocalStore.create(index, Manifest(SCHEMA_VERSION, "m", DIM, {}, "t", "t"))
    try:
        assert store.document_states() == {} and store.check(deep=True) == []
    finally:
        store.close()


def test_rebuilding_a_benchmark_cache_keeps_a_user_file_in_it(
    tmp_path: Path, embedder: Embedder
) -> None:
    from askcorpus.eval.beir import build_index

    from ..eval.test_evaluate import make_beir

    folder = make_beir(tmp_path / "tiny")
    cache = tmp_path / "cache"
    settings = Settings()
    assert build_index(folder, cache, settings, embedder) is True
    plant_user_files(cache)
    assert build_index(folder, cache, settings, embedder, rebuild=True) is True
    assert_user_files_intact(cache)
    assert build_index(folder, cache, settings, embedder) is False  # and the cache still works
