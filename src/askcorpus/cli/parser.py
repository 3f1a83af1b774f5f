"""The command line's arguments: every subcommand, its options and their help."""

from __future__ import annotations

import argparse
from pathlib import Path

from askcorpus.settings import ENCODER_CHOICES, MULTILINGUAL, index_location

#: ``ask --format`` (askcorpus.search.export.FORMATS, spelled here so --help stays instant).
ASK_FORMATS = ("text", "json", "md", "csv", "csl-json", "ris")


INDEX_HELP = "index folder or postgresql://user@host/db?schema=name URL (default: index/)"


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
    p.add_argument("--index", type=index_location, help=INDEX_HELP)
    p.add_argument("--rebuild", action="store_true", help="start over instead of updating")
    p.add_argument(
        "--encoder",
        choices=ENCODER_CHOICES,
        help="the encoder of a new index (recorded in it; default auto: the bundled English "
        f"model). {MULTILINGUAL} searches Russian, Chinese and ~100 other languages by "
        "meaning, about 11x slower to index (docs/quality.md)",
    )
    p.add_argument(
        "--calibrate-absence",
        action="store_true",
        help="fit 'not in this corpus' to this corpus (experimental; docs/quality.md)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")

    p = sub.add_parser("ask", help="ask a question (or a file of questions)")
    p.add_argument("question", nargs="?", help="the question")
    add_index_options(p)
    p.add_argument("--top-k", type=int, default=None, metavar="K", help="passages to return (5)")
    p.add_argument("--json", action="store_true", help="JSON output (JSON Lines with --queries)")
    p.add_argument("--format", choices=ASK_FORMATS, help="output form (text; --json = json)")
    p.add_argument("--queries", type=Path, metavar="FILE", help="one question per line")
    p.add_argument(
        "--highlight",
        type=int,
        default=None,
        metavar="N",
        help="with --json: the first N hits carry their answering sentence (highlight) and "
        "matched_terms, the others null (10; 0 = none); readable output shows every hit's",
    )

    p = sub.add_parser("coverage", help="per folder: documents indexed, skipped, excluded, OCR'd")
    p.add_argument("--index", type=index_location, help=INDEX_HELP)
    p.add_argument("--corpus", type=Path, help="corpus folder (default: the index's own)")
    p.add_argument("--json", action="store_true", help="JSON output")

    p = sub.add_parser("board", help="list or export the evidence board (pinned passages)")
    p.add_argument("--index", type=index_location, help=INDEX_HELP)
    p.add_argument("--format", choices=ASK_FORMATS, default="text", help="output form (text)")

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
    p.add_argument("--index", type=index_location, help=INDEX_HELP)
    p.add_argument("--json", action="store_true", help="JSON output")

    p = sub.add_parser("eval", help="score search on labelled questions or a BEIR folder")
    p.add_argument(
        "--questions",
        type=Path,
        metavar="FILE",
        action="append",
        help="labelled questions (JSONL); repeat for several files (also scored pooled, as all)",
    )
    p.add_argument("--beir", type=Path, metavar="DIR", help="BEIR folder (corpus, queries, qrels)")
    p.add_argument(
        "--crowd",
        type=Path,
        metavar="DIR",
        help="ask the --questions again with the index's documents hidden among this BEIR "
        "folder's corpus (indexed in --cache) and report hit@1's drop",
    )
    p.add_argument(
        "--index",
        type=index_location,
        help="index for --questions (default: index/), or where --beir indexes its corpus "
        "(a folder or a postgresql:// URL)",
    )
    p.add_argument(
        "--cache", type=Path, metavar="DIR", help="where the BEIR (or --crowd) corpus is indexed"
    )
    p.add_argument("--rebuild", action="store_true", help="re-index the BEIR corpus")
    p.add_argument(
        "--encoder",
        choices=ENCODER_CHOICES,
        help="the encoder of the BEIR corpus's index (default auto: the bundled English model)",
    )
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
    p.add_argument("--index", type=index_location, help=INDEX_HELP)

    sub.add_parser(
        "desktop-install",
        help="add askcorpus to the desktop menu and to Open With for folders",
    )
    sub.add_parser("desktop-uninstall", help="remove what desktop-install added")
    return parser


def add_index_options(p: argparse.ArgumentParser) -> None:
    """``--index DIR`` (repeatable: several indexes are searched together) and the filters
    ``--in``, ``--type``, ``--after``, ``--before``, ``--lang`` (the same as ``in:`` … in the
    question)."""
    p.add_argument(
        "--index",
        dest="indexes",
        type=index_location,
        action="append",
        metavar="DIR|URL",
        help=f"{INDEX_HELP}; repeat to search several corpora together",
    )
    p.add_argument("--in", dest="folder", metavar="SUBDIR", help="only documents in this folder")
    p.add_argument("--type", dest="kinds", metavar="KINDS", help="only these kinds: pdf,docx,…")
    p.add_argument("--after", metavar="DATE", help="only documents dated on or after DATE")
    p.add_argument("--before", metavar="DATE", help="only documents dated before DATE")
    p.add_argument("--lang", metavar="CODES", help="only documents in these languages: en,ru")
