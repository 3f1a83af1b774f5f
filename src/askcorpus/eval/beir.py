"""BEIR-format benchmark folders: reading them and indexing their corpus the way a user's is.

A BEIR folder holds ``corpus.jsonl`` (or ``corpus.jsonl.gz``), ``queries.jsonl`` and
``qrels/<split>.tsv``. Each corpus record becomes one :class:`~askcorpus.records.Document`
(source = the BEIR id, title = its title, text = its text) and goes through the indexer
(:func:`askcorpus.indexer.documents.index_documents`: the same chunking, embedding loop and store
as a user's corpus), so the benchmark measures the pipeline we ship, not a special setup.

Building an index of a benchmark takes minutes on a laptop, so it is cached, in a folder or on
a server (``postgresql://``): the index's ``beir-source`` label (kept in the store, published
with the build) records which corpus file and which chunking it was built from, and a matching
index is reused.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from askcorpus.embed.embedder import ENCODER_VERSION, Embedder
from askcorpus.errors import AskcorpusError
from askcorpus.indexer.documents import index_documents
from askcorpus.records import Document, Progress
from askcorpus.settings import IndexURL, Settings
from askcorpus.store.factory import locate
from askcorpus.text.chunking import CONTEXT_VERSION

log = logging.getLogger(__name__)

#: The store label holding a benchmark index's fingerprint (and the legacy file beside a
#: folder index built before labels).
LABEL = "beir-source"
SIDECAR = "beir-source.json"
ProgressFn = Callable[[str, int, int], None]


class EvalDataError(AskcorpusError):
    """An evaluation data set (BEIR folder or labelled questions) is missing or malformed."""


@dataclass(frozen=True, slots=True)
class BeirSet:
    """Queries and relevance judgments of one split of a BEIR folder."""

    folder: Path
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]

    @property
    def name(self) -> str:
        """The folder's name (e.g. ``scifact``)."""
        return self.folder.resolve().name


def corpus_file(folder: Path) -> Path:
    """``corpus.jsonl`` or ``corpus.jsonl.gz`` of a BEIR folder."""
    for name in ("corpus.jsonl", "corpus.jsonl.gz"):
        if (folder / name).is_file():
            return folder / name
    raise EvalDataError(
        f"{folder} holds no corpus.jsonl or corpus.jsonl.gz",
        folder,
        "pass a BEIR-format folder (corpus.jsonl[.gz], queries.jsonl, qrels/test.tsv)",
    )


def _open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def _jsonl(path: Path) -> Iterator[dict]:
    try:
        with _open_text(path) as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise EvalDataError(f"{path} line {n} is not JSON ({exc.msg})", path) from exc
                if not isinstance(record, dict) or "_id" not in record:
                    raise EvalDataError(f"{path} line {n} has no _id", path)
                yield record
    except OSError as exc:
        raise EvalDataError(f"cannot read {path}: {exc}", path) from exc


def iter_corpus(folder: Path) -> Iterator[Document]:
    """The BEIR corpus as documents: source = id, title = title, text = text."""
    path = corpus_file(folder)
    for record in _jsonl(path):
        text = str(record.get("text") or "")
        title = str(record.get("title") or "").strip()
        if not text.strip():
            text = title  # a title-only record is still a findable document
        if not text.strip():
            continue
        source = str(record["_id"])
        yield Document(
            source=source,
            path=Path(source),
            title=title,
            text=text,
            content_hash="",
            size=len(text),
            mtime=0.0,
        )


