"""HTML reading: visible text only, boilerplate dropped, headings as sections, title."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from askcorpus.ingest.documents import discover, load_document
from askcorpus.ingest.formats import UnreadableFile
from askcorpus.ingest.formats.html import read_html
from askcorpus.records import Document
from askcorpus.settings import ChunkingParams
from askcorpus.text.chunking import chunk_document

from ..scaling import LINEAR_BOUND, growth_ratio

PAGE = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8"><title>The Gas Deal | Energy News</title>
<style>p { color: red }</style>
<script>var s = "<p>script text</p>"; if (a < b) { track(); }</script>
</head><body>
<header class="site"><a href="/">Home</a> <a href="#main">Skip to content</a></header>
<nav><ul><li><a href="/world">World</a></li><li><a href="/energy">Energy</a></li></ul></nav>
<div role="navigation">Breadcrumbs: Home / Energy</div>
<main><article>
<header><h1>Russia and China sign the gas deal</h1><p>By A. Writer, 21 May 2014</p></header>
<p>Russia and China signed a <b>$400&nbsp;billion</b> gas supply agreement
   in Shanghai after a decade of negotiations.</p>
<h2>Background</h2>
<p>The talks began in 2004.<br>They stalled over the price.</p>
<h3>Pipelines</h3>
<ul><li>Power of Siberia</li><li>Altai route</li></ul>
<table><tr><th>Year</th><th>Volume</th></tr><tr><td>2019</td><td>5 bcm</td></tr></table>
<pre>  price = base * (1 + oil_index)
  paid monthly</pre>
<div hidden>Hidden teaser text</div><span aria-hidden="true">icon</span>
<noscript>Please enable JavaScript</noscript>
<form><button>Subscribe</button></form>
</article></main>
<aside>Related: other stories</aside>
<footer>Copyright 2014 Energy News. All rights reserved.</footer>
</body></html>"""


def extract(markup: str | bytes, name: str = "page.html"):  # noqa: ANN201
    raw = markup.encode("utf-8") if isinstance(markup, str) else markup
    return read_html(Path(name), raw)


def test_visible_text_only_without_boilerplate() -> None:
    ex = extract(PAGE)
    for gone in [
        "script text",
        "color: red",
        "Skip to content",
        "World",
        "Breadcrumbs",
        "Hidden teaser",
        "icon",
        "enable JavaScript",
        "Subscribe",
        "Related",
        "Copyright",
    ]:
        assert gone not in ex.text, gone
    assert ex.text.startswith("Russia and China sign the gas deal\n\nBy A. Writer, 21 May 2014")
    assert (
        "Russia and China signed a $400 billion gas supply agreement in Shanghai after a decade "
        "of negotiations." in ex.text
    )
    assert "The talks began in 2004.\nThey stalled over the price." in ex.text
    assert "• Power of Siberia\n\n• Altai route" in ex.text
    assert "Year | Volume" in ex.text and "2019 | 5 bcm" in ex.text
    assert "  price = base * (1 + oil_index)\n  paid monthly" in ex.text  # <pre> kept as is


def test_title_and_sections() -> None:
    ex = extract(PAGE)
    assert ex.title == "The Gas Deal | Energy News"
    assert [s.title for s in ex.sections] == [
        "Russia and China sign the gas deal",
        "Background",
        "Background › Pipelines",
    ]
    for s in ex.sections:
        assert ex.text[s.start :].startswith(s.title.split(" › ")[-1])
    no_title = extract("<html><body><h1>Only a heading</h1><p>Body text here.</p></body></html>")
    assert no_title.title == "Only a heading"


