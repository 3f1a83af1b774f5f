"""Language detection per document: English, Russian, Chinese, German; too little text: None."""

from __future__ import annotations

from pathlib import Path

import pytest

from askcorpus.ingest.documents import discover, load_document
from askcorpus.text import language as language_module
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


MULTILINGUAL = Path(__file__).resolve().parents[2] / "eval" / "multilingual" / "corpus"


@pytest.mark.parametrize("name", ["zh-04-shanghe.txt", "zh-11-heihe-qiao.txt"])
def test_mandarin_that_py3langid_calls_wu_is_chinese(name: str) -> None:
    """py3langid labels these two news texts ``wuu``; ``lang:zh`` must find them."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    text = (MULTILINGUAL / name).read_text(encoding="utf-8")
    raw, _ = LanguageIdentifier.from_model_file(MODEL_FILE).classify(language_module._sample(text))
    assert raw == "wuu"  # the case this folds (a newer model may stop making it)
    assert detect_language(text) == "zh"


def test_every_multilingual_test_document_is_in_the_language_its_name_says() -> None:
    found = {p.name: detect_language(p.read_text(encoding="utf-8")) for p in MULTILINGUAL.iterdir()}
    assert {n: c for n, c in found.items() if c != n[:2]} == {}


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


# -- the model read on demand from the cache folder (issue #18: memory and start-up) ---------

MORE = [
    "Ελληνικά κείμενα για τον έλεγχο της γλώσσας σε ένα έγγραφο.",
    "日本語の文章です。東京は日本の首都です。",
    "한국어 문장입니다. 서울은 한국의 수도입니다.",
    "Це українське речення про газопровід і кордон з Китаєм.",
    "Ceci est une phrase française sur le gazoduc et la frontière avec la Chine.",
    "Esta es una frase en español sobre el gasoducto y la frontera.",
    "نص عربي قصير للاختبار حول خط الأنابيب والحدود",
    "ABCDEFGHIJKLMNOP QRSTUV",
    "x" * 50,
    "",
]


@pytest.fixture
def fresh_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The module with no model loaded yet and its cache folder in ``tmp_path``."""
    monkeypatch.setattr(language_module, "_identifier", None)
    monkeypatch.setattr(language_module, "_cache_dir", tmp_path / "cache")
    return tmp_path / "cache" / "langid"


def test_answers_and_scores_are_py3langid_s_own(fresh_model: Path) -> None:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    reference = LanguageIdentifier.from_model_file(MODEL_FILE)
    body = (TEXTS["ru"] + "\n\n") * 60 + "References: Journal of Energy Policy. " * 40
    samples = [language_module._sample(t) for t in [*TEXTS.values(), *MORE, body]]
    on_demand = language_module._load()
    assert type(on_demand) is not LanguageIdentifier  # the cached, on-demand model
    assert [on_demand.classify(s) for s in samples] == [reference.classify(s) for s in samples]


def test_the_model_is_unpacked_once_into_the_cache_folder(fresh_model: Path) -> None:
    assert detect_language(TEXTS["de"]) == "de"
    (unpacked,) = fresh_model.glob("*.npz")
    stamp = unpacked.stat().st_mtime_ns
    language_module._identifier = None  # a second process
    assert detect_language(TEXTS["ru"]) == "ru"
    assert unpacked.stat().st_mtime_ns == stamp
    assert list(fresh_model.iterdir()) == [unpacked]  # no partial file left behind


def test_a_damaged_cache_file_is_unpacked_again(fresh_model: Path) -> None:
    assert detect_language(TEXTS["en"]) == "en"
    (unpacked,) = fresh_model.glob("*.npz")
    size = unpacked.stat().st_size
    with open(unpacked, "r+b") as f:
        f.truncate(size // 2)
    language_module._identifier = None
    assert detect_language(TEXTS["zh"]) == "zh"
    assert unpacked.stat().st_size == size


def test_an_unwritable_cache_folder_falls_back_to_the_model_in_memory(
    fresh_model: Path, tmp_path: Path
) -> None:
    (tmp_path / "cache").write_text("a file where the folder should be")
    assert detect_language(TEXTS["ru"]) == "ru"


_PEAK = """
import sys
from pathlib import Path
import numpy
from askcorpus.text import language
language.use_cache_dir(Path(sys.argv[1]))
def peak():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM"))
texts = sys.argv[2:]
before = peak()
for i in range(40):
    for t in texts:
        language.detect_language(t * (1 + i % 7))
print((peak() - before) // 1024)
"""


def test_detecting_languages_adds_little_to_a_process_s_peak_memory(tmp_path: Path) -> None:
    """py3langid's own loader adds ~105 MB to the peak (70 MB kept); the on-demand model a
    few MB, bounded by its caches."""
    import subprocess
    import sys

    texts = [*TEXTS.values(), *MORE[:7]]
    command = [sys.executable, "-c", _PEAK, str(tmp_path / "cache"), *texts]
    subprocess.run(command, check=True, capture_output=True)  # the first run unpacks the model
    grown_mb = int(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    assert grown_mb < 30


_RELEASE = """
import sys
from pathlib import Path
from askcorpus.text import language
language.use_cache_dir(Path(sys.argv[1]))
def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS"))
for i in range(30):
    for t in sys.argv[2:]:
        language.detect_language(" ".join(reversed(t.split())) * (1 + i % 5) + str(i))
model = language._load()
held = model.tk_nextmove._used * 1024 + len(model.nb_ptc._slots) * 284
del model
before = rss()
language.release()
print(held // 1024, (before - rss()))
"""


def test_releasing_the_model_gives_its_caches_back(tmp_path: Path) -> None:
    import subprocess
    import sys

    texts = [*TEXTS.values(), *MORE[:7]]
    command = [sys.executable, "-c", _RELEASE, str(tmp_path / "cache"), *texts]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    held_kb, freed_kb = map(int, out.split())
    assert held_kb > 500
    assert freed_kb > 0.8 * held_kb
