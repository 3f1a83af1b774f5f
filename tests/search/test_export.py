"""Exports of a result list read back by a parser of each format: csv, json, a CommonMark parser
(markdown-it-py), a small RIS reader, and CSL-JSON validated against the CSL-JSON schema."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from askcorpus.search.export import (
    CSV_COLUMNS,
    Item,
    Origin,
    csv_cell_text,
    items_from_result,
    md_quote,
    render,
    ris_line_text,
)
from askcorpus.search.index import Index
from askcorpus.settings import Settings

SCHEMA = json.loads((Path(__file__).parent / "csl-data.schema.json").read_text())
HOSTILE = [
    "He said \"no\", then 'yes'",
    "line one\nline two\n\nafter a blank line",
    "a, b; c\t|d|",
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-2+3",
    "@SUM(A1)",
    "'already quoted",
    "\tstarts with a tab",
    "control \x01\x1b[31m red \x7f end",
    "  two spaces in front and behind  ",
    "# not a heading\n- not a list\n1. not a list\n> not a quote\n===",
    "*bold* _it_ `code` [link](http://x) <b>html</b> &amp; \\ back",
    "carriage\rreturn",
    "TY  - JOUR\nER  - \n  AB  - indented tag",
    "Ünïcödé — 中文 ‘quotes’\u2028separator",
    "trailing newline\n",
]
ORIGIN = Origin(corpus="/data/my corpus (2023)", indexed="2026-11-30T10:00:00+00:00")


def hostile_items() -> list[Item]:
    return [
        Item(
            source=f"reports/q{n} & notes.pdf",
            title=text[:40] or "t",
            start=10 * n,
            end=10 * n + len(text),
            text=text,
            location=f"p. {n + 1}",
            kind="pdf",
            page=n + 1,
            rank=n + 1,
            score=0.5 - n / 100,
            date="2023-04-05",
            note=text if n % 2 else None,
        )
        for n, text in enumerate(HOSTILE)
    ]


# --- readers --------------------------------------------------------------------------------


def md_blocks(markdown: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The text of each block quote, and every link as (text, href), as CommonMark reads them."""
    parser = MarkdownIt("commonmark")
    # markdown-it refuses file: links by default (a web page must not link into the disk); a
    # Markdown file on the user's own disk is what they are for.
    parser.validateLink = lambda url: True
    tokens = parser.parse(markdown)
    quotes: list[str] = []
    links: list[tuple[str, str]] = []
    depth = 0
    for tok in tokens:
        if tok.type == "blockquote_open":
            depth += 1
            quotes.append("")
        elif tok.type == "blockquote_close":
            depth -= 1
        elif tok.type == "inline":
            text = inline_text(tok.children or [])
            if depth:
                quotes[-1] += text
            for j, child in enumerate(tok.children or []):
                if child.type == "link_open":
                    label = inline_text(tok.children[j + 1 : j + 2])
                    links.append((label, str(child.attrs["href"])))
    return quotes, links


def inline_text(children: list) -> str:
    out = []
    for c in children:
        if c.type in ("text", "text_special", "code_inline"):
            out.append(c.content)
        elif c.type in ("softbreak", "hardbreak"):
            out.append("\n")
    return "".join(out)


def read_ris(text: str) -> list[dict[str, list[str]]]:
    """RIS records as tag -> values; a line that is no tag continues the value before it."""
    records: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] = {}
    last = ""
    assert "\n" not in text.replace("\r\n", ""), "RIS lines end with CRLF"
    for line in text.split("\r\n"):
        match = re.match(r"^([A-Z][A-Z0-9])  -(?: (.*))?$", line)
        if match:
            tag, value = match.group(1), match.group(2) or ""
            if tag == "ER":
                records.append(current)
                current, last = {}, ""
                continue
            current.setdefault(tag, []).append(value)
            last = tag
        elif last:
            current[last][-1] += "\n" + ris_line_text(line)
    return records


# --- the formats ----------------------------------------------------------------------------


def test_csv_reads_back_exactly_and_neutralises_formulas() -> None:
    items = hostile_items()
    text = render("csv", items, ORIGIN)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert len(rows) == len(items)
    for row, item in zip(rows, items, strict=True):
        assert csv_cell_text(row["text"]) == item.text
        assert csv_cell_text(row["title"]) == item.title
        assert csv_cell_text(row["source"]) == item.source
        assert csv_cell_text(row["note"]) == (item.note or "")
        assert (int(row["start"]), int(row["end"]), int(row["page"])) == (
            item.start,
            item.end,
            item.page,
        )
        assert float(row["score"]) == item.score and int(row["rank"]) == item.rank
        assert row["location"] == item.location and row["indexed"] == ORIGIN.indexed
        for cell in row.values():
            # No cell a spreadsheet would run: formulas come out as text.
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            assert not cell.startswith("-") or re.fullmatch(r"-[\d.]+", cell)
    assert rows[3]["text"] == "'=cmd|' /C calc'!A0"


def test_json_reads_back_exactly() -> None:
    items = hostile_items()
    data = json.loads(render("json", items, ORIGIN, title='q "1"'))
    assert data["title"] == 'q "1"' and data["corpus"] == ORIGIN.corpus
    for got, item in zip(data["items"], items, strict=True):
        assert (got["text"], got["title"], got["source"], got["note"]) == (
            item.text,
            item.title,
            item.source,
            item.note,
        )
        assert (got["start"], got["end"], got["page"], got["location"]) == (
            item.start,
            item.end,
            item.page,
            item.location,
        )


