""".askcorpusignore: gitignore rules at the corpus root, checked against git itself (the same
rules as a .gitignore, `git ls-files` and `git check-ignore -v` as the oracle), and reported
apart from skipped files with the rule that excluded each."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from askcorpus.embed.embedder import Embedder
from askcorpus.errors import CorpusError
from askcorpus.indexer.update import update_index
from askcorpus.ingest.discover import discover
from askcorpus.ingest.ignore import IgnoreRules
from askcorpus.records import ExcludedFile
from askcorpus.search.index import Index
from askcorpus.settings import Settings

from ..conftest import write

FILES = [
    "notes.txt",
    "keep.log.txt",
    "drafts/one.md",
    "drafts/deep/two.txt",
    "reports/2023/q1.txt",
    "reports/2023/q1-draft.txt",
    "reports/2024/q1.txt",
    "reports/summary.md",
    "private/secret.txt",
    "private/public.txt",
    "build/out.txt",
    "src/build/nested.txt",
    "a b/with space.txt",
    "#hash.txt",
    "x/y/z/deep.md",
]
RULES = """\
# comments and blank lines are no rules

drafts/
*-draft.txt
/build/
reports/2024
private/*
!private/public.txt
\\#hash.txt
**/z/
a?b/
"""

git = shutil.which("git")


def make_corpus(root: Path) -> None:
    for name in FILES:
        write(root / name, f"The text of {name}.")
    write(root / ".askcorpusignore", RULES)


def git_view(root: Path) -> tuple[set[str], dict[str, int]]:
    """What git keeps with RULES as .gitignore, and the rule line that ignores each file."""
    repo = root.parent / "gitrepo"
    shutil.copytree(root, repo)
    (repo / ".askcorpusignore").rename(repo / ".gitignore")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    listed = subprocess.run(
        ["git", "-C", str(repo), "ls-files", "-o", "--exclude-standard", "-z"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    kept = {p for p in listed.split("\0") if p and p != ".gitignore"}
    ignored = [f for f in FILES if f not in kept]
    checked = subprocess.run(
        ["git", "-C", str(repo), "check-ignore", "-v", "--no-index", *ignored],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    lines = {}
    for row in checked.splitlines():
        where, path = row.split("\t")
        lines[path] = int(where.split(":")[1])
    return kept, lines


@pytest.mark.skipif(git is None, reason="git is the oracle")
def test_discovery_keeps_what_git_keeps_and_names_the_rule(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    make_corpus(root)
    excluded: list[ExcludedFile] = []
    entries, skipped = discover(root, excluded)
    assert skipped == []
    kept, rule_lines = git_view(root)
    assert {e.source for e in entries} == kept
    # Every file git ignores is excluded here, itself or through an excluded folder, by the
    # rule of the same line.
    by_source = {x.source: x for x in excluded}
    for path, line in rule_lines.items():
        parents = [path[: i + 1] for i, c in enumerate(path) if c == "/"]
        match = [by_source[p] for p in [path, *reversed(parents)] if p in by_source]
        assert match, path
        assert match[0].line == line, (path, match[0])
        assert match[0].rule == RULES.splitlines()[line - 1]
    assert set(rule_lines) == set(FILES) - kept
    # Excluded folders are not walked: they are reported once, not file by file.
    assert "drafts/" in by_source and "drafts/one.md" not in by_source


def test_no_rules_file_excludes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    for name in FILES:
        write(root / name, "x")
    excluded: list[ExcludedFile] = []
    entries, _ = discover(root, excluded)
    assert len(entries) == len(FILES) and excluded == []
    assert not IgnoreRules.load(root)


def test_an_unreadable_rules_file_is_one_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    write(root / "a.txt", "x")
    (root / ".askcorpusignore").write_bytes(b"\xff\xfe*.txt\x00\xff")
    with pytest.raises(CorpusError, match="not UTF-8") as err:
        discover(root)
    assert err.value.path == root / ".askcorpusignore" and err.value.hint


def test_index_reports_excluded_apart_and_drops_newly_excluded(
    tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "gas.txt", "Gazprom signed a thirty-year gas supply contract with CNPC.")
    write(corpus / "drafts" / "pandas.txt", "The zoo in Moscow received two giant pandas.")
    write(corpus / "arctic.txt", "Icebreakers escorted tankers along the Northern Sea Route.")
    write(corpus / ".askcorpusignore", "drafts/\n")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    report = update_index(settings, embedder)
    assert report.added == 2 and report.skipped == ()
    assert report.excluded == (ExcludedFile("drafts/", "drafts/", 1),)
    assert "1 excluded by .askcorpusignore" in report.summary()
    # A new rule takes an indexed file out of the index on the next run.
    write(corpus / ".askcorpusignore", "drafts/\n# the Arctic is out of scope\narctic.txt\n")
    report = update_index(settings, embedder)
    assert report.removed == 1
    assert set(report.excluded) == {
        ExcludedFile("drafts/", "drafts/", 1),
        ExcludedFile("arctic.txt", "arctic.txt", 3),
    }
    index = Index.open(settings.index_dir, settings, embedder)
    try:
        assert set(index.store.document_states()) == {"gas.txt"}
    finally:
        index.close()