def load_set(folder: Path, split: str = "test") -> BeirSet:
    """Queries that have judgments in ``qrels/<split>.tsv``, and those judgments."""
    qrels_path = folder / "qrels" / f"{split}.tsv"
    if not qrels_path.is_file():
        raise EvalDataError(f"no qrels file {qrels_path}", qrels_path, "pass --split")
    qrels: dict[str, dict[str, int]] = {}
    with open(qrels_path, encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            parts = line.strip().split("\t")
            if len(parts) < 3 or (n == 0 and not parts[2].lstrip("-").isdigit()):
                continue  # header or blank line
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    queries = {str(r["_id"]): str(r.get("text") or "") for r in _jsonl(folder / "queries.jsonl")}
    missing = [q for q in qrels if q not in queries]
    if missing:
        raise EvalDataError(f"{len(missing)} judged queries are not in queries.jsonl", folder)
    return BeirSet(folder, {q: queries[q] for q in qrels}, qrels)


def _fingerprint(folder: Path, settings: Settings) -> dict:
    path = corpus_file(folder)
    st = path.stat()
    return {
        "corpus": str(path.resolve()),
        "size": st.st_size,
        "mtime": st.st_mtime,
        "model": settings.model_name,
        "chunking": settings.chunking.as_dict(),
        "context_version": CONTEXT_VERSION,
        "encoder": settings.encoder,
        "encoder_version": ENCODER_VERSION,
    }


def _recorded(index: Path) -> tuple[bool, str | None]:
    """Whether a finished index is at ``index`` (a folder or a server URL), and what it records
    of the BEIR corpus it was built from (its ``beir-source`` label; for a folder built before
    labels, the ``beir-source.json`` beside it)."""
    location = locate(index)
    if not location.exists():
        return False, None
    try:
        store = location.open()
    except AskcorpusError:
        return True, None  # damaged or of another schema version: never a usable cache
    try:
        text = store.label(LABEL) if store.complete else None
    finally:
        store.close()
    sidecar = index / SIDECAR
    if text is None and not isinstance(index, IndexURL) and sidecar.is_file():
        try:
            text = sidecar.read_text(encoding="utf-8")
        except OSError:
            text = None
    return True, text


def cached_index_ok(folder: Path, index: Path, settings: Settings) -> bool:
    """True when ``index`` (a folder or a ``postgresql://`` URL) holds a finished index of this
    corpus with these settings."""
    _exists, text = _recorded(index)
    if text is None:
        return False
    try:
        return bool(json.loads(text) == _fingerprint(folder, settings))
    except ValueError:
        return False


def build_index(
    folder: Path,
    index: Path,
    settings: Settings,
    embedder: Embedder,
    progress: ProgressFn | None = None,
    rebuild: bool = False,
) -> bool:
    """Index the corpus of BEIR ``folder`` into ``index`` (a folder or a server URL) unless a
    matching one is cached; the fingerprint is kept in the store itself (its ``beir-source``
    label, published with the build), so a server index is reused as a folder is.

    An index there that no benchmark build made (another corpus's) is replaced only with
    ``rebuild``. Returns True when it built the index, False when it reused the cache.
    """
    if not rebuild and cached_index_ok(folder, index, settings):
        log.info("reusing cached index %s", index)
        return False
    exists, text = _recorded(index)
    if exists and text is None and not rebuild and not _built_from(index, folder):
        raise EvalDataError(
            f"{index} holds an index of another corpus",
            index,
            "pass another --cache/--index, or --rebuild to replace it",
        )
    if not isinstance(index, IndexURL) and index.exists():
        # Only ever a folder we created for this benchmark: it must look like one.
        if any(index.iterdir()) and not exists:
            raise EvalDataError(
                f"{index} exists and is not an index", index, "pass another --cache"
            )
        # Only askcorpus's own files (the store's, and an old sidecar): a user's file in the
        # cache folder is never deleted.
        (index / SIDECAR).unlink(missing_ok=True)
    docs = list(iter_corpus(folder))
    if not docs:
        raise EvalDataError(f"the corpus of {folder} is empty", folder)

    def report(p: Progress) -> None:
        if progress is not None and p.phase == "embedding":
            progress(p.phase, p.done, p.total)

    # The manifest names the BEIR folder as the corpus (an interrupted build is recognised).
    paths = settings.with_paths(corpus_dir=folder, index_dir=index)
    index_documents(paths, docs, embedder, report, replace=True)
    store = locate(index).open()
    try:
        with store.writer() as writer:
            writer.set_label(LABEL, json.dumps(_fingerprint(folder, settings), sort_keys=True))
            writer.commit()
    finally:
        store.close()
    return True


def _built_from(index: Path, folder: Path) -> bool:
    """True when the index at ``index`` names BEIR ``folder`` as its corpus (a benchmark build
    that did not finish)."""
    try:
        store = locate(index).open()
    except AskcorpusError:
        return True  # damaged: the build's own leftovers are replaced
    try:
        return store.manifest.corpus == str(folder.resolve())
    finally:
        store.close()
