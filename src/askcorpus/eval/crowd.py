"""Ranking in a crowd: labelled questions asked of their corpus alone and hidden in a benchmark's.

``askcorpus eval --questions FILE --index INDEX --crowd BEIR_DIR`` indexes the benchmark's corpus
(or reuses its cached index, as ``--beir`` does), copies that index and adds the documents of
``INDEX`` to the copy, cut into passages and embedded exactly as ``askcorpus index`` does (the
documents are read back from ``INDEX``, so their text is the indexed text). The questions are
then scored on ``INDEX`` alone and on the copy, and hit@1's drop is reported: an analyst's
folder is big and mixed, and the right passage must still come first there.

The copy is kept beside the benchmark's cache (``<cache>-crowd``) and rebuilt only when the
benchmark's index or the documents of ``INDEX`` change (its ``crowd-source`` label records both).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from askcorpus.embed.embedder import Embedder
from askcorpus.eval.beir import LABEL, EvalDataError
from askcorpus.settings import IndexURL, Settings
from askcorpus.store.factory import locate
from askcorpus.text.chunking import chunk_document

log = logging.getLogger(__name__)

#: The store label of a crowd index: what it was made of (see :func:`hide_among`).
CROWD_LABEL = "crowd-source"
_COPY_IGNORE = shutil.ignore_patterns("writer.lock", "beir-source.json")


@dataclass(frozen=True, slots=True)
class CrowdDrop:
    """hit@1 of the same questions on their corpus alone and hidden among a benchmark's."""

    questions: str
    mode: str
    crowd: str
    crowd_documents: int
    alone: float
    among: float

    @property
    def drop(self) -> float:
        """How much hit@1 falls in the crowd (negative: it rises)."""
        return self.alone - self.among

    def describe(self) -> str:
        """One line for the table's reader."""
        return (
            f"{self.questions} [{self.mode}]: hit@1 {self.alone:.3f} alone, {self.among:.3f} "
            f"among {self.crowd}'s {self.crowd_documents:,} documents: drop {self.drop:+.3f}"
        )

    def as_json(self) -> dict[str, object]:
        """The fields and the drop, rounded as the other scores are."""
        return {
            "questions": self.questions,
            "mode": self.mode,
            "crowd": self.crowd,
            "crowd_documents": self.crowd_documents,
            "alone_hit@1": round(self.alone, 5),
            "crowd_hit@1": round(self.among, 5),
            "drop": round(self.drop, 5),
        }


def crowd_folder(cache: Path) -> Path:
    """Where the crowd copy of the benchmark index ``cache`` is kept."""
    return cache.with_name(cache.name + "-crowd")


def _fingerprint(benchmark: Path, index: Path | IndexURL) -> tuple[str, list[str], int]:
    """(what the crowd copy records, the sources of ``index``'s documents, the benchmark's
    document count): the benchmark index's own fingerprint and every document state of
    ``index``, so a change to either rebuilds the copy."""
    store = locate(benchmark).open()
    try:
        made_of = store.label(LABEL)
        crowd_documents = len(store.document_states())
    finally:
        store.close()
    source = locate(index).open()
    try:
        states = source.document_states()
    finally:
        source.close()
    digest = hashlib.sha256()
    for name in sorted(states):
        s = states[name]
        digest.update(f"{name}\0{s.content_hash}\0{s.passages}\n".encode())
    text = json.dumps({"benchmark": made_of, "documents": digest.hexdigest()}, sort_keys=True)
    return text, sorted(states), crowd_documents


def hide_among(
    benchmark: Path, index: Path | IndexURL, out: Path, settings: Settings, embedder: Embedder
) -> int:
    """Make ``out`` a copy of the benchmark index ``benchmark`` holding the documents of
    ``index`` too (unless it is already that); returns the benchmark's document count.

    Only folder indexes can be copied: a benchmark cached on a server is refused with a hint.
    """
    if isinstance(benchmark, IndexURL) or isinstance(out, IndexURL):
        raise EvalDataError(
            f"--crowd needs the benchmark's index in a folder, not {benchmark}",
            Path(str(benchmark)),
            "pass --cache DIR",
        )
    text, sources, crowd_documents = _fingerprint(benchmark, index)
    location = locate(out)
    if location.exists():
        store = location.open()
        try:
            made_of = store.label(CROWD_LABEL) if store.complete else None
        finally:
            store.close()
        if made_of == text:
            log.info("reusing the crowd index %s", out)
            return crowd_documents
        if made_of is None:
            # Not a crowd copy this command made: never delete a folder it did not create.
            raise EvalDataError(
                f"{out} exists and is not a crowd index",
                out,
                "move it away or pass another --cache",
            )
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(benchmark, out, ignore=_COPY_IGNORE)
    source = locate(index).open()
    try:
        docs = [source.document(s) for s in sources]
    finally:
        source.close()
    with location.lock() as lock:
        store = location.open()
        # The documents join vectors of the benchmark's encoder: they are encoded by it too.
        embedder = embedder.match_index(store.manifest.backend, strict=True, where=out)
        try:
            with store.writer(lock) as writer:
                for doc in docs:
                    if doc is None:  # removed from the index meanwhile
                        continue
                    passages = chunk_document(doc, settings.chunking)
                    vectors = embedder.encode_passages([p.search_text for p in passages])
                    writer.add_document(doc, passages, vectors)
                # The copy is no longer the benchmark's corpus: it must not pass for its cache.
                writer.set_label(LABEL, None)
                writer.set_label(CROWD_LABEL, text)
                writer.commit()
        finally:
            store.close()
    return crowd_documents
