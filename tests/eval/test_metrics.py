"""The evaluation metrics against trec_eval itself (pytrec_eval) on random runs and qrels."""

from __future__ import annotations

import math
import random
import subprocess
import sys

import pytest

from askcorpus.eval.metrics import doc_ranking, hit_at, mean, ndcg_at, recall_at, rr_at

pytrec_eval = pytest.importorskip("pytrec_eval")


def _random_query(rng: random.Random) -> tuple[dict[str, int], list[str]]:
    """Graded qrels (some all-zero, some docs unretrieved) and a ranking of distinct docs."""
    pool = [f"d{i}" for i in range(rng.randint(1, 150))]
    judged = rng.sample(pool, rng.randint(1, min(len(pool), 30)))
    rels = {d: rng.choice([0, 0, 1, 1, 2, 3]) for d in judged}
    ranking = rng.sample(pool, rng.randint(0, len(pool)))
    return rels, ranking


def test_metrics_agree_with_trec_eval_on_random_runs() -> None:
    rng = random.Random(20240601)
    qrels: dict[str, dict[str, int]] = {}
    runs: dict[str, list[str]] = {}
    for n in range(400):
        qrels[f"q{n}"], runs[f"q{n}"] = _random_query(rng)
    measures = {"ndcg_cut.10", "recall.100", "success.1,5,10"}
    # Distinct descending scores: trec_eval ranks by score, so it sees our order exactly.
    run = {q: {d: float(len(r) - i) for i, d in enumerate(r)} for q, r in runs.items()}
    # MRR@10: trec_eval's recip_rank of the run cut to its first 10.
    cut = {q: {d: s for d, s in docs.items() if s > len(runs[q]) - 10} for q, docs in run.items()}
    oracle = pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(run)
    oracle_rr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(cut)
    for q, ranking in runs.items():
        rels, want = qrels[q], oracle.get(q, {})
        assert ndcg_at(ranking, rels, 10) == pytest.approx(want.get("ndcg_cut_10", 0.0)), q
        assert recall_at(ranking, rels, 100) == pytest.approx(want.get("recall_100", 0.0)), q
        for k in (1, 5, 10):
            assert hit_at(ranking, rels, k) == want.get(f"success_{k}", 0.0), (q, k)
        assert rr_at(ranking, rels, 10) == pytest.approx(
            oracle_rr.get(q, {}).get("recip_rank", 0.0)
        )


def test_metrics_match_hand_computed_values() -> None:
    rels = {"d1": 1, "d2": 1}
    ranking = ["d3", "d1", "x", "d2"]
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3)
    assert ndcg_at(ranking, rels, 10) == pytest.approx(dcg / idcg)
    assert ndcg_at(ranking, rels, 1) == 0.0
    assert rr_at(ranking, rels, 10) == 0.5 and rr_at(ranking, rels, 1) == 0.0
    assert recall_at(ranking, rels, 2) == 0.5 and recall_at(ranking, rels, 100) == 1.0
    assert hit_at(ranking, rels, 1) == 0.0 and hit_at(ranking, rels, 2) == 1.0
    # Graded judgments use linear gains (trec_eval); unjudged or zero-graded docs gain nothing.
    graded = {"a": 2, "b": 1, "z": 0}
    assert ndcg_at(["b", "a", "z"], graded, 10) == pytest.approx(
        (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    )
    assert ndcg_at(["a"], {"q": 0}, 10) == 0.0


def test_doc_ranking_and_mean() -> None:
    assert doc_ranking(["b", "a", "b", "q", "c", "a"], exclude="q") == ["b", "a", "c"]
    assert mean({"q1": {"m": 1.0}, "q2": {"m": 0.0}}) == {"m": 0.5}
    assert mean({}) == {}


def test_metrics_import_without_numpy_or_faiss() -> None:
    """The metrics need only the standard library: importable where numpy and FAISS are not."""
    code = (
        "import sys\n"
        "for name in ('numpy', 'faiss', 'torch', 'onnxruntime'):\n"
        "    sys.modules[name] = None  # any import of them now fails\n"
        "from askcorpus.eval.metrics import ndcg_at\n"
        "print(ndcg_at(['a'], {'a': 1}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1.0"