def test_markdown_quotes_and_links_read_back_exactly() -> None:
    items = hostile_items()
    quotes, links = md_blocks(render("md", items, ORIGIN, title="*q*"))
    assert quotes == [i.text for i in items]
    assert len(links) == len(items)
    for (label, href), item in zip(links, items, strict=True):
        assert label == item.source
        url = urlsplit(href)
        assert url.scheme == "file" and url.fragment == f"page={item.page}"
        assert Path(unquote(url.path)) == Path(ORIGIN.corpus) / item.source


@settings(max_examples=300, deadline=None)
# NUL, and whitespace that no Markdown form keeps at a line's edge (the module docstring).
@given(st.text(st.characters(exclude_characters="\x00\x0b\x1c\x1d\x1e\x1f\x85"), max_size=60))
def test_markdown_quote_round_trips_any_text(text: str) -> None:
    quotes, _ = md_blocks("\n".join(md_quote(text)) + "\n")
    assert quotes == [text]


def test_csl_json_is_valid_csl_and_names_the_citation() -> None:
    items = hostile_items()
    data = json.loads(render("csl-json", items, ORIGIN))
    jsonschema.validate(data, SCHEMA)
    assert len({d["id"] for d in data}) == len(items)
    for csl, item in zip(data, items, strict=True):
        assert csl["type"] == "document" and csl["title"] == item.title
        assert csl["page"] == str(item.page) and csl["URL"].endswith(f"#page={item.page}")
        assert csl["accessed"] == {"date-parts": [[2026, 11, 30]]}
        assert csl["issued"] == {"date-parts": [[2023, 4, 5]]}
        note = csl["note"]
        assert note.startswith(f"“{item.text}”")
        assert f"characters {item.start}–{item.end}" in note and "indexed 2026-11-30" in note
        assert item.source in note


def test_csl_schema_subset_rejects_what_csl_rejects() -> None:
    # The schema file is a real check: an unknown type or variable, or a missing id, fails.
    for bad in (
        [{"type": "pdf", "id": "a"}],
        [{"type": "document"}],
        [{"id": 1, "type": "book", "quote": "x"}],
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, SCHEMA)


def test_ris_records_read_back() -> None:
    items = hostile_items()
    records = read_ris(render("ris", items, ORIGIN))
    assert len(records) == len(items)
    for rec, item in zip(records, items, strict=True):
        assert rec["TY"] == ["GEN"] and rec["SP"] == [str(item.page)]
        assert rec["Y2"] == ["2026/11/30/"] and rec["DA"] == ["2023/04/05/"]
        assert rec["UR"][0].startswith("file:///data/my%20corpus%20%282023%29/reports/")
        # RIS lines cannot hold control characters: they become spaces; all else is exact.
        expected = re.sub("[\x00-\x08\x0b-\x1f\x7f]", " ", item.title)
        assert rec["TI"] == [expected]
        note = rec["N1"][0]
        assert note.startswith("“" + re.sub("[\x00-\x08\x0b-\x1f\x7f]", " ", item.text) + "”\n")
        assert f"characters {item.start}–{item.end}" in note


def test_unknown_corpus_folder_gives_no_link() -> None:
    item = hostile_items()[0]
    data = json.loads(render("csl-json", [item], Origin("", "")))
    assert "URL" not in data[0] and "accessed" not in data[0]
    assert "file:" not in render("md", [item], Origin("", ""))


# --- a real index ---------------------------------------------------------------------------


def test_a_real_result_exports_citations_that_point_into_the_document(
    index: Index, shipped_index: Settings
) -> None:
    result = index.search("What is the Power of Siberia pipeline?", 4)
    manifest = index.store.manifest
    origin = Origin(manifest.corpus, manifest.updated)
    items = items_from_result(result)
    for row in csv.DictReader(io.StringIO(render("csv", items, origin), newline="")):
        doc = index.document(csv_cell_text(row["source"]))
        assert doc is not None
        assert doc.text[int(row["start"]) : int(row["end"])] == csv_cell_text(row["text"])
        path = Path(unquote(urlsplit(row["url"]).path))
        assert path.is_file() and path == Path(shipped_index.corpus_dir).resolve() / doc.source
    quotes, links = md_blocks(render("md", items, origin))
    assert quotes == [h.text for h in result.hits]
    assert [label for label, _ in links] == [h.source for h in result.hits]
    jsonschema.validate(json.loads(render("csl-json", items, origin)), SCHEMA)


def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "askcorpus", *args, "--index", str(settings.index_dir)],
        capture_output=True,
        timeout=300,
        check=False,
    )
    # Decoded by hand: text=True would turn the CRLF that RIS and CSV rows end with into LF.
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


def test_cli_ask_formats(shipped_index: Settings) -> None:
    q = "Power of Siberia"
    out = run_cli(shipped_index, "ask", q, "--format", "csv", "--top-k", "3")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout, newline="")))
    assert len(rows) == 3 and set(CSV_COLUMNS) <= set(rows[0])
    ris = read_ris(run_cli(shipped_index, "ask", q, "--format", "ris", "--top-k", "2").stdout)
    assert len(ris) == 2 and all(r["TI"] for r in ris)
    csl = json.loads(run_cli(shipped_index, "ask", q, "--format", "csl-json").stdout)
    jsonschema.validate(csl, SCHEMA)
    as_json = json.loads(run_cli(shipped_index, "ask", q, "--format", "json").stdout)
    assert as_json == json.loads(run_cli(shipped_index, "ask", q, "--json").stdout)
    both = run_cli(shipped_index, "ask", q, "--json", "--format", "md")
    assert both.returncode == 2 and "--json is --format json" in both.stderr
    batch = run_cli(shipped_index, "ask", "--queries", "q.txt", "--format", "csv")
    assert batch.returncode == 2 and "one question" in batch.stderr
