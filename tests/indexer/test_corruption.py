"""Corruption and mismatch are detected on open with a typed error naming the file and the fix,
in the API and the CLI (one line on stderr, exit 1, no traceback); status reports them without
crashing; `askcorpus index --rebuild` recovers from each."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np
import pytest

from askcorpus.cli import main
from askcorpus.embed.embedder import Embedder
from askcorpus.errors import AskcorpusError, IndexCorruptError, IndexMismatchError
from askcorpus.indexer.health import diagnose
from askcorpus.indexer.update import update_index
from askcorpus.search.index import Index
from askcorpus.settings import Settings
from askcorpus.store.local.store import DB_NAME

from ..conftest import write

DOCS = {
    "gas.txt": "Gazprom signed a thirty-year gas supply contract with CNPC in May 2014.",
    "arctic.md": "# Arctic\n\nIcebreakers escorted tankers along the Northern Sea Route.",
    "pandas.txt": "The zoo in Moscow received two giant pandas on loan from Beijing in 2019.",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    base = tmp_path_factory.mktemp("built")
    for name, text in DOCS.items():
        write(base / "corpus" / name, text)
    settings = Settings(corpus_dir=base / "corpus", index_dir=base / "index")
    update_index(settings, embedder)
    return settings


def faiss_file(folder: Path) -> Path:
    (path,) = folder.glob("vectors-*.faiss")
    return path


def garble(path: Path, start: int, length: int) -> None:
    data = bytearray(path.read_bytes())
    rng = random.Random(7)
    for i in range(start, min(start + length, len(data))):
        data[i] = rng.randrange(256)
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def edit_db(folder: Path, *statements: str) -> None:
    conn = sqlite3.connect(folder / DB_NAME)
    with conn:
        for sql in statements:
            conn.execute(sql)
    conn.close()


def edit_manifest(folder: Path, **changes: object) -> None:
    conn = sqlite3.connect(folder / DB_NAME)
    manifest = json.loads(conn.execute("SELECT value FROM meta WHERE key='manifest'").fetchone()[0])
    manifest.update(changes)
    with conn:
        conn.execute("UPDATE meta SET value = ? WHERE key='manifest'", (json.dumps(manifest),))
    conn.close()


def other_dimension_faiss(folder: Path) -> None:
    path = faiss_file(folder)
    old = faiss.read_index(str(path))
    ids = faiss.vector_to_array(faiss.downcast_index(old).id_map).astype(np.int64)
    index = faiss.IndexIDMap2(faiss.IndexFlatIP(16))
    index.add_with_ids(np.eye(len(ids), 16, dtype=np.float32), ids)
    faiss.write_index(index, str(path))


def garble_db_pages(folder: Path) -> None:
    db = folder / DB_NAME
    size = db.stat().st_size
    garble(db, size - 3 * 4096, 4096)  # a page of the keyword index, not the manifest


# name -> (damage, error type, the file the error must name)
CASES: dict[str, tuple[Callable[[Path], None], type[AskcorpusError], str]] = {
    "faiss truncated": (lambda f: truncate(faiss_file(f)), IndexCorruptError, "faiss"),
    "faiss garbled header": (lambda f: garble(faiss_file(f), 0, 64), IndexCorruptError, "faiss"),
    "faiss garbled vectors": (
        lambda f: garble(faiss_file(f), 200, 512),
        IndexCorruptError,
        "faiss",
    ),
    "faiss missing": (lambda f: faiss_file(f).unlink(), IndexCorruptError, "faiss"),
    "sqlite truncated": (lambda f: truncate(f / DB_NAME), IndexCorruptError, "db"),
    "sqlite garbled header": (lambda f: garble(f / DB_NAME, 0, 100), IndexCorruptError, "db"),
    "sqlite garbled page": (garble_db_pages, IndexCorruptError, "db"),
    "other schema version": (
        lambda f: edit_manifest(f, schema_version=99),
        IndexMismatchError,
        "db",
    ),
    "other model": (lambda f: edit_manifest(f, model="other-model"), IndexMismatchError, "db"),
    "vectors of another dimension": (other_dimension_faiss, IndexMismatchError, "faiss"),
    "manifest of another dimension": (
        lambda f: edit_manifest(f, dimension=16),
        IndexMismatchError,
        "faiss",
    ),
    "counts disagree": (
        lambda f: edit_db(
            f,
            "DELETE FROM passages_fts WHERE rowid = (SELECT max(id) FROM passages)",
            "DELETE FROM passages WHERE id = (SELECT max(id) FROM passages)",
        ),
        IndexCorruptError,
        "faiss",
    ),
    "ids disagree": (
        lambda f: edit_db(
            f, "UPDATE passages SET id = id + 1000 WHERE id = (SELECT max(id) FROM passages)"
        ),
        IndexCorruptError,
        "faiss",
    ),
}


def damaged(built: Settings, tmp_path: Path, case: str) -> tuple[Settings, Path]:
    """A copy of the built index with ``case`` applied; returns its settings and the file the
    error must name."""
    index_dir = tmp_path / "index"
    shutil.copytree(built.index_dir, index_dir)
    damage, _kind, which = CASES[case]
    expected = faiss_file(index_dir) if which == "faiss" else index_dir / DB_NAME
    damage(index_dir)
    return built.with_paths(index_dir=index_dir), expected


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_one_line_error(code: int, err: str, expected: Path) -> None:
    assert code == 1
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("askcorpus: ")
    assert str(expected) in lines[0]
    assert "askcorpus index --rebuild" in lines[0]


@pytest.mark.parametrize("case", list(CASES))
def test_damage_is_detected_on_open_naming_the_file_and_the_fix(
    built: Settings, tmp_path: Path, embedder: Embedder, case: str
) -> None:
    settings, expected = damaged(built, tmp_path, case)
    kind = CASES[case][1]
    with pytest.raises(kind) as caught:
        Index.open(settings.index_dir, settings, embedder)
    assert caught.value.path == expected
    assert caught.value.hint == "run `askcorpus index --rebuild`"
    assert str(expected) in caught.value.user_message()
    health = diagnose(settings)
    assert not health.healthy
    assert any(p.path == expected for p in health.problems)


@pytest.mark.parametrize("case", list(CASES))
def test_cli_reports_damage_in_one_line_and_rebuild_recovers(
    built: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    settings, expected = damaged(built, tmp_path, case)
    index = str(settings.index_dir)
    code, _out, err = run(capsys, "ask", "--index", index, "Who signed the gas contract?")
    assert_one_line_error(code, err, expected)

    code, out, err = run(capsys, "status", "--index", index)
    assert_one_line_error(code, err, expected)
    assert "DAMAGED" in out

    code, out, err = run(capsys, "status", "--index", index, "--json")
    assert code == 1 and json.loads(out)["healthy"] is False

    code, _out, err = run(capsys, "index", "--corpus", str(settings.corpus_dir), "--index", index)
    assert_one_line_error(code, err, expected)

    code, out, err = run(
        capsys, "index", "--corpus", str(settings.corpus_dir), "--index", index, "--rebuild"
    )
    assert code == 0, err
    assert "3 added" in out
    code, out, err = run(capsys, "status", "--index", index)
    assert code == 0 and "health:    ok" in out, out + err
    code, out, err = run(capsys, "ask", "--index", index, "--json", "Who signed the gas contract?")
    assert code == 0, err
    assert json.loads(out)["results"][0]["source"] == "gas.txt"


def test_healthy_index_status_reports_counts_that_agree(
    built: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "status", "--index", str(built.index_dir), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["healthy"] is True and data["complete"] is True and data["problems"] == []
    assert data["documents"] == 3 and data["passages"] == data["vectors"] == 3


def test_damage_found_only_while_reading_is_still_a_typed_error(
    built: Settings, tmp_path: Path
) -> None:
    """Past the size that is checked on open, a garbled page met while reading is reported like
    any other damage, naming the database and the fix."""
    from askcorpus.store.local.store import LocalStore

    index_dir = tmp_path / "index"
    shutil.copytree(built.index_dir, index_dir)
    garble(index_dir / DB_NAME, 3 * 4096 + 8, 4000)  # page 4: the documents table
    with pytest.raises(IndexCorruptError):
        LocalStore.open(index_dir)
    store = LocalStore.open(index_dir, verify=False)
    try:
        with pytest.raises(IndexCorruptError) as caught:
            store.document("gas.txt")
        assert caught.value.path == index_dir / DB_NAME
        assert "--rebuild" in caught.value.user_message()
    finally:
        store.close()
