"""The index's commands: ``index``, ``prepare``, ``status``, ``eval``, ``desktop-install`` and
``--version``."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from askcorpus.cli.output import json_line, say
from askcorpus.errors import QueryError, escape_controls
from askcorpus.settings import MULTILINGUAL, Settings


def version_text(settings: Settings) -> str:
    """``--version``: the version, the model and the encoder questions and indexing use."""
    import importlib.util

    from askcorpus import __version__

    if settings.model_path is not None:
        model = f"{settings.model_path} (ASKCORPUS_MODEL_PATH)"
    else:
        model = f"{settings.model_name} (bundled)"
    if settings.encoder == "auto":
        encoder = "auto (onnx-int8 with ONNX Runtime, else torch)"
        if importlib.util.find_spec("onnxruntime") is None:
            encoder = "auto (torch: ONNX Runtime is not installed)"
    else:
        encoder = f"{settings.encoder} (ASKCORPUS_ENCODER)"
    lines = [f"askcorpus {__version__}", f"model:    {model}", f"encoder:  {encoder}"]
    from askcorpus.indexer.languages import INSTALL, multilingual_installed

    # The optional encoder is looked up, not imported (--version stays instant).
    there = "installed" if multilingual_installed() else f"not installed ({INSTALL})"
    lines.append(f"multilingual: {MULTILINGUAL}, {there}; askcorpus index --encoder {MULTILINGUAL}")
    return "\n".join(escape_controls(line) for line in lines)


def cmd_desktop(install: bool) -> int:
    """Write (or remove) the desktop entry and icon (see :mod:`askcorpus.gui.desktop`)."""
    from askcorpus.gui import desktop

    if install:
        files = desktop.install()
        say(f"installed {files.entry}")
        say(f"installed {files.icon}")
        return 0
    removal = desktop.uninstall()
    for path in removal.removed:
        say(f"removed {path}")
    for path in removal.kept:
        say(f"kept {path}: not written by askcorpus")
    if not removal.removed and not removal.kept:
        say("nothing to remove")
    return 0


def cmd_index(settings: Settings, rebuild: bool, as_json: bool, calibrate: bool = False) -> int:
    """Build or update the index, with a progress bar on a terminal; with ``calibrate``, fit
    "not in this corpus" to the corpus afterwards (askcorpus.search.calibration)."""
    from tqdm import tqdm

    from askcorpus.indexer.update import update_index
    from askcorpus.records import Progress
    from askcorpus.search import calibration

    bar: Any = None

    def on_progress(p: Progress) -> None:
        nonlocal bar
        if p.phase != "embedding":
            return
        if bar is None:
            bar = tqdm(
                total=p.total, unit="passage", desc="embedding", file=sys.stderr, disable=None
            )
        bar.update(p.done - bar.n)

    try:
        fit = calibration.calibrate if calibrate else None
        report = update_index(settings, rebuild=rebuild, progress=on_progress, calibrate=fit)
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        print(json_line(asdict(report)))
        return 0
    for skip in report.skipped:
        say(f"skipped {escape_controls(skip.source)}: {escape_controls(skip.reason)}", sys.stderr)
    for ex in report.excluded:
        rule = f"{escape_controls(ex.rule)} (.askcorpusignore line {ex.line})"
        say(f"excluded {escape_controls(ex.source)}: {rule}", sys.stderr)
    say(report.summary())
    if report.advice:
        say(f"note: {report.advice}", sys.stderr)
    return 0


def cmd_prepare(settings: Settings) -> int:
    """Load the embedding model once, so the one-off ONNX export happens now (at install time)
    and not silently at the first window launch; says which encoder will run."""
    from askcorpus.embed.embedder import Embedder

    embedder = Embedder(settings)
    embedder.load()
    say(f"encoder ready: {embedder.backend} ({settings.model_name}, {embedder.dimension} dims)")
    return 0


def cmd_status(settings: Settings, as_json: bool) -> int:
    """Describe the index: manifest, counts, health, skipped files. Exit 1 when it is damaged
    or built differently (the reason goes to stderr on one line too), never a traceback."""
    from askcorpus.embed.embedder import SUPERSEDED
    from askcorpus.indexer.health import diagnose
    from askcorpus.indexer.languages import advise
    from askcorpus.search.absence import calibration_name
    from askcorpus.store.base import REBUILD

    health = diagnose(settings)
    manifest, stats, folder = health.manifest, health.stats, health.folder
    languages = stats.languages if stats is not None else ()
    calibration = (
        calibration_name(manifest.absence_calibration, manifest.model, languages)
        if manifest
        else None
    )
    advice = advise(stats, manifest.model) if stats is not None and manifest else None
    data: dict[str, Any] = {
        "index": str(folder),
        "healthy": health.healthy,
        "complete": health.complete,
        "problems": [p.user_message() for p in health.problems],
        "manifest": asdict(manifest) if manifest else None,
        "absence_calibration": calibration,
        "encoder_superseded": bool(manifest and manifest.backend in SUPERSEDED),
        "skipped": [asdict(s) for s in health.skipped],
    }
    if stats is not None:
        data.update(
            documents=stats.documents,
            passages=stats.passages,
            vectors=stats.vectors,
            vector_index=stats.vector_index,
            size_bytes=stats.size_bytes,
            languages=dict(stats.languages),
            advice=advice.message() if advice else None,
        )
    if as_json:
        print(json_line(data))
    else:
        # Every field below may come from a crafted index folder: one line each, escaped.
        lines = [("index", str(folder))]
        if manifest is not None:
            dims = f"{manifest.dimension} dims, {manifest.backend}"
            lines.append(("model", f"{manifest.model} ({dims})"))
            if manifest.backend in SUPERSEDED:
                why = SUPERSEDED[manifest.backend]
                lines.append(("encoder", f"superseded: {why}; {REBUILD} for the best ranking"))
        if stats is not None:
            lines.append(("documents", str(stats.documents)))
            lines.append(
                ("passages", f"{stats.passages} ({stats.vectors} vectors, {stats.vector_index})")
            )
            lines.append(("size", f"{stats.size_bytes / 2**20:.1f} MB"))
            if stats.languages:
                lines.append(("languages", ", ".join(f"{c} {n}" for c, n in stats.languages)))
            if advice is not None:
                lines.append(("advice", advice.message()))
        if manifest is not None:
            lines.append(("updated", f"{manifest.updated} (created {manifest.created})"))
            lines.append(("absence", f"calibration: {calibration}"))
        if health.healthy:
            lines.append(("health", "ok"))
        lines += [("health", f"DAMAGED — {p.user_message()}") for p in health.problems]
        if stats is not None and not stats.complete:
            lines.append(("build", "incomplete (interrupted) — run `askcorpus index` to finish"))
        if health.skipped:
            lines.append(("skipped", f"{len(health.skipped)} files"))
        for label, value in lines:
            say(f"{label + ':':<10} {escape_controls(value)}")
        for s in health.skipped:
            say(f"  {escape_controls(s.source)}: {escape_controls(s.reason)}")
    if health.error is not None:
        say(f"askcorpus: {health.error.user_message()}", sys.stderr)
        return 1
    return 0


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    """Score the pipeline (see :mod:`askcorpus.eval.run`); table or JSON on stdout."""

    from tqdm import tqdm

    from askcorpus.embed.embedder import Embedder
    from askcorpus.eval.command import run
    from askcorpus.eval.run import format_table, rows_json
    from askcorpus.search.index import MODES

    modes = list(MODES) if args.mode == "all" else args.mode.split(",")
    if any(m not in MODES for m in modes):
        raise QueryError(f"unknown mode in {args.mode!r}", hint=f"use {', '.join(MODES)} or all")
    cache = args.cache
    if args.whole_documents:
        from dataclasses import replace

        from askcorpus.settings import ChunkingParams

        huge = 10**9  # no document is ever split
        settings = replace(settings, chunking=ChunkingParams(huge, huge, 0, 0))
    questions = args.questions or []
    if args.crowd is not None and args.beir is not None:
        raise QueryError(
            "--crowd and --beir each need their own benchmark index",
            hint="run them as two commands",
        )
    benchmark = args.beir if args.beir is not None else args.crowd
    if args.beir is not None and cache is None and args.index is not None:
        if args.questions is not None:
            raise QueryError(
                "--index names one index, but --questions and --beir need two",
                hint="pass --cache DIR for the BEIR corpus's index",
            )
        cache = args.index  # a folder or a postgresql:// URL: the BEIR corpus is indexed there
    if benchmark is not None and cache is None:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        name = benchmark.resolve().name + ("-whole" if args.whole_documents else "")
        cache = base / "askcorpus" / "eval" / name
    bars: list[Any] = []

    def bar(desc: str, total: int) -> Any:
        b = tqdm(total=total or None, desc=desc, file=sys.stderr, disable=None, leave=False)
        bars.append(b)

        def tick(done: int, new_total: int) -> None:
            if b.total != new_total:
                b.total = new_total
            b.update(done - b.n)

        return tick

    try:
        report = run(
            settings,
            Embedder(settings),
            questions,
            args.beir,
            modes,
            args.split,
            cache,
            args.rebuild,
            args.limit,
            bar,
            args.crowd,
        )
    finally:
        for b in bars:
            b.close()
    if args.json:
        print(rows_json(report.rows, drops=report.drops))
    else:
        say(format_table(report.rows))
        for drop in report.drops:
            say(drop.describe())
    return 0
