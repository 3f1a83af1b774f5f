"""Command-line interface: ``askcorpus index | ask | status | eval | desktop-install`` (and the
window with no command).

The CLI is an entry point: it builds :class:`Settings`, configures logging, and turns every
:class:`AskcorpusError` into one line on stderr with exit code 1 (usage errors exit 2). Heavy
modules are imported inside the commands so ``--help`` stays instant.

Longer than 300 lines on purpose: the commands, their arguments and both output forms (readable
and JSON) are the CLI's whole contract, read in one place.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from askcorpus.errors import AskcorpusError, QueryError, escape_controls, escape_terminal
from askcorpus.settings import MAX_TOP_K, Settings

if TYPE_CHECKING:
    from askcorpus.records import Hit, PassageFilter, SearchResult
    from askcorpus.search.mentions import Mentions

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for all subcommands."""
    parser = argparse.ArgumentParser(
        prog="askcorpus",
        description="Answer questions about your own documents with exact, ranked passages. "
        "Run without a command to open the window.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    parser.add_argument(
        "--version", action="store_true", help="print the version, the model and the encoder"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("index", help="index (or update the index of) a corpus folder")
    p.add_argument("--corpus", type=Path, help="corpus folder (default: corpus/)")
    p.add_argument("--index", type=Path, help="index folder (default: index/)")
    p.add_argument("--rebuild", action="store_true", help="start over instead of updating")
    p.add_argument("--json", action="store_true", help="print the report as JSON")

    p = sub.add_parser("ask", help="ask a question (or a file of questions)")
    p.add_argument("question", nargs="?", help="the question")
    add_index_options(p)
    p.add_argument("--top-k", type=int, default=None, metavar="K", help="passages to return (5)")
    p.add_argument("--json", action="store_true", help="JSON output (JSON Lines with --queries)")
    p.add_argument("--queries", type=Path, metavar="FILE", help="one question per line")

    p = sub.add_parser("mentions", help="every mention of a word or phrase, by document")
    p.add_argument("phrase", help="the word or phrase (spelling variants and inflections fold)")
    add_index_options(p)
    p.add_argument("--json", action="store_true", help="JSON output")

    sub.add_parser(
        "prepare",
        help="load the model once (exports the fast ONNX encoder for this machine; make install "
        "runs it)",
    )

    p = sub.add_parser("status", help="show what an index holds and whether it is healthy")
    p.add_argument("--index", type=Path, help="index folder (default: index/)")
    p.add_argument("--json", action="store_true", help="JSON output")

    p = sub.add_parser("eval", help="score search on labelled questions or a BEIR folder")
    p.add_argument("--questions", type=Path, metavar="FILE", help="labelled questions (JSONL)")
    p.add_argument("--beir", type=Path, metavar="DIR", help="BEIR folder (corpus, queries, qrels)")
    p.add_argument("--index", type=Path, help="index for --questions (default: index/)")
    p.add_argument("--cache", type=Path, metavar="DIR", help="where the BEIR corpus is indexed")
    p.add_argument("--rebuild", action="store_true", help="re-index the BEIR corpus")
    p.add_argument("--split", default="test", help="BEIR qrels split (default: test)")
    p.add_argument("--mode", default="hybrid", help="hybrid, rrf, dense, keyword or all (a,b)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N questions")
    p.add_argument(
        "--whole-documents",
        action="store_true",
        help="index each BEIR document as one passage (to compare with published numbers)",
    )
    p.add_argument("--json", action="store_true", help="print the scores as JSON")

    p = sub.add_parser("gui", help="open the window")
    p.add_argument("--corpus", type=Path, help="corpus folder (default: corpus/)")
    p.add_argument("--index", type=Path, help="index folder (default: index/)")

    sub.add_parser(
        "desktop-install",
        help="add askcorpus to the desktop menu and to Open With for folders",
    )
    sub.add_parser("desktop-uninstall", help="remove what desktop-install added")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = Settings.from_env().with_paths(
            getattr(args, "corpus", None), getattr(args, "index", None)
        )
        if args.version:
            print(version_text(settings))
            return 0
        if args.command in (None, "gui"):
            # Before Qt loads its display plugin: a missing library is one message, not an abort.
            from askcorpus.gui.platform_check import ensure_window_can_open

            ensure_window_can_open()
            from askcorpus.gui.app import run_app

            return run_app(settings)
        if args.command in ("desktop-install", "desktop-uninstall"):
            return cmd_desktop(args.command == "desktop-install")
        if args.command == "index":
            return cmd_index(settings, args.rebuild, args.json)
        if args.command == "ask":
            if (args.question is None) == (args.queries is None):
                parser.error("ask needs a question or --queries FILE (not both)")
            if args.top_k is not None and not 1 <= args.top_k <= MAX_TOP_K:
                parser.error(f"--top-k must be between 1 and {MAX_TOP_K}")
            return cmd_ask(
                settings,
                args.question,
                args.queries,
                args.top_k,
                args.json,
                indexes=args.indexes,
                where=filter_from_options(args),
            )
        if args.command == "mentions":
            return cmd_mentions(settings, args)
        if args.command == "prepare":
            return cmd_prepare(settings)
        if args.command == "status":
            return cmd_status(settings, args.json)
        if args.command == "eval":
            if args.questions is None and args.beir is None:
                parser.error("eval needs --questions FILE and/or --beir DIR")
            return cmd_eval(settings, args)
    except AskcorpusError as exc:
        print(f"askcorpus: {exc.user_message()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("askcorpus: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``askcorpus ask ... | head -1``): stop quietly, as a shell tool
        # does. Point stdout at /dev/null so the interpreter's final flush cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    parser.error(f"unknown command {args.command}")
    return 2


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


def cmd_index(settings: Settings, rebuild: bool, as_json: bool) -> int:
    """Build or update the index, with a progress bar on a terminal."""
    from tqdm import tqdm

    from askcorpus.indexer.update import update_index
    from askcorpus.records import Progress

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
        report = update_index(settings, rebuild=rebuild, progress=on_progress)
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        print(json_line(asdict(report)))
        return 0
    for skip in report.skipped:
        say(f"skipped {escape_controls(skip.source)}: {escape_controls(skip.reason)}", sys.stderr)
    say(report.summary())
    return 0


def say(text: str, out: TextIO | None = None) -> None:
    """Print human-readable ``text``: whatever came from a document or an index folder (passage
    text, titles, names, manifest fields, reasons) cannot drive the terminal."""
    print(escape_terminal(text), file=out if out is not None else sys.stdout)


def json_line(data: object) -> str:
    """``data`` as one JSON line. ``json`` escapes C0 controls itself; C1 controls (U+0080 to
    U+009F, CSI among them) and line separators are escaped here too, so the line is as safe
    on a terminal as the readable output."""
    text = json.dumps(data, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def hit_json(hit: Hit) -> dict[str, Any]:
    """A hit in the JSON contract: rank, score, source, title, start, end, text (+ extras)."""
    return {
        "rank": hit.rank,
        "score": hit.score,
        "source": hit.source,
        "title": hit.title,
        "start": hit.start,
        "end": hit.end,
        "text": hit.text,
        "paragraph": hit.paragraph,
        "page": hit.page,
        "location": hit.place,
        "section": hit.section,
        "ocr": hit.ocr,
        "date": hit.date,
        "corpus": hit.corpus,
        "highlight": list(hit.highlight) if hit.highlight else None,
        "matched_terms": list(hit.matched_terms),
        "via": hit.via,
    }


def result_json(result: SearchResult) -> dict[str, Any]:
    """A search result in the JSON contract."""
    out: dict[str, Any] = {
        "query": result.query,
        "results": [hit_json(h) for h in result.hits],
        "answer_likely": result.answer_likely,
    }
    if result.note:
        out["note"] = result.note
    return out


def print_result(result: SearchResult, out: TextIO) -> None:
    """The readable ranked list: rank, score, title, location and the passage."""
    if not result.answer_likely:
        say("Not in this corpus, it seems — the closest passages:", out)
    if not result.hits:
        say("No passages found.", out)
    for hit in result.hits:
        title, source = escape_controls(hit.title), escape_controls(hit.source)
        ocr = " (read by OCR)" if hit.ocr else ""
        say(f"{hit.rank}. [{hit.score:.3f}] {title} — {source}, {hit.location}{ocr}", out)
        for line in hit.text.splitlines():
            if line.strip():
                say(f"    {line.strip()}", out)
        say("", out)


def read_queries(path: Path) -> list[str]:
    """Questions from a file, one per line. Blank lines are skipped, and so are lines that hold
    nothing a search can read (only controls and zero-width characters): each of those is
    reported on stderr with its line number, and the rest of the batch goes on."""
    from askcorpus.text.query import clean_question

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QueryError(f"cannot read queries file {path}: {exc.strerror}", path) from exc
    except UnicodeDecodeError as exc:
        raise QueryError(f"queries file {path} is not UTF-8 text", path) from exc
    questions = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if not clean_question(line)[0]:
            say(f"askcorpus: skipped line {number} of {path}: no readable words", sys.stderr)
            continue
        questions.append(line.strip())
    return questions


def cmd_ask(
    settings: Settings,
    question: str | None,
    queries: Path | None,
    top_k: int | None,
    as_json: bool,
    indexes: Sequence[Path] | None = None,
    where: PassageFilter | None = None,
) -> int:
    """Answer one question or a file of questions, from one index or several merged."""
    from askcorpus.search.multi import MultiIndex

    questions = read_queries(queries) if queries is not None else [question or ""]
    index = MultiIndex.open(indexes or [settings.index_dir], settings)
    try:
        for q in questions:
            result = index.search(q, top_k or settings.top_k, where=where)
            if as_json:
                print(json_line(result_json(result)), flush=True)
            else:
                if len(questions) > 1:
                    say(f"## {escape_controls(q)}\n")
                print_result(result, sys.stdout)
    finally:
        index.close()
    return 0


def add_index_options(p: argparse.ArgumentParser) -> None:
    """``--index DIR`` (repeatable: several indexes are searched together) and the filters
    ``--in``, ``--type``, ``--after``, ``--before``, ``--lang`` (the same as ``in:`` … in the
    question)."""
    p.add_argument(
        "--index",
        dest="indexes",
        type=Path,
        action="append",
        metavar="DIR",
        help="index folder (default: index/); repeat to search several corpora together",
    )
    p.add_argument("--in", dest="folder", metavar="SUBDIR", help="only documents in this folder")
    p.add_argument("--type", dest="kinds", metavar="KINDS", help="only these kinds: pdf,docx,…")
    p.add_argument("--after", metavar="DATE", help="only documents dated on or after DATE")
    p.add_argument("--before", metavar="DATE", help="only documents dated before DATE")
    p.add_argument("--lang", metavar="CODES", help="only documents in these languages: en,ru")


def filter_from_options(args: argparse.Namespace) -> PassageFilter | None:
    """The filter the options ask for (None when none is given); a bad value is a
    :class:`QueryError`, as the same field in the question is."""
    from askcorpus.records import PassageFilter
    from askcorpus.text import syntax

    where = PassageFilter(
        folder=syntax.folder_value(args.folder) if args.folder is not None else None,
        kinds=frozenset(syntax.kind_values(args.kinds)) if args.kinds is not None else frozenset(),
        after=syntax.date_value(args.after, "--after") if args.after is not None else None,
        before=syntax.date_value(args.before, "--before") if args.before is not None else None,
        languages=(
            frozenset(syntax.language_values(args.lang)) if args.lang is not None else frozenset()
        ),
    )
    return where or None


def mentions_json(found: Mentions) -> dict[str, Any]:
    """Every mention in the JSON contract: query, total, documents with their mentions."""
    return {
        "query": found.query,
        "total": found.total,
        "documents": [
            {
                "source": d.source,
                "title": d.title,
                "corpus": d.corpus,
                "count": d.count,
                "mentions": [
                    {
                        "start": m.start,
                        "end": m.end,
                        "page": m.page,
                        "location": m.location,
                        "context": m.context,
                    }
                    for m in d.mentions
                ],
            }
            for d in found.documents
        ],
    }


def cmd_mentions(settings: Settings, args: argparse.Namespace) -> int:
    """Print every mention of a phrase, grouped by document (date order)."""
    from askcorpus.search.mentions import find_mentions, open_stores

    stores = open_stores(args.indexes or [settings.index_dir], settings)
    try:
        found = find_mentions(stores, args.phrase, filter_from_options(args))
    finally:
        for store in stores:
            store.close()
    if args.json:
        print(json_line(mentions_json(found)))
        return 0
    documents = len(found.documents)
    say(
        f"{found.total} mention{'s' * (found.total != 1)} of {escape_controls(args.phrase)} "
        f"in {documents} document{'s' * (documents != 1)}"
    )
    for d in found.documents:
        dated = f", {d.date}" if d.date else ""
        say(f"\n{escape_controls(d.title)} — {escape_controls(d.source)}{dated}: {d.count}")
        for m in d.mentions:
            say(f"    {m.location}: {m.context}")
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
    from askcorpus.indexer.health import diagnose

    health = diagnose(settings)
    manifest, stats, folder = health.manifest, health.stats, health.folder
    data: dict[str, Any] = {
        "index": str(folder),
        "healthy": health.healthy,
        "complete": health.complete,
        "problems": [p.user_message() for p in health.problems],
        "manifest": asdict(manifest) if manifest else None,
        "skipped": [asdict(s) for s in health.skipped],
    }
    if stats is not None:
        data.update(
            documents=stats.documents,
            passages=stats.passages,
            vectors=stats.vectors,
            vector_index=stats.vector_index,
            size_bytes=stats.size_bytes,
        )
    if as_json:
        print(json_line(data))
    else:
        # Every field below may come from a crafted index folder: one line each, escaped.
        lines = [("index", str(folder))]
        if manifest is not None:
            dims = f"{manifest.dimension} dims, {manifest.backend}"
            lines.append(("model", f"{manifest.model} ({dims})"))
        if stats is not None:
            lines.append(("documents", str(stats.documents)))
            lines.append(
                ("passages", f"{stats.passages} ({stats.vectors} vectors, {stats.vector_index})")
            )
            lines.append(("size", f"{stats.size_bytes / 2**20:.1f} MB"))
        if manifest is not None:
            lines.append(("updated", f"{manifest.updated} (created {manifest.created})"))
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
    import os

    from tqdm import tqdm

    from askcorpus.embed.embedder import Embedder
    from askcorpus.eval.run import format_table, rows_json, run
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
    if args.beir is not None and cache is None:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        name = args.beir.resolve().name + ("-whole" if args.whole_documents else "")
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
        rows = run(
            settings,
            Embedder(settings),
            args.questions,
            args.beir,
            modes,
            args.split,
            cache,
            args.rebuild,
            args.limit,
            bar,
        )
    finally:
        for b in bars:
            b.close()
    if args.json:
        print(rows_json(rows))
    else:
        say(format_table(rows))
    return 0
