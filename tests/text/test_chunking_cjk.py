"""Chinese and Japanese text (issue #13 §4): sentences end at 。！？ without a following space,
sizes count each CJK character as a word, and text without CJK characters is cut exactly as by
the frozen copy of the old code (reference_chunking_v1.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from askcorpus.records import Document
from askcorpus.settings import ChunkingParams
from askcorpus.text.chunking import chunk_document, chunk_spans, max_chars
from askcorpus.text.sentences import count_words, paragraph_spans, sentence_spans

from ..scaling import LINEAR_BOUND, growth_ratio
from . import reference_chunking_v1 as v1

PARAMS = ChunkingParams()
SMALL = ChunkingParams(target_words=3, max_words=5, min_words=1)
SHIPPED = Path(__file__).resolve().parents[2] / "corpus"

CHINESE_SENTENCES = [
    "北京是中华人民共和国的首都，也是全国的政治、文化和国际交往中心。",
    "这座城市有三千多年的建城史和八百多年的建都史。",
    "故宫位于北京中轴线的中心，是明清两代的皇家宫殿，旧称紫禁城。",
    "每年都有数以百万计的游客来这里参观！",
    "你去过长城吗？",
    "中俄两国于二〇一四年签署了一项为期三十年的天然气供应协议，总价值约四千亿美元。",
    "他说：“这条管道将把西伯利亚的天然气输送到中国东北。”",
    "专家认为，这一合作既有经济上的考虑，也有地缘政治上的意义；但双方的互信仍然有限。",
    "西方国家对此表示关注。",
    "然而，也有学者指出，两国之间的贸易结构并不平衡，中国主要进口能源和原材料。",
]
JAPANESE = "東京は日本の首都です。人口は約千四百万人です！あなたは東京に行ったことがありますか？"


def doc(text: str) -> Document:
    return Document("d.txt", Path("d.txt"), "D", text, "h", len(text), 0.0)


def chinese(n: int) -> str:
    return "".join(CHINESE_SENTENCES[i % len(CHINESE_SENTENCES)] for i in range(n))


# --- sentences and sizes ------------------------------------------------------------------------


def test_chinese_sentences_end_at_full_stops_without_a_space() -> None:
    text = "北京是首都。你去过吗？去过！他说：“好。”然后走了。"
    got = [text[a:b] for a, b in sentence_spans(text)]
    assert got == ["北京是首都。", "你去过吗？", "去过！", "他说：“好。”", "然后走了。"]


def test_japanese_sentences_end_at_full_stops() -> None:
    got = [JAPANESE[a:b] for a, b in sentence_spans(JAPANESE)]
    assert got == [
        "東京は日本の首都です。",
        "人口は約千四百万人です！",
        "あなたは東京に行ったことがありますか？",
    ]


def test_each_cjk_character_counts_as_a_word() -> None:
    # all-MiniLM-L6-v2's tokenizer gives every CJK character (and 。，) a token of its own, as
    # English gives ~1.2 tokens a word: one character is the word-equivalent of the model.
    assert count_words("北京是首都。") == 6
    assert count_words("我在 Google 工作了 3 年。") == 9
    assert count_words("東京はとてもきれい") == 9
    assert count_words("plain English, two words") == 4


def test_a_chinese_paragraph_becomes_reader_sized_passages() -> None:
    text = chinese(120)  # one paragraph of ~3,800 characters, no spaces, no line breaks
    passages = chunk_document(doc(text), PARAMS)
    assert len(passages) >= 15
    for p in passages:
        assert count_words(p.text) <= PARAMS.max_words
        assert len(p.text) <= PARAMS.max_words
        assert p.text.endswith(("。", "！", "？", "”")), p.text
    assert min(count_words(p.text) for p in passages[:-1]) >= PARAMS.min_words


def test_a_chinese_document_of_short_paragraphs_merges_them_up_to_the_target() -> None:
    text = "\n\n".join(chinese(3 + i % 4) for i in range(40))
    passages = chunk_document(doc(text), PARAMS)
    sizes = [count_words(p.text) for p in passages]
    assert len(passages) > 5
    assert max(sizes) <= PARAMS.max_words + PARAMS.min_words
    assert sum(s < PARAMS.min_words for s in sizes) == 0


def test_mixed_chinese_and_english_text_is_cut_into_bounded_passages() -> None:
    english = "The pipeline crosses the Amur river near Blagoveshchensk. " * 3
    text = "\n\n".join(chinese(6) + english for _ in range(20))
    passages = chunk_document(doc(text), PARAMS)
    assert all(count_words(p.text) <= PARAMS.max_words + PARAMS.min_words for p in passages)
    assert all(p.text == text[p.start : p.end] for p in passages)


def test_chinese_without_full_stops_is_cut_after_its_commas() -> None:
    # A run-on text (a transcript, a chat log) ends no sentence: windows were cut at exactly
    # 120 characters, mid-word.
    text = chinese(40).replace("。", "，").replace("！", "，").replace("？", "，")
    passages = chunk_document(doc(text), PARAMS)
    assert len(passages) > 3
    assert all(count_words(p.text) <= PARAMS.max_words for p in passages)
    assert all(p.text.endswith(("，", "；", "：", "、", "”")) for p in passages[:-1]), [
        p.text[-3:] for p in passages
    ]


def test_chinese_chunks_in_linear_time() -> None:
    def work(n: int) -> Callable[[], object]:
        d = doc(chinese(n // 30))
        return lambda: chunk_document(d, PARAMS)

    assert growth_ratio(work, 30_000) < LINEAR_BOUND


def test_chinese_without_any_sentence_end_chunks_in_linear_time() -> None:
    def work(n: int) -> Callable[[], object]:
        d = doc(chinese(n // 30).replace("。", "，").replace("！", "，").replace("？", "，"))
        return lambda: chunk_document(d, PARAMS)

    assert growth_ratio(work, 30_000) < LINEAR_BOUND


# --- text without CJK characters: exactly as before ---------------------------------------------


def _same_as_v1(text: str, params: ChunkingParams) -> None:
    assert chunk_spans(text, params) == v1.chunk_spans(text, params)
    assert sentence_spans(text) == v1.sentence_spans(text)
    assert paragraph_spans(text) == v1.paragraph_spans(text)
    assert count_words(text) == v1.count_words(text)


def test_shipped_corpus_is_cut_exactly_as_before() -> None:
    paths = sorted(SHIPPED.glob("*.txt"))
    assert paths
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for params in (PARAMS, SMALL, ChunkingParams(target_words=60, max_words=90, min_words=20)):
            _same_as_v1(text, params)


english_words = st.sampled_from(
    ["alpha", "Beta.", "gamma,", "delta!", "Epsilon?", "U.S.", "Dr.", "1.5", "“quote”", "eta."]
    + ["Москва.", "Ñandú?", "naïve", "x" * 300, "end.[1]", "(Note.)", "…", "Zażółć!"]
)
english_separators = st.sampled_from([" ", " ", " ", "\n", "\n\n", "\r\n", "\n \n", "\u00a0"])
english = st.lists(st.tuples(english_words, english_separators), min_size=1, max_size=600).map(
    lambda parts: "".join(w + s for w, s in parts)
)
# Any text but the CJK blocks the new code treats differently.
non_cjk = st.text(
    st.characters(
        blacklist_characters="".join(chr(c) for c in range(0x3000, 0x3100))
        + "".join(chr(c) for c in range(0xFF00, 0xFFF0)),
        max_codepoint=0x2FFF,
    ),
    max_size=3000,
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(english, non_cjk), st.sampled_from([PARAMS, SMALL]))
def test_text_without_cjk_is_cut_exactly_as_before(text: str, params: ChunkingParams) -> None:
    _same_as_v1(text, params)


def test_long_english_sample_is_cut_exactly_as_before() -> None:
    import random

    rng = random.Random(13)
    vocab = [w for p in sorted(SHIPPED.glob("*.txt")) for w in p.read_text().split()]
    parts = []
    for _ in range(3000):
        parts.append(" ".join(rng.choice(vocab) for _ in range(rng.randint(1, 40))))
        parts.append(rng.choice([" ", "\n", "\n\n", ". ", "? ", "\n\n\n"]))
    text = "".join(parts)
    for params in (PARAMS, SMALL):
        _same_as_v1(text, params)
    assert max(len(text[a:b]) for a, b, _ in chunk_spans(text, PARAMS)) <= max_chars(PARAMS)


@settings(max_examples=300, deadline=None)
@given(st.one_of(english, non_cjk), st.integers(0, 3000), st.integers(0, 3000))
def test_sentences_of_any_slice_are_as_before(text: str, a: int, b: int) -> None:
    # A slice may start right after a sentence's full stop (the mark is then before it).
    start, end = min(a, b, len(text)), min(max(a, b), len(text))
    assert sentence_spans(text, start, end) == v1.sentence_spans(text, start, end)
    assert sentence_spans(text, start) == v1.sentence_spans(text, start)


def test_a_slice_starting_after_a_full_stop_cuts_where_the_old_splitter_did() -> None:
    text = 'He left.") Then she came. Dr. Who? Yes.'
    for start in range(len(text)):
        assert sentence_spans(text, start) == v1.sentence_spans(text, start), start
