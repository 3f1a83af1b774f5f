"""Runs inside bench/.venv-onnx (sentence-transformers[onnx] pins transformers < 5, so it cannot
share the app's environment): export the bundled model to ONNX locally, quantise it to int8,
and compare torch, ONNX and ONNX-int8 on speed (interleaved repetitions, same texts) and on
SciFact nDCG@10 (dense retrieval over a subset corpus). Imports nothing from askcorpus.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
import time
from pathlib import Path


def ndcg10(scores, doc_ids, query_ids, qrels) -> float:  # noqa: ANN001 - numpy arrays
    """Mean nDCG@10 of the score matrix (queries × docs) against binary qrels."""
    import numpy as np

    total = 0.0
    for qi, q in enumerate(query_ids):
        rel = qrels[q]
        top = np.argsort(-scores[qi])[:10]
        dcg = sum(1 / math.log2(r + 2) for r, d in enumerate(top) if doc_ids[d] in rel)
        ideal = sum(1 / math.log2(r + 2) for r in range(min(10, len(rel))))
        total += dcg / ideal
    return total / len(query_ids)


def main() -> None:
    """``python onnx_child.py job.json result.json``."""
    for key, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1")):
        os.environ.setdefault(key, value)
    job = json.loads(Path(sys.argv[1]).read_text())
    import numpy as np
    from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model

    export_dir = Path(job["export_dir"])
    t0 = time.perf_counter()
    onnx = SentenceTransformer(job["model"], device="cpu", backend="onnx")
    export_s = time.perf_counter() - t0
    onnx.save_pretrained(str(export_dir))
    config = job.get("quantize", "avx512_vnni")
    export_dynamic_quantized_onnx_model(onnx, config, str(export_dir))
    qfile = f"onnx/model_qint8_{config}.onnx"
    if not (export_dir / qfile).is_file():
        qfile = next(str(p.relative_to(export_dir)) for p in (export_dir / "onnx").glob("*int8*"))
    models = {
        "torch": SentenceTransformer(job["model"], device="cpu"),
        "onnx": SentenceTransformer(str(export_dir), device="cpu", backend="onnx"),
        "onnx-int8": SentenceTransformer(
            str(export_dir), device="cpu", backend="onnx", model_kwargs={"file_name": qfile}
        ),
    }
    texts = job["speed_texts"]
    for m in models.values():
        m.encode(texts[:8])
    wall: dict[str, list[float]] = {k: [] for k in models}
    for rep in range(job.get("reps", 3)):
        names = list(models) if rep % 2 == 0 else list(reversed(models))
        for name in names:
            t0 = time.perf_counter()
            models[name].encode(texts, batch_size=32, normalize_embeddings=True)
            wall[name].append(time.perf_counter() - t0)
        print("onnx speed rep", rep, {k: v[-1] for k, v in wall.items()}, flush=True)
    docs, queries, qrels = job["docs"], job["queries"], job["qrels"]
    doc_ids = [d[0] for d in docs]
    quality = {}
    encode_docs_s = {}
    reference = None
    for name, m in models.items():
        t0 = time.perf_counter()
        dv = m.encode([d[1] for d in docs], batch_size=32, normalize_embeddings=True)
        encode_docs_s[name] = time.perf_counter() - t0
        qv = m.encode([q[1] for q in queries], batch_size=32, normalize_embeddings=True)
        quality[name] = ndcg10(qv @ dv.T, doc_ids, [q[0] for q in queries], qrels)
        if reference is None:
            reference = dv
        quality[name + " cosine to torch"] = float(np.mean(np.sum(dv * reference, axis=1)))
        print("onnx quality", name, quality[name], encode_docs_s[name], flush=True)
    from importlib.metadata import version

    out = {
        "versions": {
            p: version(p)
            for p in ("sentence-transformers", "transformers", "onnxruntime", "optimum-onnx")
        },
        "export_s": export_s,
        "quantization": qfile,
        "speed_texts": len(texts),
        "wall_s": wall,
        "median_s": {k: statistics.median(v) for k, v in wall.items()},
        "speedup_vs_torch": {
            k: statistics.median(wall["torch"]) / statistics.median(v) for k, v in wall.items()
        },
        "ndcg_docs": len(docs),
        "ndcg_queries": len(queries),
        "ndcg10": quality,
        "encode_docs_s": encode_docs_s,
    }
    Path(sys.argv[2]).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
