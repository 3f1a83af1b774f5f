"""Indexing is the model's speed: ``update_index`` wall time against a bare encode of exactly
the same passage texts, side by side in one process: by the same encoder (the default ONNX int8
one: what our pipeline adds) and by ``SentenceTransformer.encode`` on torch (the issue's
yardstick, and what indexing cost before the ONNX encoder).

The texts are captured from the model calls the indexing run makes, so every side embeds the
same strings with already loaded models. Repetitions alternate the order
(index, bare, st, st, bare, index, ...) and report medians; peak RSS is sampled during indexing.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from bench.common import OUT, SHIPPED, main, median, rss_sampler, timed, write_scifact_corpus


def _log_progress(p: Any) -> None:
    if p.phase == "embedding" and p.done % 1024 < 32:
        print(f"  embedding {p.done}/{p.total} at {p.elapsed:.0f}s", file=sys.stderr, flush=True)


def measure(
    corpus: Path,
    index_dir: Path,
    reps: int,
    keep: Path | None = None,
    encoder: str = "auto",
    reference: bool = True,
) -> dict[str, Any]:
    """Index ``corpus`` and bare-encode its passages ``reps`` times each, interleaved. The bare
    side is the same encoder the index uses (one call over all texts, longest first, as
    sentence-transformers orders them) and, when ``reference``, sentence-transformers' own
    ``SentenceTransformer.encode`` on torch: the issue's yardstick."""
    from askcorpus.embed.embedder import Embedder
    from askcorpus.settings import Settings

    settings = Settings(corpus_dir=corpus, index_dir=index_dir, encoder=encoder)
    embedder = Embedder(settings)
    load_s, _ = timed(embedder.load)
    model = embedder._get()  # the encoder object the indexer's model calls end in
    bare_encode = model.encode
    bare_encode(["A first call allocates the runtime's buffers."] * 8, 8)  # not timed
    st_model = None
    if reference:
        st_model = Embedder(Settings(encoder="torch"))._get()._model  # SentenceTransformer
    captured: list[str] = []
    inside = {"seconds": 0.0}

    def spy(texts: list[str], *args: Any, **kwargs: Any) -> Any:
        captured.extend(texts)
        seconds, out = timed(lambda: bare_encode(texts, *args, **kwargs))
        inside["seconds"] += seconds
        return out

    index_s: list[float] = []
    encode_inside_s: list[float] = []
    bare_s: list[float] = []
    st_s: list[float] = []
    peaks: list[float] = []
    texts: list[str] = []
    report = None
    for rep in range(reps):
        order = ("index", "bare", "st") if rep % 2 == 0 else ("st", "bare", "index")
        for side in order:
            if side == "index":
                shutil.rmtree(index_dir, ignore_errors=True)
                captured.clear()
                inside["seconds"] = 0.0
                model.encode = spy
                try:
                    with rss_sampler() as mem:
                        seconds, report = timed(lambda: _index(settings, embedder))
                finally:
                    del model.encode  # back to the class method
                index_s.append(seconds)
                encode_inside_s.append(inside["seconds"])
                peaks.append(mem["peak_mb"])
                texts = list(captured)
            elif side == "bare":
                ordered = sorted(_texts(texts), key=len, reverse=True)
                seconds, _ = timed(lambda o=ordered: bare_encode(o, settings.batch_size))
                bare_s.append(seconds)
            elif st_model is not None:
                same = _texts(texts)
                seconds, _ = timed(
                    lambda t=same: st_model.encode(
                        t,
                        batch_size=settings.batch_size,
                        normalize_embeddings=True,
                        convert_to_numpy=True,
                        show_progress_bar=False,
                    )
                )
                st_s.append(seconds)
    if keep is not None:
        shutil.rmtree(keep, ignore_errors=True)
        shutil.copytree(index_dir, keep)
    size = sum(p.stat().st_size for p in index_dir.iterdir() if p.is_file())
    return {
        "encoder": model.backend,
        "documents": report.added if report else 0,
        "passages": len(texts),
        "reps": reps,
        "model_load_s": load_s,
        "index_s": index_s,
        "encode_inside_index_s": encode_inside_s,
        "bare_encode_s": bare_s,
        "st_encode_s": st_s,
        "index_median_s": median(index_s),
        "bare_median_s": median(bare_s),
        "st_median_s": median(st_s),
        "ratio": median(index_s) / median(bare_s),
        "ratio_vs_st": median(index_s) / median(st_s) if st_s else None,
        "overhead_median_s": median([a - b for a, b in zip(index_s, encode_inside_s, strict=True)]),
        "peak_rss_mb_indexing": max(peaks),
        "index_bytes": size,
    }


def _texts(texts: list[str]) -> list[str]:
    if not texts:  # the first repetition starts with indexing, so texts are known
        raise RuntimeError("no texts captured")
    return texts


def _index(settings: Any, embedder: Any) -> Any:
    from askcorpus.indexer.update import update_index

    return update_index(settings, embedder, progress=_log_progress)


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    """Both corpora: SciFact (all abstracts unless limited) and the shipped corpus."""
    work = OUT / "work"
    result: dict[str, Any] = {}
    limit = cfg.get("scifact_docs")
    scifact = write_scifact_corpus(OUT / "scifact" / "corpus", limit)
    result["scifact"] = measure(
        scifact, work / "scifact-index", cfg.get("scifact_reps", 1), keep=OUT / "scifact" / "index"
    )
    result["shipped"] = measure(SHIPPED, work / "shipped-index", cfg.get("shipped_reps", 5))
    return result


if __name__ == "__main__":
    main("indexing", run)
