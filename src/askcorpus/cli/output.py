"""What the CLI prints: readable lines escaped for a terminal, JSON lines, the JSON contract of
hits and results, and exports."""

from __future__ import annotations

import json
import re
import sys
from typing import TYPE_CHECKING, Any, TextIO

from askcorpus.errors import escape_controls, escape_terminal

if TYPE_CHECKING:
    from askcorpus.records import Hit, SearchResult
    from askcorpus.search.mentions import Mentions


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
    """A hit in the JSON contract: rank, score, source, title, start, end, text (+ extras).
    A hit the search did not highlight (beyond ``--highlight N``) has ``highlighted`` false and
    null ``highlight`` and ``matched_terms``: not computed, rather than none found."""
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
        "highlighted": hit.highlighted,
        "highlight": list(hit.highlight) if hit.highlight else None,
        "matched_terms": list(hit.matched_terms) if hit.highlighted else None,
        "via": hit.via,
    }


def result_json(result: SearchResult) -> dict[str, Any]:
    """A search result in the JSON contract."""
    out: dict[str, Any] = {
        "query": result.query,
        "results": [hit_json(h) for h in result.hits],
        "answer_likely": result.answer_likely,
        "answer_probability": result.answer_probability,
        "absent_terms": list(result.absent_terms),
        "caveats": list(result.caveats),
    }
    if result.unjudged:
        out["answer_unjudged"] = result.unjudged
    if result.note:
        out["note"] = result.note
    return out


def print_result(result: SearchResult, out: TextIO) -> None:
    """The readable ranked list: rank, score, title, location, the answering sentence (of
    the hits highlighted: the CLI highlights every hit it prints) and the passage."""
    if not result.answer_likely:
        say("Not in this corpus, it seems — the closest passages:", out)
        if result.answer_probability is not None:
            why = f"chance of an answer here: {result.answer_probability:.0%}"
            if result.absent_terms:
                why += f"; found nowhere in the corpus: {', '.join(result.absent_terms)}"
            say(f"({why})", out)
        for caveat in result.caveats:
            say(f"(note: {escape_controls(caveat)})", out)
    elif result.unjudged:
        say(f"(not judged whether this corpus answers it: {result.unjudged})", out)
    elif result.absent_terms:  # judged answered, but a specific word asked is nowhere in it
        from askcorpus.search.absence import key_absent_terms  # loaded by the search already

        missing = key_absent_terms(result.query, result.absent_terms)
        if missing:
            terms = escape_controls(", ".join(missing))
            say(
                f"(found nowhere in the corpus: {terms}; the passages may not answer that part)",
                out,
            )
    if not result.hits:
        say("No passages found.", out)
    for hit in result.hits:
        title, source = escape_controls(hit.title), escape_controls(hit.source)
        ocr = " (read by OCR)" if hit.ocr else ""
        say(f"{hit.rank}. [{hit.score:.3f}] {title} — {source}, {hit.location}{ocr}", out)
        if hit.highlight is not None:  # the answering sentence first, on one line
            a, b = hit.highlight[0] - hit.start, hit.highlight[1] - hit.start
            say(f"  » {' '.join(hit.text[a:b].split())}", out)
        for line in hit.text.splitlines():
            if line.strip():
                say(f"    {line.strip()}", out)
        say("", out)


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


def write_export(fmt: str, result: SearchResult, corpus: str, indexed: str) -> None:
    """Print ``result`` as export ``fmt``; escaped only when stdout is a terminal."""
    from askcorpus.search.export import Origin, items_from_result, render

    text = render(fmt, items_from_result(result), Origin(corpus, indexed), result.query)
    sys.stdout.write(escape_terminal(text) if sys.stdout.isatty() else text)
