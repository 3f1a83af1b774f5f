"""Where a warm question's encoding goes (issue #18): ``Embedder.encode_query`` of one short text,
split into its steps (tokenizer, ONNX Runtime session run, mean pooling + normalisation), and
the session run with 1 against 2 intra-op threads on the same inputs, interleaved per question.

Per step: median thread CPU and wall milliseconds over the SciFact test claims (``query_n``,
default 300, after 10 untimed); the 2-thread session's CPU is the process's (both threads).
Also whether the 2-thread session's vectors are bit-identical to the 1-thread ones, and what a
question asked again costs (the embedder's cache of recent questions).
Config: ``query_n`` (300). Uses ``ASKCORPUS_CACHE_DIR`` (the ONNX export) like the app.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import main, median, scifact_queries


def run(cfg: dict[str, Any]) -> dict[str, Any]:
    """The steps of one question's encoding, measured side by side."""
    import onnxruntime as ort

    from askcorpus.embed.embedder import Embedder, bundled_model_path
    from askcorpus.embed.onnx_export import exported_model
    from askcorpus.settings import Settings

    settings = Settings.from_env()
    embedder = Embedder(settings)
    embedder.load()
    encoder: Any = embedder._get()  # the ONNX encoder's own tokenizer and session
    texts, _qrels = scifact_queries()
    questions = list(texts.values())[: cfg.get("query_n", 300) + 10]
    model = exported_model(settings.model_path or bundled_model_path(), _cache(settings))
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.inter_op_num_threads = 1
    options.intra_op_num_threads = 2
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    two = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])

    def pooled(states: np.ndarray) -> np.ndarray:
        mean = states[0].mean(axis=0)
        return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)

    steps: dict[str, list[tuple[float, float]]] = {}
    identical = tokens = 0
    for n, question in enumerate(questions):
        ids = np.array([encoder._tokenizer.encode(question).ids], dtype=np.int64)
        feeds = {"input_ids": ids}
        got = {
            "encode_query (whole, uncached)": _timed(
                lambda q=question: encoder.encode([q], 1), time.thread_time
            ),
            "tokenizer": _timed(lambda q=question: encoder._tokenizer.encode(q), time.thread_time),
            "session run, 1 thread": _timed(
                lambda f=feeds: encoder._session.run(None, f), time.thread_time
            ),
            "session run, 2 intra-op threads": _timed(
                lambda f=feeds: two.run(None, f), time.process_time
            ),
        }
        states = encoder._session.run(None, feeds)[0]
        got["pooling + normalise"] = _timed(lambda s=states: pooled(s), time.thread_time)
        embedder.encode_query(question)
        got["encode_query (asked again: cache)"] = _timed(
            lambda q=question: embedder.encode_query(q), time.thread_time
        )
        if n < 10:
            continue
        for name, (_value, cpu_ms, wall_ms) in got.items():
            steps.setdefault(name, []).append((cpu_ms, wall_ms))
        one_vec = pooled(states)
        identical += int(np.array_equal(pooled(two.run(None, feeds)[0]), one_vec))
        tokens += ids.shape[1]
    measured = len(questions) - 10
    return {
        "questions": measured,
        "tokens_mean": tokens / measured,
        "steps_ms": {
            name: {
                "cpu_median": median([c for c, _w in rows]),
                "wall_median": median([w for _c, w in rows]),
            }
            for name, rows in steps.items()
        },
        "two_threads_bit_identical": f"{identical}/{measured}",
        "load_average": os.getloadavg(),
    }


def _cache(settings: Any) -> Path:
    from askcorpus.embed.embedder import default_cache_dir

    return Path(settings.cache_dir or default_cache_dir())


def _timed(call: Callable[[], Any], clock: Callable[[], float]) -> tuple[Any, float, float]:
    """``call()``'s value, CPU ms (by ``clock``) and wall ms."""
    cpu, wall = clock(), time.perf_counter()
    value = call()
    return value, (clock() - cpu) * 1e3, (time.perf_counter() - wall) * 1e3


if __name__ == "__main__":
    main("encoder_query", run)
