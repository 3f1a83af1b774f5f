"""The research commands: ``ask`` (one index or several, filters, export forms),
``mentions``, ``board`` and ``coverage``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from askcorpus.errors import QueryError, escape_controls, escape_terminal
from askcorpus.settings import Settings

if TYPE_CHECKING:
    from askcorpus.records import PassageFilter

from askcorpus.cli.output import (
    json_line,
    mentions_json,
    print_result,
    result_json,
    say,
    write_export,
)


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
    fmt: str = "text",
    indexes: Sequence[Path] | None = None,
    where: PassageFilter | None = None,
    highlight: int | None = None,
) -> int:
    """Answer one question or a file of questions, from one index or several merged (``fmt``:
    an export form of :mod:`askcorpus.search.export` for one question). The readable output
    shows every hit's answering sentence; JSON carries the first ``highlight`` hits' (None:
    the search's default); exports need none."""
    from askcorpus.search.multi import MultiIndex

    questions = read_queries(queries) if queries is not None else [question or ""]
    index = MultiIndex.open(indexes or [settings.index_dir], settings)
    try:
        for q in questions:
            k = top_k or settings.top_k
            shown = highlight if fmt == "json" else k if fmt == "text" else 0
            result = index.search(q, k, where=where, highlight=shown)
            if fmt not in ("text", "json"):
                first = index.indexes[0].store.manifest
                write_export(fmt, result, first.corpus, first.updated)
            elif as_json:
                print(json_line(result_json(result)), flush=True)
            else:
                if len(questions) > 1:
                    say(f"## {escape_controls(q)}\n")
                print_result(result, sys.stdout)
    finally:
        index.close()
    return 0


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


def cmd_coverage(settings: Settings, corpus: Path | None, as_json: bool) -> int:
    """Print the index's coverage of its corpus, folder by folder (readable or JSON)."""
    from askcorpus.indexer.coverage import coverage
    from askcorpus.store.factory import open_index

    store = open_index(settings.index_dir)
    try:
        folder = corpus or Path(store.manifest.corpus or settings.corpus_dir)
        report = coverage(store, folder)
    finally:
        store.close()
    if as_json:
        print(json_line(asdict(report)))
        return 0
    for f in report.folders:
        counts = f"{f.indexed} indexed ({f.ocr} OCR), {f.waiting} new or changed"
        say(f"{escape_controls(f.folder)}/: {counts}, {f.missing} gone")
        for s in f.skipped:
            say(f"  skipped {escape_controls(s.source)}: {escape_controls(s.reason)}")
        for x in f.excluded:
            say(
                f"  excluded {escape_controls(x.source)}: {escape_controls(x.rule)} (line {x.line})"
            )
    say(report.summary())
    return 0


def cmd_board(settings: Settings, fmt: str) -> int:
    """Print the index's evidence board (stale pins flagged) in form ``fmt``."""
    from askcorpus.search.board import Board
    from askcorpus.search.export import Origin, render
    from askcorpus.store.factory import open_index

    store = open_index(settings.index_dir)
    try:
        board = Board.for_index(settings, store)
        items = board.items(board.stale(store))
        origin = Origin(store.manifest.corpus, store.manifest.updated)
    finally:
        store.close()
    text = render(fmt, items, origin, f"Evidence board of {settings.index_dir}")
    sys.stdout.write(escape_terminal(text) if fmt == "text" or sys.stdout.isatty() else text)
    return 0
