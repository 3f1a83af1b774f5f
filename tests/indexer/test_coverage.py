"""Index coverage on a real index: per folder, indexed, OCR'd, skipped (why), excluded (which
rule), waiting and gone, checked against the corpus the test built (and against what the store
and discovery say themselves); the CLI's JSON and readable forms."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from askcorpus.embed.embedder import Embedder
from askcorpus.indexer.coverage import coverage
from askcorpus.indexer.update import update_index
from askcorpus.settings import Settings
from askcorpus.store.factory import locate

from ..conftest import write
from ..ingest.scans import scanned_pdf

TEXTS = {
    "gas.txt": "Gazprom signed a thirty-year gas supply contract with CNPC in May 2014.",
    "reports/2023/arctic.md": "Icebreakers escorted tankers along the Northern Sea Route.",
    "reports/2023/pandas.txt": "The zoo in Moscow received two giant pandas on loan from Beijing.",
    "reports/2024/trade.txt": "Trade between the two countries grew by a third in one year.",
    "drafts/idea.txt": "An idea nobody should search yet.",
    "reports/2024/old-draft.txt": "A draft of the trade report.",
}
RULES = "drafts/\n*-draft.txt\n"


@pytest.fixture()
def corpus(tmp_path: Path, embedder: Embedder) -> Settings:
    root = tmp_path / "corpus"
    for name, text in TEXTS.items():
        write(root / name, text)
    write(root / ".askcorpusignore", RULES)
    (root / "reports" / "2024" / "broken.docx").write_bytes(b"not a zip at all")
    scanned_pdf(root / "scans" / "letter.pdf", [["A letter about the Arctic sea route."]])
    settings = Settings(corpus_dir=root, index_dir=tmp_path / "index")
    update_index(settings, embedder)
    return settings


def test_coverage_per_folder(corpus: Settings) -> None:
    root = corpus.corpus_dir
    # After the run: one file changed, one new, one gone.
    write(root / "gas.txt", TEXTS["gas.txt"] + " The price was not disclosed.")
    write(root / "reports" / "2024" / "new.txt", "A new report on trade.")
    (root / "reports" / "2023" / "pandas.txt").unlink()
    store = locate(corpus.index_dir).open()
    try:
        report = coverage(store, root)
        skipped = store.skipped()
        updated = store.manifest.updated
    finally:
        store.close()
    by = {f.folder: f for f in report.folders}
    assert set(by) == {".", "drafts", "reports/2023", "reports/2024", "scans"}
    indexed = {
        ".": 1,
        "drafts": 0,
        "reports/2023": 2,
        "reports/2024": 1,
        "scans": 1,
    }
    assert {k: f.indexed for k, f in by.items()} == indexed
    assert report.indexed == sum(indexed.values())
    assert by["scans"].ocr == 1 and sum(f.ocr for f in report.folders) == 1
    assert {k: f.waiting for k, f in by.items() if f.waiting} == {".": 1, "reports/2024": 1}
    assert {k: f.missing for k, f in by.items() if f.missing} == {"reports/2023": 1}
    # Skipped: what the last run stored, with its reason, in its folder.
    assert [s.source for s in by["reports/2024"].skipped] == ["reports/2024/broken.docx"]
    assert by["reports/2024"].skipped[0] == next(s for s in skipped if "broken" in s.source)
    assert by["reports/2024"].skipped[0].reason
    # Excluded: the folder as itself, the file in its folder, each with its rule and line.
    assert [(x.source, x.rule, x.line) for x in by["drafts"].excluded] == [
        ("drafts/", "drafts/", 1)
    ]
    assert [(x.source, x.rule, x.line) for x in by["reports/2024"].excluded] == [
        ("reports/2024/old-draft.txt", "*-draft.txt", 2)
    ]
    assert all(f.last_indexed == updated for f in report.folders if f.indexed or f.skipped)
    assert "5 documents indexed (1 read by OCR)" in report.summary()


def test_cli_coverage(corpus: Settings) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "askcorpus",
                "coverage",
                "--index",
                str(corpus.index_dir),
                *args,
            ],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=dict(os.environ),
            timeout=300,
            check=False,
        )

    out = run("--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["corpus"] == str(corpus.corpus_dir.resolve())
    folders = {f["folder"]: f for f in data["folders"]}
    assert folders["reports/2023"]["indexed"] == 2
    assert folders["drafts"]["excluded"] == [{"source": "drafts/", "rule": "drafts/", "line": 1}]
    readable = run().stdout
    assert "excluded reports/2024/old-draft.txt: *-draft.txt (line 2)" in readable
    assert "skipped reports/2024/broken.docx" in readable
    missing = subprocess.run(
        [sys.executable, "-m", "askcorpus", "coverage", "--index", str(corpus.index_dir / "no")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1


def test_an_unreadable_rules_file_is_said_not_hidden(corpus: Settings) -> None:
    (corpus.corpus_dir / ".askcorpusignore").write_bytes(b"\xff\xfe bad")
    store = locate(corpus.index_dir).open()
    try:
        report = coverage(store, corpus.corpus_dir)
    finally:
        store.close()
    assert not report.corpus_readable and "not UTF-8" in report.problem
    assert report.indexed == 5 and "not UTF-8" in report.summary()
