"""Chunking invariants (hypothesis) and passage shape on real text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from askcorpus.records import Document
from askcorpus.settings import ChunkingParams
from askcorpus.text.chunking import (
    chunk_document,
    chunk_spans,
    count_words,
    max_chars,
    sentence_spans,
)
from askcorpus.text.sentences import paragraph_spans

from ..scaling import LINEAR_BOUND, growth_ratio

PARAMS = ChunkingParams()
SHIPPED = Path(__file__).resolve().parents[2] / "corpus"


def doc(text: str) -> Document:
    return Document("d.txt", Path("d.txt"), "D", text, "h", len(text), 0.0)


words = st.sampled_from(
    ["alpha", "Beta.", "gamma,", "delta!", "Epsilon?", "U.S.", "zeta", "1.5", "“quote”", "eta."]
)
para = st.lists(words, min_size=1, max_size=400).map(" ".join)
separators = st.sampled_from(["\n\n", "\n", "\n \n\t", "\r\n\r\n", "  \n\n\n", "\u00a0\n\n"])
# Chinese and Japanese: no spaces, sentences ending at 。！？ (issue #13 §4).
cjk_sentences = st.sampled_from(
    ["北京是中国的首都。", "你去过长城吗？", "去过！", "他说：“好。”", "东京は日本の首都です。"]
    + ["中俄两国签署了协议，总价值约四千亿美元；", "Google 在北京", "2014 年", "「はい」と言った。"]
)
cjk_para = st.lists(cjk_sentences, min_size=1, max_size=300).map("".join)
texts = st.lists(st.tuples(st.one_of(para, cjk_para), separators), min_size=1, max_size=8).map(
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
    paragraphs = paragraph_spans(text)
    for (a1, b1, _p1), (a2, b2, p2) in zip(spans, spans[1:], strict=False):
        assert a1 < a2 and b1 <= b2
        if a2 < b1:  # overlapping windows come from one long paragraph
            # (the first window may carry a short paragraph glued on before it, and its number)
            start, end = paragraphs[p2 - 1]
            assert start <= a2 and b1 <= end


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


# --- hostile inputs (issue #11): linear work, bounded passages ---------------------------------

SMALL = ChunkingParams(target_words=3, max_words=5, min_words=1)  # max_chars(SMALL) == 100
no_space = st.text(st.characters(blacklist_categories=("Zs", "Cc")), min_size=1, max_size=400)
cjk = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80), min_size=1, max_size=300)
# Repeating a short piece makes the long runs without spaces hypothesis rarely draws itself.
long_runs = st.tuples(st.one_of(no_space, cjk), st.integers(1, 40)).map(lambda t: t[0] * t[1])
hostile = st.lists(
    st.one_of(no_space, cjk, long_runs, words, separators), min_size=1, max_size=30
).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.one_of(hostile, texts), st.sampled_from([PARAMS, SMALL]))
def test_passages_never_exceed_the_character_limit_and_keep_the_contract(
    text: str, params: ChunkingParams
) -> None:
    passages = chunk_document(doc(text), params)
    covered = [False] * len(text)
    for p in passages:
        assert p.text == text[p.start : p.end]
        assert p.text.strip(), "empty passage"
        assert len(p.text) <= max_chars(params), (len(p.text), max_chars(params))
        for i in range(p.start, p.end):
            covered[i] = True
    assert [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]] == []
    spans = chunk_spans(text, params)
    for (a1, b1, _p1), (a2, b2, _p2) in zip(spans, spans[1:], strict=False):
        assert a1 < a2 and b1 <= b2


def test_a_huge_single_token_becomes_bounded_passages() -> None:
    token = "x" * 1_000_000  # stands for the 30 MB token that became one 30 MB passage
    text = f"Intro words here.\n\n{token}\n\nClosing words."
    passages = chunk_document(doc(text), PARAMS)
    assert max(len(p.text) for p in passages) <= max_chars(PARAMS)
    assert sum(len(p.text) for p in passages if set(p.text) == {"x"}) == len(token)
    assert all(p.text == text[p.start : p.end] for p in passages)


def test_chinese_without_spaces_is_cut_after_its_punctuation() -> None:
    sentence = "北京是中国的首都，也是一座历史悠久的城市。"
    text = sentence * 1000  # one "word" of 21,000 characters
    passages = chunk_document(doc(text), PARAMS)
    assert len(passages) > 1
    assert all(len(p.text) <= max_chars(PARAMS) for p in passages)
    assert all(p.text.endswith(("。", "，")) for p in passages[:-1])


def test_ordinary_prose_never_meets_the_character_limit() -> None:
    for path in sorted(SHIPPED.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        longest = max(len(p.text) for p in chunk_document(doc(text), PARAMS))
        assert longest < max_chars(PARAMS) / 2, (path.name, longest)


def test_lines_without_sentence_ends_chunk_in_linear_time() -> None:
    # 5,000,000 lines of "ab" ran for 37 minutes: each window summed the words of all the rest.
    def work(n: int) -> Callable[[], object]:
        d = doc("ab\n" * n)
        return lambda: chunk_document(d, PARAMS)

    assert growth_ratio(work, 50_000) < LINEAR_BOUND


def test_hard_wrapped_caption_text_chunks_in_linear_time() -> None:
    # Wrapped lowercase lines without full stops merge into one growing sentence, which was
    # re-counted at every line (279 KB took 56.6 s).
    line = "the quick brown fox jumps over the lazy dog near the river bank\n"

    def work(n: int) -> Callable[[], object]:
        d = doc(line * (n // len(line)))
        return lambda: chunk_document(d, PARAMS)

    assert growth_ratio(work, 50_000) < LINEAR_BOUND


def test_wrapped_caption_text_is_chunked_like_punctuated_text() -> None:
    line = "the quick brown fox jumps over the lazy dog near the river bank\n"
    passages = chunk_document(doc(line * 2000), PARAMS)
    assert all(count_words(p.text) <= PARAMS.max_words for p in passages)
    assert min(count_words(p.text) for p in passages[:-1]) >= PARAMS.min_words
