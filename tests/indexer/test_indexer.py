"""Incremental indexing against the real model: add, change, remove, no-change, rebuild."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from askcorpus.embed.embedder import Embedder
from askcorpus.errors import CorpusError, IndexMismatchError
from askcorpus.indexer.update import update_index
from askcorpus.search.index import Index
from askcorpus.settings import ChunkingParams, Settings

from ..conftest import write

GAS = "Gazprom signed a thirty-year gas supply contract with CNPC in May 2014 in Shanghai."
ARCTIC = "Icebreakers escorted tankers along the Northern Sea Route during the Arctic summer."
PANDAS = "The zoo in Moscow received two giant pandas on loan from Beijing in 2019."


def make(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    write(corpus / "gas.txt", GAS)
    write(corpus / "arctic.md", f"# Arctic\n\n{ARCTIC}")
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index")


def sources(settings: Settings, embedder: Embedder, question: str) -> list[str]:
    index = Index.open(settings.index_dir, settings, embedder)
    try:
        return [h.source for h in index.search(question, 3).hits]
    finally:
        index.close()


def test_first_run_adds_everything(tmp_path: Path, embedder: Embedder) -> None:
    settings = make(tmp_path)
    report = update_index(settings, embedder)
    assert (report.added, report.changed, report.removed, report.unchanged) == (2, 0, 0, 0)
    assert report.passages_embedded == 2
    assert "2 added, 0 changed, 0 removed, 0 unchanged — 2 passages embedded in" in report.summary()
    assert sources(settings, embedder, "When was the gas contract signed?")[0] == "gas.txt"


def test_add_change_remove_are_incremental(tmp_path: Path, embedder: Embedder) -> None:
    settings = make(tmp_path)
    update_index(settings, embedder)
    corpus = settings.corpus_dir
    write(corpus / "sub" / "pandas.txt", PANDAS)
    write(corpus / "gas.txt", GAS + " The price was never disclosed.")
    (corpus / "arctic.md").unlink()
    report = update_index(settings, embedder)
    assert (report.added, report.changed, report.removed, report.unchanged) == (1, 1, 1, 0)
    assert report.passages_embedded == 2
    assert (
        sources(settings, embedder, "Where did the giant pandas come from?")[0] == "sub/pandas.txt"
    )
    assert "arctic.md" not in sources(settings, embedder, "Northern Sea Route icebreakers")
    index = Index.open(settings.index_dir, settings, embedder)
    assert index.stats().documents == 2 and index.stats().healthy
    assert index.document("gas.txt").text.endswith("never disclosed.")
    index.close()


def test_nothing_changed_embeds_nothing_quickly(tmp_path: Path, embedder: Embedder) -> None:
    settings = make(tmp_path)
    update_index(settings, embedder)
    before = sorted(p.name for p in settings.index_dir.iterdir())
    report = update_index(settings, embedder)
    assert report.passages_embedded == 0 and report.unchanged == 2
    assert report.seconds < 1.0
    assert sorted(p.name for p in settings.index_dir.iterdir()) == before


def test_touched_but_identical_file_is_not_reembedded(tmp_path: Path, embedder: Embedder) -> None:
    settings = make(tmp_path)
    update_index(settings, embedder)
    future = time.time() + 100
    os.utime(settings.corpus_dir / "gas.txt", (future, future))
    report = update_index(settings, embedder)
    assert report.passages_embedded == 0 and report.unchanged == 2


def test_rebuild_starts_over(tmp_path: Path, embedder: Embedder) -> None:
    settings = make(tmp_path)
    update_index(settings, embedder)
    report = update_index(settings, embedder, rebuild=True)
    assert report.added == 2 and report.passages_embedded == 2
    index = Index.open(settings.index_dir, settings, embedder)
    assert index.stats().passages == 2 and index.stats().healthy
    index.close()


def test_other_chunking_needs_a_rebuild(tmp_path: Path, embedder: Embedder) -> None:
    settings = make(tmp_path)
    update_index(settings, embedder)
    other = Settings(
        corpus_dir=settings.corpus_dir,
        index_dir=settings.index_dir,
        chunking=ChunkingParams(target_words=50),
    )
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        update_index(other, embedder)
    assert update_index(other, embedder, rebuild=True).added == 2


def test_empty_corpus_is_a_clear_error(tmp_path: Path, embedder: Embedder) -> None:
    (tmp_path / "corpus").mkdir()
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    with pytest.raises(CorpusError, match="no supported documents"):
        update_index(settings, embedder)
    write(tmp_path / "corpus" / "empty.txt", "  ")
    with pytest.raises(CorpusError, match="nothing in .* could be indexed"):
        update_index(settings, embedder)


def test_skipped_files_are_reported_and_others_indexed(tmp_path: Path, embedder: Embedder) -> None:
    settings = make(tmp_path)
    (settings.corpus_dir / "junk.txt").write_bytes(b"\x00\x01\x02" * 100)
    report = update_index(settings, embedder)
    assert report.added == 2
    assert [(s.source, "binary" in s.reason) for s in report.skipped] == [("junk.txt", True)]
    index = Index.open(settings.index_dir, settings, embedder)
    assert [s.source for s in index.store.skipped()] == ["junk.txt"]
    index.close()


def notes_corpus(tmp_path: Path, n: int) -> Settings:
    """``n`` one-passage notes; blocks of 16 passages, a checkpoint after every block."""
    for i in range(n):
        write(tmp_path / "corpus" / f"note-{i:02d}.txt", f"Note {i}: the harbour ledger entry {i}.")
    return Settings(
        corpus_dir=tmp_path / "corpus",
        index_dir=tmp_path / "index",
        batch_size=1,
        checkpoint_seconds=0.0,
    )


def test_long_run_checkpoints_and_a_cancel_keeps_the_published_work(
    tmp_path: Path, embedder: Embedder
) -> None:
    from askcorpus.errors import Cancelled
    from askcorpus.indexer.health import diagnose
    from askcorpus.records import Progress

    settings = notes_corpus(tmp_path, 40)  # blocks of 16, 16, 8 passages
    embedded: list[int] = []

    def progress(p: Progress) -> None:
        if p.phase == "embedding":
            embedded.append(p.done)

    with pytest.raises(Cancelled, match="before the last checkpoint are kept") as caught:
        update_index(
            settings,
            embedder,
            progress=progress,
            cancelled=lambda: bool(embedded) and embedded[-1] > 16,
        )
    assert "run `askcorpus index` to finish" in caught.value.user_message()
    health = diagnose(settings)
    assert health.healthy and not health.complete
    # Whole blocks of 16 published: the one being embedded at the cancel is dropped.
    kept = health.stats.documents if health.stats is not None else 0
    assert kept in (16, 32) and health.stats.vectors == kept
    index = Index.open(settings.index_dir, settings, embedder)
    assert index.search("harbour ledger entry 3", 3).hits  # a checkpoint answers searches
    index.close()

    report = update_index(settings, embedder)  # the next run finishes the job
    assert (report.added, report.unchanged, report.passages_embedded) == (
        40 - kept,
        kept,
        40 - kept,
    )
    health = diagnose(settings)
    assert health.healthy and health.complete and health.stats.documents == 40


def test_cancel_before_a_checkpoint_leaves_the_previous_index(
    tmp_path: Path, embedder: Embedder
) -> None:
    from askcorpus.errors import Cancelled

    settings = make(tmp_path)
    update_index(settings, embedder)
    before = sorted(p.name for p in settings.index_dir.iterdir())
    write(settings.corpus_dir / "pandas.txt", PANDAS)
    with pytest.raises(Cancelled, match="previous index is unchanged"):
        update_index(settings, embedder, cancelled=lambda: True)
    assert sorted(p.name for p in settings.index_dir.iterdir()) == before
    index = Index.open(settings.index_dir, settings, embedder)
    assert index.stats().documents == 2 and index.store.complete
    index.close()


def test_an_interrupted_run_with_nothing_left_is_marked_complete(
    tmp_path: Path, embedder: Embedder
) -> None:
    from askcorpus.store.local.store import LocalStore

    settings = make(tmp_path)
    update_index(settings, embedder)
    store = LocalStore.open(settings.index_dir)
    writer = store.writer()
    writer.checkpoint()  # publishes "incomplete", then the run dies
    writer.rollback()
    assert not store.complete
    store.close()
    report = update_index(settings, embedder)
    assert report.passages_embedded == 0 and report.unchanged == 2
    store = LocalStore.open(settings.index_dir)
    assert store.complete
    store.close()