def test_passages_carry_their_section_as_context(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    entries, _ = discover(tmp_path)
    doc: Document = load_document(entries[0], 10**8)
    assert doc.title == "The Gas Deal | Energy News"
    passages = chunk_document(doc, ChunkingParams(target_words=8, max_words=30, min_words=3))
    by_text = {p.text: p for p in passages}
    pipeline = next(p for t, p in by_text.items() if "Altai" in t)
    assert pipeline.section == "Background › Pipelines"
    assert pipeline.context == "The Gas Deal | Energy News — Background › Pipelines"
    for p in passages:
        assert doc.text[p.start : p.end] == p.text


def test_declared_legacy_charset_is_honoured() -> None:
    markup = '<html><head><meta charset="windows-1252"><title>Caf\xe9</title></head>'
    markup += "<body><p>Na\xefve caf\xe9 \u2014 \u201cquoted\u201d.</p></body></html>"
    ex = extract(markup.encode("cp1252"))
    assert ex.title == "Café"
    assert ex.text == "Naïve café — “quoted”."


def test_page_made_only_of_furniture_keeps_its_text() -> None:
    ex = extract("<html><body><header><p>All the content lives here.</p></header></body></html>")
    assert ex.text == "All the content lives here."


def test_page_without_visible_text_is_reported() -> None:
    with pytest.raises(UnreadableFile, match="no visible text"):
        extract("<html><head><title>T</title><script>x()</script></head><body> </body></html>")


def test_binary_with_html_extension_is_reported() -> None:
    with pytest.raises(UnreadableFile, match="binary"):
        extract(bytes(range(256)) * 8)


def test_main_content_wins_over_related_links_and_cookie_banners() -> None:
    story = "<p>" + "The river flooded the old town after three days of rain. " * 4 + "</p>"
    page = (
        '<html><body><div class="cookie-consent">We use cookies. Accept?</div>'
        '<div id="site-menu">Sections: World, Sport</div>'
        f"<main><h1>Flood</h1>{story}</main>"
        "<div><h2>Related stories</h2><p>Ten other floods you should read about.</p></div>"
        "</body></html>"
    )
    ex = extract(page)
    assert ex.text.split("\n\n")[0] == "Flood"
    assert "river flooded" in ex.text
    for gone in ["cookies", "Sections", "Related", "Ten other floods"]:
        assert gone not in ex.text


def test_utf8_bytes_win_over_a_stale_latin1_declaration() -> None:
    markup = (
        '<html><head><meta charset="iso-8859-1"></head><body><p>Müller — “ok”</p></body></html>'
    )
    assert extract(markup.encode("utf-8")).text == "Müller — “ok”"
    # A real Latin-1 declaration is read the browser way, as Windows-1252 (0x93/0x94 quotes).
    assert extract(markup.encode("cp1252")).text == "Müller — “ok”"


def test_xhtml_xml_declaration_and_multiline_heading() -> None:
    markup = (
        '<?xml version="1.0" encoding="windows-1251"?><html><body>'
        "<h1>Газ<br/>и нефть</h1><p>Москва и Пекин подписали соглашение.</p></body></html>"
    )
    ex = extract(markup.encode("cp1251"), "page.xhtml")
    assert ex.text == "Газ\nи нефть\n\nМосква и Пекин подписали соглашение."
    assert [s.title for s in ex.sections] == ["Газ и нефть"]


# --- hostile pages (issue #11): bounded work per file -------------------------------------------


def _html(markup: str) -> Callable[[], object]:
    raw = markup.encode()
    return lambda: read_html(Path("hostile.html"), raw)


def test_unclosed_tags_inside_nav_parse_in_linear_time() -> None:
    # Each stray end tag scanned the whole stack of unclosed tags being skipped (700 KB: 369 s).
    def work(n: int) -> Callable[[], object]:
        nav = "<b>menu " * n + "</i>" * n
        return _html(f"<html><body><nav>{nav}</nav><p>The real text of the page.</p></body>")

    assert growth_ratio(work, 5_000) < LINEAR_BOUND
    assert read_html(Path("x.html"), b"<nav>" + b"<b>x" * 50 + b"</i>" * 50 + b"</nav><p>Kept.</p>")


def test_unterminated_tags_at_the_end_parse_in_linear_time() -> None:
    # html.parser re-scanned to the end of the file from every "<" of an unterminated tag run
    # ("<a " x 20,000 took 84 s).
    def work(n: int) -> Callable[[], object]:
        return _html("<html><body><p>Some text here.</p>" + "<a " * n)

    assert growth_ratio(work, 1_000) < LINEAR_BOUND


@pytest.mark.parametrize(
    "tail", ["<a " * 3000, "<!-- " * 3000, "<![CDATA[ " * 3000, "</b " * 3000, "<!x " * 3000]
)
def test_unterminated_constructs_at_the_end_are_dropped_quickly(tail: str) -> None:
    extracted = read_html(Path("x.html"), f"<p>Body text stays.</p>{tail}".encode())
    assert extracted.text == "Body text stays."


def test_unterminated_tag_at_the_end_is_dropped_as_a_browser_does() -> None:
    extracted = read_html(Path("x.html"), b"<p>Hello world</p><p>tail <b")
    assert extracted.text == "Hello world\n\ntail"
    assert read_html(Path("x.html"), b"<p>a < b and c > d</p>").text == "a < b and c > d"


def test_a_page_past_the_time_budget_is_skipped_with_a_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from askcorpus.ingest.formats import html

    monkeypatch.setattr(html, "TIME_BUDGET", 0.0)
    with pytest.raises(UnreadableFile, match="took longer than"):
        read_html(Path("x.html"), b"<p>text</p>" * 2000)
