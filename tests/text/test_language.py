"""Language detection per document: English, Russian, Chinese, German; too little text: None."""

from __future__ import annotations

from pathlib import Path

import pytest

from askcorpus.ingest.documents import discover, load_document
from askcorpus.text.language import detect_language

TEXTS = {
    "en": "The Power of Siberia pipeline carries gas from fields in Yakutia to the Chinese "
    "border. Construction began in the autumn of 2014 and the first deliveries arrived in 2019.",
    "ru": "Газопровод «Сила Сибири» доставляет газ с месторождений Якутии к границе с Китаем. "
    "Строительство началось осенью 2014 года, первые поставки пришли в декабре 2019 года.",
    "zh": "西伯利亚力量管道将天然气从雅库特的气田输送到中国边境。工程于二零一四年秋季开工，"
    "首批天然气于二零一九年十二月抵达。",
    "de": "Die Pipeline Kraft Sibiriens transportiert Gas aus den Feldern Jakutiens an die "
    "chinesische Grenze. Der Bau begann im Herbst 2014, die ersten Lieferungen kamen 2019 an.",
}


@pytest.mark.parametrize("language", sorted(TEXTS))
def test_each_language_is_recognised(language: str) -> None:
    assert detect_language(TEXTS[language]) == language


def test_too_little_text_gives_no_guess() -> None:
    assert detect_language("12 345 | 67.8") is None
    assert detect_language("Gazprom") is None
    assert detect_language("") is None


def test_a_long_document_is_judged_by_its_body_not_an_english_appendix() -> None:
    body = (TEXTS["ru"] + "\n\n") * 60
    appendix = "References: Journal of Energy Policy, volume 12, pages 1-20. " * 40
    assert detect_language(body + appendix) == "ru"


def test_the_loader_records_each_document_s_language(tmp_path: Path) -> None:
    for language, text in TEXTS.items():
        (tmp_path / f"{language}.txt").write_text(text + "\n", encoding="utf-8")
    (tmp_path / "numbers.csv").write_text("2019,12.5\n2020,14.1\n", encoding="utf-8")
    entries, _skipped = discover(tmp_path)
    found = {e.source: load_document(e, 1 << 20).language for e in entries}
    assert found == {
        "de.txt": "de",
        "en.txt": "en",
        "ru.txt": "ru",
        "zh.txt": "zh",
        "numbers.csv": None,
    }
