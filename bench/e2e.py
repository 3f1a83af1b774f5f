"""End to end on generated text at 10k and 100k passages: indexing time, peak memory, index
size and warm query latency; the model's share measured on a sample of the same passages.

The index is built with :class:`bench.generated.StandInEmbedder` (everything but the model),
and the real model's time for the same passages is projected from a timed sample, so the run
fits in minutes on 2 shared cores. ``BENCH_CONFIG='{"e2e_real_model": true}'`` embeds with the
real model instead (about an hour per 100k passages on 2 cores); ``"e2e_real_model": 2000``
does so for runs of at most 2,000 documents, which also checks the projection: at that size
the real run and the stand-in run with its projected model time can be compared.
"""

from __future__ import annotations

import shutil
import time
from typing import Any

from bench.common import OUT, main, rss_sampler, scifact_queries, timed
from bench.generated import StandInEmbedder, write_corpus


def one(documents: int, real_model: bool, questions: list[str]) -> dict[str, Any]:
    """Index ``documents`` generated documents from scratch and query them."""
    from askcorpus.embed.embedder import Embedder
    from askcorpus.indexer.update import update_index
    from askcorpus.settings import Settings
    from askcorpus.store.local.store import LocalStore
    from bench.query import latency

    corpus = write_corpus(OUT / f"gen-{documents}" / "corpus", documents)
    folder = OUT / f"gen-{documents}" / "index"
    shutil.rmtree(folder, ignore_errors=True)
    settings = Settings(corpus_dir=corpus, index_dir=folder)
    embedder: Any = Embedder(settings) if real_model else StandInEmbedder()
    embedder.load()
    with rss_sampler() as mem:
        c0 = time.process_time()
        seconds, report = timed(lambda: update_index(settings, embedder))
        cpu = time.process_time() - c0
    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
    out: dict[str, Any] = {
        "documents": documents,
        "passages": report.passages_embedded,
        "real_model": real_model,
        "index_s": seconds,
        "index_cpu_s": cpu,
        "peak_rss_mb": mem["peak_mb"],
        "rss_before_mb": mem["start_mb"],
        "index_bytes": size,
    }
    if not real_model:
        # The model's share: the real model on a sample of these very passages.
        store = LocalStore.open(folder)
        sample_ids = list(range(1, 1 + min(128, report.passages_embedded)))
        texts = [p.text for p in store.passages(sample_ids).values()]
        store.close()
        model = Embedder(settings)
        model.load()
        model.encode_passages(texts[:8])
        sample_s, _ = timed(lambda: model.encode_passages(texts))
        per_passage = sample_s / len(texts)
        out.update(
            model_sample_passages=len(texts),
            model_s_per_passage=per_passage,
            projected_model_s=per_passage * report.passages_embedded,
            projected_total_s=seconds + per_passage * report.passages_embedded,
        )
    out["query"] = latency(folder, questions)
    return out


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    """1,300 and 12,200 generated documents (~10.7k and ~100k passages)."""
    queries, _ = scifact_queries()
    questions = list(queries.values())[: cfg.get("e2e_queries", 100)]
    real = cfg.get("e2e_real_model", False)
    runs = []
    for n in cfg.get("e2e_documents", [1_300, 12_200]):
        runs.append(one(n, False, questions))
        if real is True or (not isinstance(real, bool) and n <= int(real)):
            runs.append(one(n, True, questions))
    return {"runs": runs}


if __name__ == "__main__":
    main("e2e", run)
