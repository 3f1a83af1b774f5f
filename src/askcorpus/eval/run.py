"""``askcorpus eval``: score the search pipeline on labelled questions or a BEIR benchmark.

* Labelled questions (JSONL, one object a line): ``question`` plus the expected ``source``
  (document path under the corpus) and/or an exact ``answer`` phrase the hit must contain;
  ``"answerable": false`` marks a question the corpus cannot answer. Scores: hit@1, hit@5,
  MRR@10 over what a user sees (merged hits), and how often ``answer_likely`` is right.
* BEIR folders: nDCG@10, Recall@100 and MRR@10 (trec_eval definitions, binary or graded
  gains), a document ranked by its best passage. Queries whose id is also a corpus id have
  that document removed from their results, as BEIR/MTEB prescribe for ArguAna.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from askcorpus.eval.beir import BeirSet, EvalDataError
from askcorpus.eval.crowd import CrowdDrop
from askcorpus.eval.metrics import doc_ranking, hit_at, mean, ndcg_at, recall_at, rr_at
from askcorpus.search import absence
from askcorpus.search.index import Index
from askcorpus.text.query import clean_question

BEIR_DEPTH = 100
# Passages fetched per side for a BEIR query: enough that 100 distinct documents survive.
BEIR_CANDIDATES = 300
TickFn = Callable[[int, int], None]
BarFactory = Callable[[str, int], TickFn]


# -- results ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EvalRow:
    """Scores of one configuration (mode) on one data set."""

    dataset: str
    mode: str
    queries: int
    metrics: dict[str, float]
    seconds: float
    per_query: dict[str, dict[str, float]] = field(default_factory=dict, repr=False)


def format_table(rows: Sequence[EvalRow]) -> str:
    """Rows as an aligned text table (one line per data set and mode)."""
    names: list[str] = []
    for row in rows:
        names.extend(m for m in row.metrics if m not in names)
    header = ["dataset", "mode", "queries", *names, "q/s"]
    body = [
        [
            r.dataset,
            r.mode,
            str(r.queries),
            *(f"{r.metrics[m]:.4f}" if m in r.metrics else "-" for m in names),
            f"{r.queries / r.seconds:.1f}" if r.seconds > 0 else "-",
        ]
        for r in rows
    ]
    widths = [max(len(x) for x in col) for col in zip(header, *body, strict=True)]
    lines = [
        "  ".join(x.ljust(w) for x, w in zip(line, widths, strict=True)) for line in [header, *body]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def rows_json(
    rows: Sequence[EvalRow], per_query: bool = False, drops: Sequence[CrowdDrop] = ()
) -> str:
    """Rows as one JSON document: a list of rows, or with ``drops`` (``askcorpus eval
    --crowd``) an object of ``rows`` and ``crowd`` (each hit@1's drop)."""
    out = []
    for r in rows:
        item = {
            "dataset": r.dataset,
            "mode": r.mode,
            "queries": r.queries,
            "seconds": round(r.seconds, 2),
        }
        item.update({k: round(v, 5) for k, v in r.metrics.items()})
        if per_query:
            item["per_query"] = r.per_query
        out.append(item)
    if drops:
        both = {"rows": out, "crowd": [d.as_json() for d in drops]}
        return json.dumps(both, ensure_ascii=False)
    return json.dumps(out, ensure_ascii=False)


# -- BEIR ------------------------------------------------------------------------------------
def evaluate_beir(
    index: Index,
    data: BeirSet,
    mode: str = "hybrid",
    tick: TickFn | None = None,
    vectors: np.ndarray | None = None,
) -> EvalRow:
    """nDCG@10, Recall@100 and MRR@10 of ``mode`` on the judged queries of ``data``.

    ``vectors`` may hold the queries' embeddings (in ``data.queries`` order) from an earlier
    mode, so several modes embed the queries once.
    """
    t0 = time.perf_counter()
    ids = list(data.queries)
    texts = [clean_question(data.queries[q])[0] for q in ids]
    if vectors is None and mode != "keyword":
        # One batched call is several times faster than a call per query; same vectors.
        vectors = index.embedder.encode_queries(texts)
    scores: dict[str, dict[str, float]] = {}
    for n, qid in enumerate(ids):
        vec = vectors[n : n + 1] if vectors is not None else None
        fused, qv = index.retrieve(texts[n], BEIR_CANDIDATES, mode, query_vec=vec)
        sources = index.store.passages([f.id for f in fused])
        ranking = doc_ranking((sources[f.id].source for f in fused if f.id in sources), qid)
        rels = data.qrels[qid]
        scores[qid] = {
            "ndcg@10": ndcg_at(ranking, rels, 10),
            "recall@100": recall_at(ranking, rels, BEIR_DEPTH),
            "mrr@10": rr_at(ranking, rels, 10),
        }
        if qv is not None:
            # Every judged query has an answer in the corpus: how often does search agree?
            # The same verdict over the same candidates as a search.
            encode = index.embedder.encode_query
            verdict = absence.assess(index.store, texts[n], fused, qv, encode)
            if verdict is not None:  # None: no calibration fits the index's encoder
                scores[qid]["answer_likely"] = float(verdict.likely)
        if tick is not None:
            tick(n + 1, len(ids))
    return EvalRow(data.name, mode, len(ids), mean(scores), time.perf_counter() - t0, scores)


# -- labelled questions ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Labelled:
    """One labelled question: expected document and/or answer phrase, or unanswerable."""

    question: str
    sources: tuple[str, ...] = ()
    answer: str | None = None
    answerable: bool = True


def load_questions(path: Path) -> list[Labelled]:
    """Parse a labelled-questions JSONL file (typed errors name the bad line)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalDataError(f"cannot read questions file {path}: {exc}", path) from exc
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalDataError(f"{path} line {n} is not JSON ({exc.msg})", path) from exc
        if not isinstance(obj, dict) or not str(obj.get("question") or "").strip():
            raise EvalDataError(f"{path} line {n} has no question", path)
        src = obj.get("source") or obj.get("sources") or ()
        sources = (src,) if isinstance(src, str) else tuple(str(s) for s in src)
        answerable = bool(obj.get("answerable", True))
        answer = obj.get("answer")
        if answerable and not sources and not answer:
            raise EvalDataError(
                f'{path} line {n} needs a source, an answer phrase or "answerable": false',
                path,
            )
        out.append(Labelled(str(obj["question"]), sources, answer, answerable))
    if not out:
        raise EvalDataError(f"{path} holds no questions", path)
    return out


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def is_correct(q: Labelled, source: str, text: str) -> bool:
    """Does a hit (its document and text) answer a labelled question?"""
    if q.sources and source not in q.sources:
        return False
    return not q.answer or _norm(q.answer) in _norm(text)


def evaluate_questions(
    index: Index,
    questions: Sequence[Labelled],
    mode: str = "hybrid",
    name: str = "questions",
    tick: TickFn | None = None,
) -> EvalRow:
    """hit@1, hit@5, MRR@10 over answerable questions; answer_likely accuracy over all.

    ``highlight`` is the share of found answers whose highlighted sentence holds the phrase.
    """
    t0 = time.perf_counter()
    per: dict[str, dict[str, float]] = {}
    highlights: list[float] = []
    likely_right = 0
    for n, q in enumerate(questions):
        result = index.search(q.question, 10, mode)
        likely_right += result.answer_likely == q.answerable
        if q.answerable:
            correct = [h for h in result.hits if is_correct(q, h.source, h.text)]
            # The hits as a ranking of their ranks, the right ones judged relevant.
            ranking = [str(h.rank) for h in result.hits]
            rels = {str(h.rank): 1 for h in correct}
            per[q.question] = {
                "hit@1": hit_at(ranking, rels, 1),
                "hit@5": hit_at(ranking, rels, 5),
                "mrr@10": rr_at(ranking, rels, 10),
            }
            if q.answer and correct and correct[0].highlight:
                a, b = correct[0].highlight
                lo = correct[0].start
                # Does the highlighted sentence of the first right hit hold the answer?
                highlit = _norm(q.answer) in _norm(correct[0].text[a - lo : b - lo])
                highlights.append(float(highlit))
        if tick is not None:
            tick(n + 1, len(questions))
    metrics = mean(per)
    if highlights:
        metrics["highlight"] = sum(highlights) / len(highlights)
    metrics["answer_likely_acc"] = likely_right / len(questions)
    return EvalRow(name, mode, len(questions), metrics, time.perf_counter() - t0, per)
