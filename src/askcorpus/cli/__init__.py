"""Command-line interface: ``askcorpus index | ask | mentions | board | coverage | status | eval |
prepare | desktop-install`` (and the window with no command).

The CLI is an entry point: it builds :class:`Settings`, configures logging, and turns every
:class:`AskcorpusError` into one line on stderr with exit code 1 (usage errors exit 2). Heavy
modules are imported inside the commands so ``--help`` stays instant. The arguments are in
:mod:`.parser`, what is printed (readable and the JSON contract) in :mod:`.output`, the commands
in :mod:`.commands` and :mod:`.research`.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace

from askcorpus.cli.commands import (
    cmd_desktop,
    cmd_eval,
    cmd_index,
    cmd_prepare,
    cmd_status,
    version_text,
)
from askcorpus.cli.output import hit_json, json_line, print_result, result_json, say
from askcorpus.cli.parser import build_parser
from askcorpus.cli.research import (
    cmd_ask,
    cmd_board,
    cmd_coverage,
    cmd_mentions,
    filter_from_options,
)
from askcorpus.embed.native_env import NATIVE_ENV_DEFAULTS
from askcorpus.errors import AskcorpusError
from askcorpus.settings import MAX_TOP_K, Settings

__all__ = ["build_parser", "hit_json", "json_line", "main", "print_result", "result_json", "say"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    for name, value in NATIVE_ENV_DEFAULTS:  # before numpy loads (askcorpus.embed.native_env)
        os.environ.setdefault(name, value)
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
            # The check runs while Qt is imported (make_app waits for it before the plugin).
            from askcorpus.gui import gc_pause
            from askcorpus.gui.platform_check import PendingCheck

            gc_pause.pause()  # until the model has loaded (Engine): start-up makes no garbage

            check = PendingCheck()
            from askcorpus.gui.app import run_app

            return run_app(settings, check=check)
        if args.command in ("desktop-install", "desktop-uninstall"):
            return cmd_desktop(args.command == "desktop-install")
        if args.command == "index":
            if args.encoder is not None:
                settings = replace(settings, encoder=args.encoder)
            return cmd_index(settings, args.rebuild, args.json, args.calibrate_absence)
        if args.command == "ask":
            if (args.question is None) == (args.queries is None):
                parser.error("ask needs a question or --queries FILE (not both)")
            if args.top_k is not None and not 1 <= args.top_k <= MAX_TOP_K:
                parser.error(f"--top-k must be between 1 and {MAX_TOP_K}")
            fmt = "json" if args.json else args.format or "text"
            if args.json and args.format not in (None, "json"):
                parser.error("--json is --format json: give one of them")
            if args.queries is not None and fmt not in ("text", "json"):
                parser.error(f"--format {fmt} exports one question's passages, not --queries")
            if args.highlight is not None and args.highlight < 0:
                parser.error("--highlight must be 0 or more")
            return cmd_ask(
                settings,
                args.question,
                args.queries,
                args.top_k,
                fmt == "json",
                fmt,
                indexes=args.indexes,
                where=filter_from_options(args),
                highlight=args.highlight,
            )
        if args.command == "coverage":
            return cmd_coverage(settings, args.corpus, args.json)
        if args.command == "board":
            return cmd_board(settings, args.format)
        if args.command == "mentions":
            return cmd_mentions(settings, args)
        if args.command == "prepare":
            return cmd_prepare(settings)
        if args.command == "status":
            return cmd_status(settings, args.json)
        if args.command == "eval":
            if args.questions is None and args.beir is None:
                parser.error(
                    "--crowd needs --questions FILE"
                    if args.crowd is not None
                    else "eval needs --questions FILE and/or --beir DIR"
                )
            if args.encoder is not None:
                settings = replace(settings, encoder=args.encoder)
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
