"""Incremental cost: add one document to an index of 10k+ (and 100k) passages and compare the
update's wall time with the time the model spent embedding that document.

The base indexes are the generated ones of the e2e benchmark (built there, or here with the
stand-in embedder); the new document is a SciFact abstract embedded by the real model. The
vector files' write and read are timed separately: opening the index reads the full FAISS file
(and the deltas since), and a commit writes a small delta file (indexes of 20k+ vectors) or
rewrites the full file (smaller ones); ``publish`` says which.
"""

from __future__ import annotations

import shutil
import sys
from typing import Any

from bench.common import OUT, main, median, scifact_docs, timed
from bench.generated import StandInEmbedder, write_corpus


def one(documents: int, reps: int) -> dict[str, Any]:
    """``reps`` single-document additions to a copy of the generated index."""
    from askcorpus.embed.embedder import Embedder
    from askcorpus.indexer.update import update_index
    from askcorpus.settings import Settings
    from askcorpus.store.local import writer as store_writer
    from askcorpus.store.local.vectors import VectorIndex

    base = OUT / f"gen-{documents}"
    corpus = write_corpus(base / "corpus", documents)
    if not (base / "index").is_dir():
        update_index(Settings(corpus_dir=corpus, index_dir=base / "index"), StandInEmbedder())
    work = OUT / "work" / f"incremental-{documents}"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(corpus, work / "corpus")
    shutil.copytree(base / "index", work / "index")
    settings = Settings(corpus_dir=work / "corpus", index_dir=work / "index")
    embedder = Embedder(settings)
    bare_encode = Embedder.encode_passages
    spent = {"encode": 0.0, "save": 0.0, "load": 0.0}
    published: list[str] = []

    def spy(self: Embedder, *args: Any, **kwargs: Any) -> Any:
        # Whichever embedder the indexer uses for this index (its manifest names the backend).
        seconds, out = timed(lambda: bare_encode(self, *args, **kwargs))
        spent["encode"] += seconds
        return out

    original_save, original_load = VectorIndex.save, VectorIndex.load.__func__
    original_delta = getattr(store_writer, "write_delta", None)  # None before delta files

    def save(self: VectorIndex, path: Any) -> None:
        seconds, _ = timed(lambda: original_save(self, path))
        spent["save"] += seconds
        published.append("full")

    def write_delta(*args: Any) -> None:
        seconds, _ = timed(lambda: original_delta(*args))  # type: ignore[misc]
        spent["save"] += seconds
        published.append("delta")

    def load(cls: type, *args: Any, **kwargs: Any) -> Any:
        seconds, out = timed(lambda: original_load(cls, *args, **kwargs))
        spent["load"] += seconds
        return out

    rows = []
    warm_up, *new_docs = scifact_docs(reps + 2)[1:]
    # One untimed addition first: it loads the model the index asks for and imports the rest.
    (work / "corpus" / "warm-up.txt").write_text(f"{warm_up['title']}\n\n{warm_up['text']}\n")
    update_index(settings, embedder)
    Embedder.encode_passages = spy  # type: ignore[method-assign]
    VectorIndex.save = save  # type: ignore[method-assign]
    VectorIndex.load = classmethod(load)  # type: ignore[method-assign,assignment]
    if original_delta is not None:
        store_writer.write_delta = write_delta
    try:
        for n, doc in enumerate(new_docs):
            (work / "corpus" / f"new-{n}.txt").write_text(f"{doc['title']}\n\n{doc['text']}\n")
            spent.update(encode=0.0, save=0.0, load=0.0)
            published.clear()
            seconds, report = timed(lambda: update_index(settings, embedder))
            rows.append(
                {
                    "total_s": seconds,
                    "embed_s": spent["encode"],
                    "overhead_s": seconds - spent["encode"],
                    "vector_file_write_s": spent["save"],
                    "vector_file_read_s": spent["load"],
                    "passages_embedded": report.passages_embedded,
                    "publish": "+".join(published),
                }
            )
            print(f"incremental {documents}: {rows[-1]}", file=sys.stderr, flush=True)
    finally:
        Embedder.encode_passages = bare_encode  # type: ignore[method-assign]
        VectorIndex.save = original_save  # type: ignore[method-assign]
        VectorIndex.load = classmethod(original_load)  # type: ignore[method-assign,assignment]
        if original_delta is not None:
            store_writer.write_delta = original_delta
    from askcorpus.store.local.store import LocalStore

    store = LocalStore.open(settings.index_dir)
    passages = store.stats().passages
    store.close()
    return {
        "documents": documents,
        "index_passages": passages,
        "reps": rows,
        "median_total_s": median([r["total_s"] for r in rows]),
        "median_embed_s": median([r["embed_s"] for r in rows]),
        "median_overhead_s": median([r["overhead_s"] for r in rows]),
        "median_vector_io_s": median(
            [r["vector_file_write_s"] + r["vector_file_read_s"] for r in rows]
        ),
    }


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    """At ~10.7k and ~100k passages."""
    reps = cfg.get("incremental_reps", 3)
    return {"runs": [one(n, reps) for n in cfg.get("e2e_documents", [1_300, 12_200])]}


if __name__ == "__main__":
    main("incremental", run)
