"""The corpus is read-only to us: no command writes, moves, deletes or touches anything in it.

The whole tree is fingerprinted (names, types, sizes, modes, modification times in ns, contents,
symlink targets, and the folders' own mtimes, which change when an entry is added or removed)
before and after every command.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from askcorpus.cli import main
from askcorpus.embed.embedder import Embedder

from ..conftest import SHIPPED_CORPUS, write


def fingerprint(root: Path) -> dict[str, tuple[object, ...]]:
    out: dict[str, tuple[object, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in ["", *dirnames, *filenames]:
            path = Path(dirpath) / name
            st = path.lstat()
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                out[rel] = ("link", os.readlink(path), st.st_mtime_ns)
            elif path.is_dir():
                out[rel] = ("dir", st.st_mode, st.st_mtime_ns)
            else:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                out[rel] = ("file", st.st_size, st.st_mode, st.st_mtime_ns, digest)
    return out


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the shipped corpus plus the odd things real folders hold."""
    root = tmp_path / "corpus"
    shutil.copytree(SHIPPED_CORPUS, root)
    write(root / "sub" / "deeper" / "notes.md", "# Notes\n\nThe gas deal was signed in Shanghai.")
    write(root / ".hidden.txt", "hidden file")
    write(root / "~$lock.docx", "office lock file")
    (root / "binary.txt").write_bytes(bytes(range(256)) * 8)
    write(root / "empty.txt", "")
    (root / "link.txt").symlink_to(root / "sub" / "deeper" / "notes.md")
    (root / "broken.txt").symlink_to(root / "missing.txt")
    (root / "readonly.txt").write_text("A read-only file about the Arctic convoys.")
    (root / "readonly.txt").chmod(0o444)
    return root


def test_no_command_touches_the_corpus(
    corpus: Path, tmp_path: Path, embedder: Embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    index = str(tmp_path / "index")
    commands = [
        ["index", "--corpus", str(corpus), "--index", index],
        ["index", "--corpus", str(corpus), "--index", index],  # nothing changed
        ["ask", "--index", index, "When was the gas deal signed?"],
        ["ask", "--index", index, "--json", "--top-k", "3", "Arctic convoys"],
        ["status", "--index", index],
        ["status", "--index", index, "--json"],
        ["index", "--corpus", str(corpus), "--index", index, "--rebuild"],
    ]
    for argv in commands:
        before = fingerprint(corpus)
        assert main(argv) == 0, capsys.readouterr().err
        assert fingerprint(corpus) == before, argv

    # An incremental update after changes we make ourselves: added, changed, removed files.
    capsys.readouterr()
    write(corpus / "sub" / "new.txt", "A new note on icebreakers in the Northern Sea Route.")
    (corpus / "sub" / "deeper" / "notes.md").write_text("# Notes\n\nRevised: signed in May.")
    (corpus / "strategic-alliance-or-axis-of-convenience.txt").unlink()
    before = fingerprint(corpus)
    assert main(commands[0]) == 0
    assert "1 added, 2 changed, 1 removed" in capsys.readouterr().out  # notes.md and its link
    assert fingerprint(corpus) == before
