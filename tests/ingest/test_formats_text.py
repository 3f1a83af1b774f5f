"""Plain text and Markdown: encodings (legacy, UTF-16 with and without BOM, damaged UTF-8),
binary detection, Markdown headings as sections with their parents, front matter titles."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from askcorpus.ingest.documents import discover, load_document
from askcorpus.ingest.formats import UnreadableFile
from askcorpus.ingest.formats.encoding import decode_text
from askcorpus.ingest.formats.text import read_markdown, web_furniture_bounds
from askcorpus.settings import ChunkingParams
from askcorpus.text.chunking import chunk_document

SAMPLE = "Café déjà vu — “quoted” naïve text about Gazprom’s deal in 2014.\nSecond line.\n"


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-le", "utf-16-be"]
)
def test_encodings_are_decoded(encoding: str) -> None:
    assert decode_text(SAMPLE.encode(encoding)) == SAMPLE


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize(
    "text", ["Москва и Пекин, 2014.\n" * 20, "北京 2008 年奥运会。\n" * 30, "北京欢迎你。" * 40]
)
def test_utf16_without_bom_in_other_scripts(encoding: str, text: str) -> None:
    assert decode_text(text.encode(encoding)) == text


def test_16_bit_binary_data_is_not_taken_for_utf16() -> None:
    import random
    import struct

    rng = random.Random(0)
    samples = b"".join(struct.pack("<H", rng.randrange(0, 2000)) for _ in range(3000))
    with pytest.raises(UnreadableFile, match="binary"):
        decode_text(samples)


CHINESE_WITH_4E00 = (
    "一个人在北京工作了一年。他说：“一切都好。”\n"
    "第一章 2024 年 3 月 1 日，天气晴。我们一起去了上海。\n"
)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("repeat", [1, 40, 400])
def test_utf16_without_bom_holding_u4e00_is_text(encoding: str, repeat: int) -> None:
    # U+4E00 "一" is 00 4E in UTF-16-LE: NUL bytes on both sides of the pairs once the text
    # also holds ASCII digits and spaces, which was taken for binary.
    text = CHINESE_WITH_4E00 * repeat
    assert decode_text(text.encode(encoding)) == text


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_english_is_not_read_as_chinese(encoding: str) -> None:
    text = "Plain English words, read in the right byte order.\n" * 20
    assert decode_text(text.encode(encoding)) == text


def _png(width: int = 64, height: int = 64) -> bytes:
    import random
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rng = random.Random(7)
    rows = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _elf() -> bytes:
    raw = Path("/bin/true").read_bytes()[:20_000]
    return raw[: len(raw) // 2 * 2]  # even length, as UTF-16 would need


@pytest.mark.parametrize("make", [_png, _elf], ids=["png", "elf"])
def test_real_binaries_are_still_refused(make: Callable[[], bytes]) -> None:
    raw = make()
    assert b"\x00" in raw[:8192]
    with pytest.raises(UnreadableFile, match="binary"):
        decode_text(raw)


def test_random_bytes_are_never_taken_for_utf16() -> None:
    import random

    rng = random.Random(3)
    for size in (64, 1000, 9000):
        for _ in range(30):
            raw = rng.randbytes(size)
            if b"\x00" not in raw[:8192]:
                raw = b"\x00\x00" + raw
            with pytest.raises(UnreadableFile):
                decode_text(raw)


def test_latin1_text_is_decoded() -> None:
    text = "Ångström à la française, señor Müller: ½ × ¾ ± ¼.\n" * 3
    assert decode_text(text.encode("latin-1")) == text


def test_utf8_with_a_few_broken_bytes_stays_utf8() -> None:
    raw = ("Москва и Пекин — the deal. " * 5).encode("utf-8") + b"\xff\xfe\x80 tail"
    text = decode_text(raw)
    assert text.startswith("Москва и Пекин — the deal.")
    assert text.endswith(" tail") and "\ufffd" in text


def test_binary_is_refused() -> None:
    with pytest.raises(UnreadableFile, match="binary"):
        decode_text(bytes(range(256)) * 40)


def test_markdown_sections_carry_parent_headings() -> None:
    md = (
        "# Field Guide\n\nIntro.\n\n## Install\n\nGeneral steps.\n\n### Linux\n\n"
        "apt-get it.\n\n```sh\n# not a heading\n```\n\n## Use\n\nRun it.\n\n"
        "Setext Heading\n--------------\n\nBody.\n"
    )
    ex = read_markdown(Path("g.md"), md.encode())
    assert ex.title == "Field Guide"
    assert [s.title for s in ex.sections] == [
        "Field Guide",
        "Install",
        "Install › Linux",
        "Use",
        "Setext Heading",
    ]
    for s in ex.sections:
        line = ex.text[s.start :].split("\n", 1)[0]
        assert s.title.split(" › ")[-1] in line


def test_markdown_front_matter_title_and_no_false_heading() -> None:
    md = '---\ntitle: "Notes on the Deal"\ntags: [gas]\n---\n\n# First Heading\n\nText.\n'
    ex = read_markdown(Path("n.md"), md.encode())
    assert ex.title == "Notes on the Deal"
    assert [s.title for s in ex.sections] == ["First Heading"]
    assert ex.text == md  # text unchanged, so offsets index the file


def test_markdown_passages_have_section_context(tmp_path: Path) -> None:
    intro = "This guide describes the routes that carry gas from Siberia to China. " * 3
    body = "The pipeline route crosses the Amur river near Blagoveshchensk. " * 2
    (tmp_path / "g.md").write_text(
        f"# Field Guide\n\n{intro}\n\n## Routes\n\n{intro}\n\n### Eastern\n\n{body}\n\n"
        "## Prices\n\nOil-linked.\n",
        encoding="utf-8",
    )
    entries, _ = discover(tmp_path)
    doc = load_document(entries[0], 10**8)
    passages = chunk_document(doc, ChunkingParams(target_words=10, max_words=30, min_words=2))
    eastern = next(p for p in passages if "Amur" in p.text)
    assert eastern.section == "Routes › Eastern"
    assert eastern.context == "Field Guide — Routes › Eastern"


def test_section_paths_leave_out_only_a_single_top_heading() -> None:
    from askcorpus.ingest.formats import heading_sections

    single = heading_sections([(0, 2, "Guide"), (10, 3, "Install"), (20, 4, "Linux")])
    assert [s.title for s in single] == ["Guide", "Install", "Install › Linux"]
    several = heading_sections([(0, 1, "Install"), (10, 2, "Linux"), (20, 1, "Use")])
    assert [s.title for s in several] == ["Install", "Install › Linux", "Use"]
    assert [s.start for s in several] == [0, 10, 20]


SAVED_PAGE = (
    "Skip to Main Content\n"
    "Have library access? Log in through your library\n"
    "\n"
    "The Gas Deal of 2014\n"
    "\n"
    "Gazprom and CNPC signed a $400 billion supply agreement in May 2014.\n"
    "\n"
    "Deliveries were due to start by 2018.\n"
    "\n"
    "\n"
    "Share this article\n"
    "Twitter\n"
    "Explore our related content\n"
)


def test_web_page_furniture_is_cut_from_both_ends_of_a_plain_text_file(tmp_path: Path) -> None:
    (tmp_path / "gas-deal.txt").write_text(SAVED_PAGE, encoding="utf-8")
    entries, _ = discover(tmp_path)
    doc = load_document(entries[0], 10**8)
    assert doc.text.lstrip().startswith("The Gas Deal of 2014\n")
    assert doc.text.rstrip().endswith("Deliveries were due to start by 2018.")
    assert "Skip to" not in doc.text and "Share this" not in doc.text and "Explore" not in doc.text
    assert doc.title == "The Gas Deal of 2014"
    # Blanked, not cut: offsets still index the file and its lines stay where they were.
    assert len(doc.text) == len(SAVED_PAGE)
    assert doc.text.splitlines()[3] == "The Gas Deal of 2014"
    passages = chunk_document(doc, ChunkingParams())
    assert passages and passages[0].text.startswith("The Gas Deal of 2014")
    for p in passages:
        assert doc.text[p.start : p.end] == p.text == SAVED_PAGE[p.start : p.end]


@pytest.mark.parametrize(
    "text",
    [
        "Home\n\nA poem about coming home.\n",  # a title that only may be furniture
        "Chocolate chip cookies\n\nMix the butter and sugar.\n",
        "How to log in to the VPN\n\nOpen the client.\n",
        "Menu\nSearch\nThe Report\n\nBody.\n",  # weak lines only: nothing certain to cut
        "Plain notes.\nSecond line.\n",
        "Skip to content\n\n",  # nothing but furniture: keep the file whole
    ],
)
def test_text_without_certain_furniture_is_kept_whole(text: str) -> None:
    assert web_furniture_bounds(text) == (0, len(text))


@pytest.mark.parametrize(
    "line",
    [
        "Skip to main content",
        "Sign in / Register",
        "Log in to your account",
        "Already have an account? Sign in",
        "We use cookies to improve your experience.",
        "Accept all cookies",
        "Back to top",
        "Home | News | Sport | Contact",
        "© 2024 Example Media Ltd. All rights reserved.",
        "Placeholder canvas",
        "Print this page",
    ],
)
def test_common_furniture_lines_are_cut(line: str) -> None:
    text = f"{line}\nA real title\n\nBody text of the page.\n"
    start, end = web_furniture_bounds(text)
    assert text[start:end] == "A real title\n\nBody text of the page.\n"


# --- legacy code pages of non-Latin and Central European text (issue #13 §4) ------------------

RUSSIAN = (
    "Москва - столица России, крупнейший по численности населения город страны. "
    "Город расположен на реке Москве в центре Восточно-Европейской равнины.\n"
    "Здесь находятся Кремль, Красная площадь и Большой театр. Зимой в Москве холодно, "
    "а летом бывает жарко; погода меняется быстро.\n"
)
RUSSIAN_CP1251 = (
    "«Война и мир» — роман Льва Николаевича Толстого, описывающий русское общество "
    "в эпоху войн против Наполеона в 1805—1812 годах. Ёлка стоит в углу.\n"
)
POLISH = (
    "Kraków jest jednym z najstarszych i największych miast w Polsce. "
    "Położony nad Wisłą, słynie z zabytków: Wawelu, Sukiennic i kościoła Mariackiego.\n"
    "Gród istniał już w X wieku; żółw i łódź to też słowa z ogonkami. Zażółć gęślą jaźń.\n"
)
CZECH = "Příliš žluťoučký kůň úpěl ďábelské ódy. Praha je hlavní město České republiky.\n"
SIMPLIFIED = (
    "北京是中华人民共和国的首都，也是全国的政治、文化中心。"
    "这座城市有三千多年的历史，拥有故宫、天坛和长城等名胜古迹。\n"
    "每年都有数以百万计的游客来这里参观！你去过北京吗？\n"
)
TRADITIONAL = (
    "臺北是臺灣最大的城市，也是政治、經濟與文化的中心。"
    "這座城市有許多歷史建築和博物館，例如國立故宮博物院。\n"
    "每年都有數以百萬計的遊客來這裡參觀！你去過臺北嗎？\n"
)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (RUSSIAN, "cp1251"),
        (RUSSIAN_CP1251, "cp1251"),
        (RUSSIAN, "koi8_r"),
        (RUSSIAN, "iso8859_5"),
        (RUSSIAN, "mac_cyrillic"),
        ("Привет, мир! Как дела? Всё хорошо.\n", "iso8859_5"),
        (POLISH, "iso8859_2"),
        (POLISH, "cp1250"),
        ("Zażółć gęślą jaźń. Łódź leży w centrum Polski, a Wrocław na zachodzie.\n", "iso8859_2"),
        (CZECH, "iso8859_2"),
        (CZECH, "cp1250"),
        (SIMPLIFIED, "gb18030"),
        (SIMPLIFIED, "gbk"),
        (TRADITIONAL, "big5"),
    ],
)
def test_legacy_code_pages_of_other_scripts_are_decoded(
    tmp_path: Path, text: str, encoding: str
) -> None:
    # A cp1252 preference was applied to every iso8859/mac guess: Russian in ISO-8859-5 came
    # out as "¼ÞáÚÒÐ", Polish in ISO-8859-2 as "Wis³¹".
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    assert decode_text(path.read_bytes()) == text
    entries, _ = discover(tmp_path)
    assert load_document(entries[0], 10**8).text == text


@pytest.mark.parametrize(
    "text",
    [
        SAMPLE,
        "Die Straße führt über die Brücke zum Schloß; „Grüße“ aus München – schön!\n",
        "L’été dernier, nous sommes allés à la mer — c’était génial, n’est-ce pas ? « Oui ».\n",
        "El niño comió piñata en la ciudad de Córdoba; ¿qué más? ¡Olé! Área de 5 km² aprox.\n",
        "Æsir og Ørsted: blåbærsyltetøy på smørbrød. Ça va, garçon? Très bien, merci.\n",
    ],
)
def test_western_cp1252_text_still_decodes_as_cp1252(text: str) -> None:
    assert decode_text(text.encode("cp1252")) == text


def test_shipped_corpus_saved_as_cp1252_decodes_unchanged() -> None:
    shipped = Path(__file__).resolve().parents[2] / "corpus"
    checked = 0
    for path in sorted(shipped.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        try:
            raw = text.encode("cp1252")
        except UnicodeEncodeError:
            continue
        assert decode_text(raw) == text, path.name
        checked += 1
    assert checked >= 3


@pytest.mark.parametrize(
    "text",
    [
        "Москве русское холодно, площадь а — в роман описывающий в на Зимой\n",
        "против Николаевича в в войн и в численности погода\n",
        "центре населения а\n",
    ],
)
def test_short_cp1251_text_misguessed_by_the_detector_is_still_cp1251(text: str) -> None:
    # charset-normalizer names mac_cyrillic or cp1125 for these: the cp1252 preference then
    # gave "Ìîñêâå", the guess itself "Ѕольшой"; cp1251 is the Cyrillic page tried first.
    assert decode_text(text.encode("cp1251")) == text
