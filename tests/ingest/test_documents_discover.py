"""discover() walks with os.scandir and plain strings (for speed); it must find and skip exactly
what the straightforward os.walk + pathlib walk finds and skips, in the same order, on odd trees:
nested and hidden folders, ignored and unsupported names, file and folder symlinks, broken
links, loops, FIFOs and undecodable names."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from askcorpus.ingest.discover import FileEntry, _is_utf8, _printable, discover, is_ignored_name
from askcorpus.ingest.formats import supported_suffixes
from askcorpus.records import SkippedFile


def walk_reference(root: Path) -> tuple[list[FileEntry], list[SkippedFile]]:
    """The os.walk walk discover() used before it was rewritten for speed (the oracle)."""
    suffixes = supported_suffixes()
    entries: list[FileEntry] = []
    skipped: list[SkippedFile] = []

    def relative(path: Path) -> str:
        return path.relative_to(root).as_posix()

    def on_error(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else root
        skipped.append(SkippedFile(relative(where), f"cannot read folder: {exc.strerror}"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error, followlinks=False):
        kept = []
        for d in sorted(dirnames):
            if is_ignored_name(d):
                continue
            if os.path.islink(os.path.join(dirpath, d)):
                source = _printable(relative(Path(dirpath) / d))
                skipped.append(SkippedFile(source, "folder symlink — not followed"))
                continue
            kept.append(d)
        dirnames[:] = kept
        for name in sorted(filenames):
            if is_ignored_name(name):
                continue
            path = Path(dirpath) / name
            if path.suffix.lower() not in suffixes:
                continue
            source = relative(path)
            if not _is_utf8(source):
                skipped.append(
                    SkippedFile(_printable(source), "file name is not valid UTF-8 — rename it")
                )
                continue
            try:
                st_ = path.stat()
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    reason = "symlink loop"
                elif path.is_symlink():
                    reason = "broken symlink"
                else:
                    reason = f"cannot stat: {exc.strerror}"
                skipped.append(SkippedFile(source, reason))
                continue
            if not stat.S_ISREG(st_.st_mode):
                if not stat.S_ISDIR(st_.st_mode):
                    skipped.append(SkippedFile(source, "not a regular file"))
                continue
            entries.append(FileEntry(source, str(path), st_.st_size, st_.st_mtime))
    entries.sort(key=lambda e: e.source)
    return entries, skipped


def same_walk(root: Path) -> bool:
    """discover(root) and the reference find the same files (compared as Paths: the location
    strings may spell the same path differently, e.g. ``./a.txt`` and ``a.txt``) and skip the
    same files in the same order."""
    got, expected = discover(root), walk_reference(root)

    def rows(entries: list[FileEntry]) -> list[tuple[str, Path, int, float]]:
        return [(e.source, e.path, e.size, e.mtime) for e in entries]

    return rows(got[0]) == rows(expected[0]) and got[1] == expected[1]


def odd_tree(root: Path) -> None:
    (root / "a" / "b" / "c").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "~$lock").mkdir()
    (root / "z dir").mkdir()
    for rel in (
        "top.txt",
        "UPPER.TXT",
        "a/one.md",
        "a/b/two.html",
        "a/b/c/three.txt",
        "a/b/c/notes.xyz",
        "a/.secret.txt",
        "a/draft.txt~",
        "a/x.txt.swp",
        ".hidden/in-hidden.txt",
        "~$lock/in-lock.txt",
        "z dir/spaced name.txt",
        "a/archive.tar.gz",
        "a/noext",
    ):
        (root / rel).write_text("text\n", encoding="utf-8")
    os.symlink(root / "a" / "one.md", root / "link-to-file.txt")
    os.symlink(root / "a", root / "link-to-folder")
    os.symlink(root / "nowhere.txt", root / "broken.txt")
    os.symlink(root / "loop.txt", root / "loop.txt")
    os.mkfifo(root / "a" / "pipe.txt")
    (root / "folder.txt").mkdir()  # a folder named like a document
    bad = os.fsencode(root / "a") + b"/caf\xe9.txt"
    with open(bad, "wb") as fh:
        fh.write(b"x")
    os.mkdir(os.fsencode(root) + b"/d\xe9r")
    with open(os.fsencode(root) + b"/d\xe9r/in.txt", "wb") as fh:
        fh.write(b"x")


def test_scandir_walk_matches_the_reference_on_an_odd_tree(tmp_path: Path) -> None:
    odd_tree(tmp_path)
    got = discover(tmp_path)
    assert same_walk(tmp_path)
    sources = [e.source for e in got[0]]
    assert "a/b/c/three.txt" in sources and "z dir/spaced name.txt" in sources
    assert "link-to-file.txt" in sources and ".hidden/in-hidden.txt" not in sources
    reasons = {s.source: s.reason for s in got[1]}
    assert reasons["link-to-folder"] == "folder symlink — not followed"
    assert reasons["broken.txt"] == "broken symlink"
    assert reasons["loop.txt"] == "symlink loop"
    assert reasons["a/pipe.txt"] == "not a regular file"
    assert reasons["a/caf\ufffd.txt"].startswith("file name is not valid UTF-8")


def test_relative_and_dot_roots_give_the_same_sources(tmp_path: Path, monkeypatch) -> None:
    odd_tree(tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    absolute = discover(tmp_path / "corpus")
    relative = discover(Path("corpus"))
    assert [e.source for e in relative[0]] == [e.source for e in absolute[0]]
    assert relative[1] == absolute[1]
    assert same_walk(Path("corpus"))
    monkeypatch.chdir(tmp_path / "corpus")
    assert same_walk(Path("."))


NAMES = st.sampled_from(
    ["a.txt", "b.md", "c.html", "d.pdf", "e.bin", ".f.txt", "g.tmp", "h~", "I.TXT", "j", "k.docx"]
)
FOLDERS = st.sampled_from(["x", "y", ".z", "w w", "~$q"])
PATHS = st.lists(st.tuples(st.lists(FOLDERS, max_size=3), NAMES), max_size=25)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(paths=PATHS)
def test_scandir_walk_matches_the_reference_on_random_trees(
    tmp_path_factory, paths: list[tuple[list[str], str]]
) -> None:
    root = tmp_path_factory.mktemp("tree")
    for folders, name in paths:
        folder = root.joinpath(*folders)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        if not target.is_dir():
            target.write_text("x", encoding="utf-8")
    assert same_walk(root)
