"""Chunking invariants (hypothesis) and passage shape on real text."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from askcorpus.chunking import chunk_document, chunk_spans, count_words, sentence_spans
from askcorpus.records import Document
from askcorpus.settings import ChunkingParams

PARAMS = ChunkingParams()
SHIPPED = Path(__file__).resolve().parents[1] / "corpus"


def doc(text: str) -> Document:
    return Document("d.txt", Path("d.txt"), "D", text, "h", len(text), 0.0)


words = st.sampled_from(
    ["alpha", "Beta.", "gamma,", "delta!", "Epsilon?", "U.S.", "zeta", "1.5", "“quote”", "eta."]
)
para = st.lists(words, min_size=1, max_size=400).map(" ".join)
separators = st.sampled_from(["\n\n", "\n", "\n \n\t", "\r\n\r\n", "  \n\n\n", "\u00a0\n\n"])
texts = st.lists(st.tuples(para, separators), min_size=1, max_size=8).map(
    lambda parts: "".join(p + s for p, s in parts)
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(texts, st.text(max_size=3000)))
def test_passages_are_exact_nonempty_and_cover_every_nonblank_char(text: str) -> None:
    passages = chunk_document(doc(text), PARAMS)
    covered = [False] * len(text)
    for p in passages:
        assert p.text == text[p.start : p.end]
        assert p.text.strip(), "empty passage"
        for i in range(p.start, p.end):
            covered[i] = True
    missing = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert missing == []


@settings(max_examples=80, deadline=None)
@given(texts)
def test_passages_are_in_order_and_overlap_only_within_a_split_paragraph(text: str) -> None:
    spans = chunk_spans(text, PARAMS)
    for (a1, b1, p1), (a2, b2, p2) in zip(spans, spans[1:], strict=False):
        assert a1 < a2 and b1 <= b2
        if a2 < b1:  # overlapping windows come from one long paragraph
            assert p1 == p2


def test_long_paragraph_is_split_at_sentences_with_overlap() -> None:
    sentences = [
        f"Sentence number {i} talks about topic {i} at some length here." for i in range(60)
    ]
    text = " ".join(sentences)
    spans = chunk_spans(text, PARAMS)
    assert len(spans) > 1
    for a, b, _ in spans:
        assert count_words(text[a:b]) <= PARAMS.max_words
        assert text[a:b].startswith("Sentence") and text[a:b].endswith(".")
    assert spans[1][0] < spans[0][1], "consecutive windows of a split paragraph overlap"


def test_short_paragraphs_merge_and_headings_join_their_text() -> None:
    body = " ".join(["word"] * 150) + "."
    text = f"A Heading\n\n{body}\n\nAnother short one.\n\nAnd another."
    spans = chunk_spans(text, PARAMS)
    assert text[spans[0][0] : spans[0][1]].startswith("A Heading\n\nword")
    assert all(count_words(text[a:b]) >= PARAMS.min_words for a, b, _ in spans)


def test_sentence_spans_respect_abbreviations_and_footnotes() -> None:
    text = "The U.S. and Dr. Smith met in May.[1] Then talks began. “Really?” she asked."
    got = [text[a:b] for a, b in sentence_spans(text)]
    assert got == [
        "The U.S. and Dr. Smith met in May.[1]",
        "Then talks began.",
        "“Really?” she asked.",
    ]


def test_shipped_corpus_passages_are_reader_sized() -> None:
    for path in sorted(SHIPPED.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        passages = chunk_document(doc(text), PARAMS)
        sizes = [count_words(p.text) for p in passages]
        assert max(sizes) <= PARAMS.max_words + PARAMS.min_words, (path.name, sizes)
        assert sum(s < 30 for s in sizes) == 0, (path.name, sizes)


def test_passages_do_not_cross_page_starts() -> None:
    page1 = "First page opening words. " * 12
    page2 = "Second page answer sentence here. " * 12
    text = f"{page1.strip()}\n\n{page2.strip()}"
    doc2 = Document(
        "d.pdf", Path("d.pdf"), "D", text, "h", len(text), 0.0, page_starts=(0, len(page1) + 1)
    )
    passages = chunk_document(doc2, PARAMS)
    assert [p.page for p in passages] == [1, 2]
    assert passages[1].text.startswith("Second page")


def test_passage_opening_with_headings_takes_the_last_heading_as_section() -> None:
    from askcorpus.records import Section

    body = " ".join(["word"] * 130) + "."
    text = f"# Title\n\n## Intro\n\n{body}\n\n## Method\n\n{body}"
    sections = (
        Section(0, "Title"),
        Section(9, "Intro"),
        Section(text.index("## Method"), "Method"),
    )
    md = Document("d.md", Path("d.md"), "Title", text, "h", len(text), 0.0, sections=sections)
    passages = chunk_document(md, PARAMS)
    assert passages[0].section == "Intro" and passages[0].context == "Title — Intro"
    assert passages[-1].section == "Method"
