"""What ``askcorpus eval`` does: score each mode on labelled questions, a BEIR folder, a crowd.

Labelled questions run against ``settings.index_dir`` (several files: each scored on its own and,
pooled, as ``all``); a BEIR corpus is indexed (or its cached index reused) in ``cache``; with
``crowd`` the questions are asked again with their documents hidden among a BEIR corpus's
(:mod:`askcorpus.eval.crowd`) and hit@1's drop is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from askcorpus.embed.embedder import Embedder
from askcorpus.eval import crowd as crowding
from askcorpus.eval.beir import BeirSet, build_index, load_set
from askcorpus.eval.run import (
    BarFactory,
    EvalRow,
    Labelled,
    evaluate_beir,
    evaluate_questions,
    load_questions,
)
from askcorpus.search.index import Index
from askcorpus.settings import IndexURL, Settings
from askcorpus.text.query import clean_question


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Every row scored, and hit@1's drop in the crowd when one was asked for."""

    rows: list[EvalRow]
    drops: list[crowding.CrowdDrop] = field(default_factory=list)


def _question_sets(paths: Sequence[Path], limit: int | None) -> list[tuple[str, list[Labelled]]]:
    """(name, questions) of each file, plus ``all`` pooled when there are several."""
    sets = [(p.stem, load_questions(p)[:limit]) for p in paths]
    if len(sets) > 1:
        sets.append(("all", [q for _name, qs in sets for q in qs]))
    return sets


def _ask(
    folder: Path | IndexURL,
    sets: Sequence[tuple[str, list[Labelled]]],
    modes: Sequence[str],
    settings: Settings,
    embedder: Embedder,
    suffix: str,
    bar: BarFactory | None,
) -> list[EvalRow]:
    index = Index.open(folder, settings, embedder)
    try:
        rows = []
        for name, labelled in sets:
            for mode in modes:
                tick = bar(f"{name}{suffix} [{mode}]", len(labelled)) if bar else None
                rows.append(evaluate_questions(index, labelled, mode, name + suffix, tick))
        return rows
    finally:
        index.close()


def _benchmark_index(
    beir: Path,
    cache: Path | None,
    settings: Settings,
    embedder: Embedder,
    rebuild: bool,
    bar: BarFactory | None,
) -> Path:
    folder = cache or beir / ".askcorpus-index"
    embed_bar = bar("indexing corpus", 0) if bar else None
    build_index(
        beir,
        folder,
        settings,
        embedder,
        progress=(lambda _phase, d, t: embed_bar(d, t)) if embed_bar else None,
        rebuild=rebuild,
    )
    return folder


def run(
    settings: Settings,
    embedder: Embedder,
    questions: Sequence[Path] = (),
    beir: Path | None = None,
    modes: Sequence[str] = ("hybrid",),
    split: str = "test",
    cache: Path | None = None,
    rebuild: bool = False,
    limit: int | None = None,
    bar: BarFactory | None = None,
    crowd: Path | None = None,
) -> EvalReport:
    """Score each mode on the question files and/or a BEIR folder (see the module docstring).

    ``crowd`` (a BEIR folder, its index in ``cache``) needs ``questions`` and no ``beir``.
    ``bar(desc, total)`` makes a progress callback.
    """
    rows: list[EvalRow] = []
    drops: list[crowding.CrowdDrop] = []
    sets = _question_sets(questions, limit)
    if sets:
        rows += _ask(settings.index_dir, sets, modes, settings, embedder, "", bar)
    if crowd is not None and sets:
        benchmark = _benchmark_index(crowd, cache, settings, embedder, rebuild, bar)
        out = crowding.crowd_folder(benchmark)
        documents = crowding.hide_among(benchmark, settings.index_dir, out, settings, embedder)
        name = crowd.resolve().name
        among = _ask(out, sets, modes, settings, embedder, f"@{name}", bar)
        drops = [
            crowding.CrowdDrop(
                a.dataset,
                a.mode,
                name,
                documents,
                a.metrics.get("hit@1", 0.0),  # a file of unanswerable questions has none
                b.metrics.get("hit@1", 0.0),
            )
            for a, b in zip(rows, among, strict=True)  # the same sets and modes, in order
        ]
        rows += among
    if beir is not None:
        data = load_set(beir, split)
        if limit:
            data = BeirSet(data.folder, dict(list(data.queries.items())[:limit]), data.qrels)
        folder = _benchmark_index(beir, cache, settings, embedder, rebuild, bar)
        index = Index.open(folder, settings, embedder)
        try:
            vectors = None
            if any(m != "keyword" for m in modes):
                texts = [clean_question(t)[0] for t in data.queries.values()]
                qbar = bar("embedding queries", len(texts)) if bar else None
                # The index's embedder: the encoder that embedded its passages (a cached index
                # may predate a change of the default encoder).
                vectors = index.embedder.encode_queries(texts, progress=qbar, block=64)
            for mode in modes:
                tick = bar(f"{data.name} [{mode}]", len(data.queries)) if bar else None
                rows.append(evaluate_beir(index, data, mode, tick, vectors))
        finally:
            index.close()
    return EvalReport(rows, drops)
