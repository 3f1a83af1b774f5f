"""Where one warm question's time goes at k=10 and at k=100, and what k=100 costs against k=10.

    python -m bench.k_cost --index DIR [--queries 100] [--k 10 --k 100]
    python -m bench.k_cost --index DIR --tree OLD_CHECKOUT --tree NEW_CHECKOUT [--rounds 3]
    py-spy record -r 200 -f raw -- python -m bench.k_cost --index DIR --queries 150 --spy 100

Each part is the *exclusive* time of the wrapped calls (a call's time minus the wrapped calls it
makes), so the parts add up to the whole and nothing is counted twice: merging, for example,
fetches document texts, which count as "documents fetch", not as "merge/collapse". Whatever is
inside no wrapped call is "rest" (cleaning the question, building the hits, Python glue).
Parts run on the search's worker thread (the question's encoding beside the keyword side, the
top hit's tie-break beside the absence estimate) are listed apart, marked "[worker thread]":
they are not on the asking thread's path, and the asking thread's time spent waiting for them
is "waiting for the worker thread"; the asking thread's parts add up to the whole. "CPU p50"
is the process's CPU time per question, every thread's.
The ks alternate question by question on one warm ``Index``, so load on a shared machine falls
on both; the ratio of the medians is the figure that counts. With ``--tree`` each checkout
runs in its own process (its ``src/`` first on the path), the trees alternating for
``--rounds`` rounds, and each part is the median over the rounds. ``--json`` writes the result
to bench/out/k_cost.json. ``--spy K`` only asks the questions at k=K (5 warm-up questions
first, the sentence cache cleared before each) and prints p50/p95: a loop for a profiler.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import OUT, median, percentile, scifact_queries, setup_env, tree_cache

# part -> (owner, attribute[, calling file]) targets; owners are resolved in :func:`_targets`.
PARTS: dict[str, list[tuple[str, ...]]] = {
    "encode question": [("embedder", "encode_query")],
    "encode sentences (dense highlight)": [("embedder", "encode_passages")],
    "dense (FAISS)": [("store", "search_vectors")],
    "keyword (FTS5, words + pairs)": [("store", "search_lexical")],
    "vectors of keyword-only hits": [("store", "passage_vectors")],
    "fusion": [("fusion", "convex"), ("fusion", "rrf")],
    "passages fetch": [("store", "passages")],
    "documents fetch": [("store", "document")],
    "phrase promotion": [("index", "promote_phrases")],
    "merge/collapse": [("index", "merge_hits")],
    "best sentence": [
        ("index", "best_sentence"),
        ("index", "sentence_overlaps"),
        ("index", "pick_sentence"),
        ("present", "pick_sentence"),
    ],
    "matched terms": [("index", "matched_terms")],
    "waiting for the worker thread": [("future", "result", "search/index.py")],
    "sentences + overlaps + matched terms, one pass": [
        ("index", "read_hit"),
        ("present", "read_hit"),
    ],
}
REST = "rest (clean question, hits, glue)"
#: Appended to a part measured on the search's worker thread (beside the asking thread).
BESIDE = " [worker thread]"


class Clock:
    """Exclusive time per part: nested wrapped calls are subtracted from their caller. Calls
    made on another thread than the one asking (the search's worker) count under the part's
    name with :data:`BESIDE` appended: they run beside the asking thread, not on its path."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self._local = threading.local()  # per thread: time in wrapped children of open calls
        self._main = threading.get_ident()

    def wrap(
        self, owner: Any, attr: str, part: str, caller: str | None = None
    ) -> Callable[[], None]:
        """Replace ``owner.attr`` by a timed call (only when called from a file whose path
        ends with ``caller``, when given); returns the undo."""
        original = getattr(owner, attr)

        def timed_call(*args: Any, **kwargs: Any) -> Any:
            if caller is not None and not sys._getframe(1).f_code.co_filename.endswith(caller):
                return original(*args, **kwargs)
            stack = self._local.__dict__.setdefault("stack", [])
            stack.append(0.0)
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - t0
                children = stack.pop()
                name = part if threading.get_ident() == self._main else part + BESIDE
                self.spent[name] += elapsed - children
                if stack:
                    stack[-1] += elapsed

        setattr(owner, attr, timed_call)
        return lambda: setattr(owner, attr, original)


def _forget_sentences(index: Any) -> None:
    """Drop the sentence vectors the index keeps for the tie-break (so each question pays its
    own), wherever the tree keeps them (``Index.tie_break`` since session 8)."""
    tie_break = getattr(index, "tie_break", None)
    (tie_break.sentences if tie_break is not None else index._sentence_cache).clear()


def _targets(index: Any) -> dict[str, Any]:
    import askcorpus.search.index as index_module
    from askcorpus.search import fusion

    try:  # where hits are highlighted since issue #18's lazy highlighting (not in older trees)
        import askcorpus.search.present as present_module
    except ImportError:
        present_module = None
    from concurrent.futures import Future

    return {
        "future": Future,
        "embedder": index.embedder,
        "store": index.store,
        "index": index_module,
        "fusion": fusion,
        "present": present_module,
    }


def profile(folder: Path, questions: list[str], ks: list[int], warmup: int = 5) -> dict[str, Any]:
    """Plain timings, then the instrumented breakdown, for every k in ``ks`` (alternating)."""
    from askcorpus.embed.embedder import Embedder
    from askcorpus.search.index import Index
    from askcorpus.settings import Settings

    settings = Settings(index_dir=folder)
    embedder = Embedder(settings)
    embedder.load()
    index = Index.open(folder, settings, embedder)
    for q in questions[:warmup]:
        for k in ks:
            index.search(q, k)
    measured = questions[warmup:]
    # The sentence cache would make the second k's dense highlight free: clear it per call.
    plain: dict[int, list[float]] = {k: [] for k in ks}
    cpu: dict[int, list[float]] = {k: [] for k in ks}  # the process's, every thread's
    for q in measured:
        for k in ks:
            _forget_sentences(index)
            c0, t0 = time.process_time(), time.perf_counter()
            index.search(q, k)
            plain[k].append((time.perf_counter() - t0) * 1000)
            cpu[k].append((time.process_time() - c0) * 1000)

    clock = Clock()
    owners = _targets(index)
    undo = [
        clock.wrap(owners[owner], attr, part, *caller)
        for part, targets in PARTS.items()
        for owner, attr, *caller in targets
        if owners[owner] is not None and hasattr(owners[owner], attr)
    ]
    parts: dict[int, dict[str, list[float]]] = {k: defaultdict(list) for k in ks}
    totals: dict[int, list[float]] = {k: [] for k in ks}
    try:
        for q in measured:
            for k in ks:
                _forget_sentences(index)
                clock.spent.clear()
                t0 = time.perf_counter()
                index.search(q, k)
                total = (time.perf_counter() - t0) * 1000
                totals[k].append(total)
                inner = 0.0
                for part in PARTS:
                    ms = clock.spent.get(part, 0.0) * 1000
                    parts[k][part].append(ms)
                    inner += ms
                    parts[k][part + BESIDE].append(clock.spent.get(part + BESIDE, 0.0) * 1000)
                parts[k][REST].append(total - inner)
    finally:
        for u in undo:
            u()
        index.close()
    out: dict[str, Any] = {"passages": None, "queries": len(measured), "ks": {}}
    for k in ks:
        out["ks"][str(k)] = {
            "p50_ms": median(plain[k]),
            "p95_ms": percentile(plain[k], 95),
            "cpu_p50_ms": median(cpu[k]),
            "instrumented_p50_ms": median(totals[k]),
            "mean_ms": {p: sum(v) / len(v) for p, v in parts[k].items()},
            "median_ms": {p: median(v) for p, v in parts[k].items()},
        }
    if len(ks) >= 2:
        lo, hi = str(ks[0]), str(ks[-1])
        out["ratio_p50"] = out["ks"][hi]["p50_ms"] / out["ks"][lo]["p50_ms"]
    return out


def spy_loop(folder: Path, n: int, k: int) -> int:
    """Ask ``n`` SciFact claims at ``k`` (after 5 warm-up ones), nothing else: what a profiler
    attached to this process sees is the search."""
    from askcorpus.embed.embedder import Embedder
    from askcorpus.search.index import Index
    from askcorpus.settings import Settings

    settings = Settings(index_dir=folder)
    embedder = Embedder(settings)
    embedder.load()
    index = Index.open(folder, settings, embedder)
    questions = list(scifact_queries()[0].values())
    for q in questions[:5]:
        index.search(q, k)
    times = []
    for q in questions[5 : 5 + n]:
        _forget_sentences(index)
        t0 = time.perf_counter()
        index.search(q, k)
        times.append((time.perf_counter() - t0) * 1000)
    index.close()
    print(
        f"k={k}, {len(times)} claims: p50 {median(times):.1f} ms, p95 {percentile(times, 95):.1f}"
    )
    return 0


def table(result: dict[str, Any]) -> str:
    """The breakdown as a Markdown table (mean ms per question: means add up, medians don't)."""
    ks = list(result["ks"])
    lines = [
        "| part | " + " | ".join(f"k={k} mean ms" for k in ks) + " |",
        "|---|" + "---|" * len(ks),
    ]
    beside = [p + BESIDE for p in PARTS]
    for part in [*PARTS, REST, *beside]:
        means = [result["ks"][k]["mean_ms"].get(part, 0.0) for k in ks]
        if part in beside and not any(means):
            continue  # nothing of it ran on the worker thread
        cells = [f"{m:.2f}" for m in means]
        lines.append(f"| {part} | " + " | ".join(cells) + " |")
    lines.append(
        "| **total (instrumented p50)** | "
        + " | ".join(f"**{result['ks'][k]['instrumented_p50_ms']:.2f}**" for k in ks)
        + " |"
    )
    lines.append(
        "| plain p50 / p95 | "
        + " | ".join(
            f"{result['ks'][k]['p50_ms']:.2f} / {result['ks'][k]['p95_ms']:.2f}" for k in ks
        )
        + " |"
    )
    lines.append(
        "| CPU p50 (all threads) | "
        + " | ".join(f"{result['ks'][k].get('cpu_p50_ms', 0.0):.2f}" for k in ks)
        + " |"
    )
    if "ratio_p50" in result:
        lines.append(f"\nk={ks[-1]} ÷ k={ks[0]} (plain p50): **{result['ratio_p50']:.2f}×**")
    return "\n".join(lines)


def _child(tree: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One process of ``tree`` profiling: its result as JSON."""
    here = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": f"{tree / 'src'}{os.pathsep}{here}", "HF_HUB_OFFLINE": "1"}
    env["ASKCORPUS_CACHE_DIR"] = str(tree_cache(tree))  # each tree its own ONNX export
    cmd = [sys.executable, "-m", "bench.k_cost", "--index", str(args.index), "--raw"]
    cmd += ["--queries", str(args.queries), *(f"--k={k}" for k in args.k or [10, 100])]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=here, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _median_of(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Per part and k, the median over rounds of each round's figure."""
    out: dict[str, Any] = {"queries": rounds[0]["queries"], "ks": {}}
    for k in rounds[0]["ks"]:
        row: dict[str, Any] = {}
        for key in ("p50_ms", "p95_ms", "cpu_p50_ms", "instrumented_p50_ms"):
            row[key] = statistics.median(r["ks"][k].get(key, 0.0) for r in rounds)
        for key in ("mean_ms", "median_ms"):
            parts = rounds[0]["ks"][k][key]
            row[key] = {
                p: statistics.median(r["ks"][k][key].get(p, 0.0) for r in rounds) for p in parts
            }
        out["ks"][k] = row
    ks = list(out["ks"])
    if len(ks) >= 2:
        out["ratio_p50"] = out["ks"][ks[-1]]["p50_ms"] / out["ks"][ks[0]]["p50_ms"]
    return out


def main() -> int:
    """Profile (one tree, or several side by side) and print the tables."""
    setup_env()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--k", type=int, action="append")
    parser.add_argument("--tree", type=Path, action="append")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--spy", type=int, metavar="K", help="only ask at k=K (for py-spy)")
    parser.add_argument("--raw", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.spy:
        return spy_loop(args.index, args.queries, args.spy)
    if args.tree:
        rounds: dict[str, list[dict[str, Any]]] = {str(t): [] for t in args.tree}
        for _ in range(args.rounds):
            for tree in args.tree:
                rounds[str(tree)].append(_child(tree.resolve(), args))
        results = {tree: _median_of(rs) for tree, rs in rounds.items()}
        for tree, result in results.items():
            print(f"\n### {tree} ({args.rounds} rounds, {result['queries']} questions)\n")
            print(table(result))
        first = results[str(args.tree[0])]
        print(
            "\n| tree | " + " | ".join(f"k={k} p50 ms | ratio to first" for k in first["ks"]) + " |"
        )
        for tree, result in results.items():
            cells = [
                f"{result['ks'][k]['p50_ms']:.2f} | {result['ks'][k]['p50_ms'] / first['ks'][k]['p50_ms']:.2f}"
                for k in first["ks"]
            ]
            print(f"| {tree} | " + " | ".join(cells) + " |")
        if args.json:
            OUT.mkdir(parents=True, exist_ok=True)
            (OUT / "k_cost.json").write_text(
                json.dumps({"trees": results, "rounds": rounds}, indent=2)
            )
        return 0
    queries, _ = scifact_queries()
    questions = list(queries.values())[: args.queries + 5]
    result = profile(args.index, questions, args.k or [10, 100])
    if args.raw:
        print(json.dumps(result))
        return 0
    print(table(result))
    if args.json:
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "k_cost.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
