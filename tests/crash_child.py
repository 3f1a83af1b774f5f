"""Helper for tests/test_crash_safety.py: a warm "zygote" for `askcorpus index` processes.

Imported as a forkserver preload, it loads torch, sentence-transformers and the bundled model
once; each process forked from it then runs the real CLI (``askcorpus.cli.main(["index", ...])``,
what ``python -m askcorpus index`` runs) and can be SIGKILLed at any moment. Without it every
process would spend 10-20 s importing sentence-transformers on a busy 2-core machine, which would
leave room for only a few kills in the test's time budget.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import torch  # noqa: E402

# One thread: no OpenMP pool exists to be inherited across fork, and on a shared 2-core
# machine one thread embeds faster than two.
torch.set_num_threads(1)

from askcorpus.cli import main  # noqa: E402
from askcorpus.embed.embedder import Embedder  # noqa: E402
from askcorpus.settings import Settings  # noqa: E402

Embedder(Settings()).load()


def run_cli(argv: list[str], env: dict[str, str], log: str) -> None:
    """Process target: run the CLI with ``argv`` and exit with its code (output to ``log``)."""
    os.environ.update(env)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    torch.set_num_threads(1)
    code = main(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def die() -> None:
    os.kill(os.getpid(), 9)


def update_and_die(folder: str, point: str) -> None:
    """Process target: update a synthetic store (remove a, change b, add d) and SIGKILL this
    process at ``point`` of publishing it."""
    from pathlib import Path

    import faiss

    from askcorpus.store.local import writer as store_writer
    from askcorpus.store.local.store import LocalStore
    from tests.synthetic import synthetic

    real_write, real_save = faiss.write_index, store_writer.VectorIndex.save

    def write_then_die(index: object, path: str) -> None:
        real_write(index, path)
        die()

    def save_then_die(self: object, path: Path) -> None:
        real_save(self, path)
        die()

    if point == "before-save":
        store_writer.VectorIndex.save = lambda self, path: die()
    elif point == "tmp-written":
        faiss.write_index = write_then_die
    elif point == "saved":
        store_writer.VectorIndex.save = save_then_die
    elif point == "committed":
        store_writer.LocalWriter._cleanup = lambda self, keep: die()
    store = LocalStore.open(Path(folder))
    writer = store.writer()
    writer.remove_document("a")
    writer.add_document(*synthetic("b", 5, 2))
    if point == "after-checkpoint":
        writer.checkpoint()
    writer.add_document(*synthetic("d", 4, 3))
    if point == "after-checkpoint":
        die()
    writer.commit()
    os._exit(3)  # not reached
