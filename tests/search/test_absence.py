"""'Not in this corpus', calibrated: the evidence, the logistic model, and what search reports."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from askcorpus.cli import print_result, result_json
from askcorpus.embed.embedder import Embedder
from askcorpus.indexer.update import update_index
from askcorpus.records import SearchResult
from askcorpus.search import absence
from askcorpus.search.index import CANDIDATES, Index
from askcorpus.settings import Settings
from askcorpus.text.query import clean_question
from askcorpus.text.terms import term_keys

from ..conftest import write


def test_fit_recovers_a_calibrated_logistic_model() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, len(absence.FEATURES)))
    true = np.zeros(len(absence.FEATURES))
    true[0], true[2] = 2.0, -1.0
    y = (rng.random(4000) < 1 / (1 + np.exp(-(x @ true)))).astype(float)
    model = absence.fit(x, y, l2=0.1)
    assert model.coef[0] > 1.5 and model.coef[2] < -0.7
    assert max(abs(c) for i, c in enumerate(model.coef) if i not in (0, 2)) < 0.2
    p = np.array([model.probability(absence.Evidence(tuple(v), ())) for v in x])
    for lo, hi in ((0.0, 0.2), (0.4, 0.6), (0.8, 1.0)):
        m = (p >= lo) & (p < hi)
        assert abs(p[m].mean() - y[m].mean()) < 0.06, (lo, hi)
    again = absence.Model.from_json(model.to_json())
    assert again.probability(absence.Evidence(tuple(x[0]), ())) == pytest.approx(p[0])


def test_shipped_model_matches_the_features() -> None:
    model = absence.default_model()
    assert len(model.coef) == len(absence.FEATURES)
    # More of the question's content in the best passages means more likely answered.
    assert model.coef[absence.FEATURES.index("cover_top")] > 0
    # So does one passage holding the question's key terms together.
    assert model.coef[absence.FEATURES.index("key_together")] > 0


def test_specificity_ranks_rare_words_above_common_ones() -> None:
    assert absence.specificity("tourists") > absence.specificity("people") > 0
    assert absence.specificity("Blagoveshchensk") > absence.specificity("tourists")
    assert absence.specificity("2019") == 1.0


def test_key_terms_count_only_when_one_passage_holds_them_together() -> None:
    question = "What position did Kazakhstan take on the invasion of Ukraine?"
    terms = ["position", "kazakhstan", "take", "invasion", "ukraine"]
    weights = np.array([max(absence.specificity(t), 0.05) for t in terms])
    member = term_keys("Kazakhstan is a member; its position is clear.")
    war = term_keys("The invasion of Ukraine took everyone by surprise.")
    both = term_keys("Kazakhstan kept quiet about the invasion of Ukraine.")
    split = absence.key_together(terms, weights, question, [member, war])
    assert 0.2 < split < 0.8  # each passage holds some of the key terms, none all of them
    # Common words are not key terms: a passage lacking "position" and "take" loses nothing.
    assert absence.key_together(terms, weights, question, [member, both]) == pytest.approx(1.0)
    # No key term at all (nothing specific to look for), or no passage.
    assert absence.key_together(["take"], weights[2:3], question, [set()]) == 1.0
    assert absence.key_together(terms, weights, question, []) == 0.0


def test_key_terms_scattered_over_the_corpus_are_not_an_answer(index: Index) -> None:
    def together(question: str) -> float:
        text, _note = clean_question(question)
        fused, vec = index.retrieve(text, CANDIDATES)
        assert vec is not None
        evidence = absence.gather(
            index.store, text, fused, index.stats().passages, vec, index.embedder.encode_query
        )
        return evidence.as_dict()["key_together"]

    # Every word occurs in the corpus, but "Kazakhstan" (the SCO's members) never with the
    # invasion of Ukraine; the answerable question finds its key terms in one passage.
    assert together("What position did Kazakhstan take on the Russian invasion of Ukraine?") < 0.7
    assert together("Which Central Asian states are members of the SCO?") == pytest.approx(1.0)


def test_on_topic_question_with_an_absent_subject_is_flagged(index: Index) -> None:
    asked = index.search("How long is the Amur River bridge between Blagoveshchensk and Heihe?", 3)
    answered = index.search("When is the Power of Siberia pipeline expected to be ready?", 3)
    assert {"blagoveshchensk", "heihe", "bridge"} <= set(asked.absent_terms)
    assert asked.answer_likely is False and len(asked.hits) == 3
    assert answered.answer_likely is True and answered.absent_terms == ("expected",)
    assert asked.answer_probability is not None and answered.answer_probability is not None
    assert asked.answer_probability < absence.THRESHOLD <= answered.answer_probability


def test_probability_is_reported_and_consistent(index: Index) -> None:
    for question in ("Why is a Moscow-Beijing axis unlikely?", "What causes the northern lights?"):
        result = index.search(question, 3)
        p = result.answer_probability
        assert p is not None and 0.0 <= p <= 1.0
        assert result.answer_likely == (p >= absence.THRESHOLD)
    keyword = index.search("Why is a Moscow-Beijing axis unlikely?", 3, "keyword")
    assert keyword.answer_probability is None and keyword.answer_likely is True


def test_the_default_calibration_decides_for_english_questions_of_english_documents() -> None:
    english = (("en", 5),)
    assert absence.defaults_apply("How many Chinese tourists visited Russia in 2019?", english)
    assert absence.defaults_apply("Qu'a dit Wang Yi à Moscou ?", (("en", 3), ("fr", 2)))
    assert not absence.defaults_apply("Когда открыли газопровод «Сила Сибири»?", english)
    assert not absence.defaults_apply("天然气管道何时开通？", english)
    assert not absence.defaults_apply("When did gas flow?", (("ru", 12), ("zh", 12)))
    assert absence.defaults_apply("When did gas flow?", ())  # an index from before detection


PIPELINE_EN = (
    "The Power of Siberia pipeline began delivering Russian gas to China in December 2019. "
    "Gazprom and CNPC had signed the thirty-year supply contract in May 2014, after a "
    "decade of talks about the price of the gas and the route of the pipeline."
)
PIPELINE_RU = (
    "Поставки по трубопроводу «Сила Сибири» начались в декабре 2019 года. В мае 2014 года "
    "«Газпром» и китайская корпорация CNPC подписали тридцатилетний контракт на поставку "
    "российского газа в Китай после десяти лет переговоров о цене и маршруте."
)


def _ask(
    tmp_path: Path, embedder: Embedder, files: dict[str, str], questions: list[tuple[str, str]]
) -> list[SearchResult]:
    """Index ``files`` (name to text) and ask each (question, mode), two hits each."""
    for name, text in files.items():
        write(tmp_path / "corpus" / name, text)
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    update_index(settings, embedder)
    index = Index.open(settings.index_dir, settings, embedder)
    try:
        return [index.search(q, 2, mode) for q, mode in questions]
    finally:
        index.close()


def test_a_russian_question_gets_no_probability_from_the_english_calibration(
    tmp_path: Path, embedder: Embedder
) -> None:
    # Its words' specificity is read from English text, and the fit saw only English: on
    # Russian questions of Russian documents it did no better than chance (docs/quality.md).
    russian, english = _ask(
        tmp_path,
        embedder,
        {"en.txt": PIPELINE_EN, "ru.txt": PIPELINE_RU},
        [
            ("Когда начались поставки газа по трубопроводу?", "hybrid"),
            ("When did the pipeline begin delivering gas?", "hybrid"),
        ],
    )
    assert russian.hits and russian.answer_probability is None and russian.answer_likely
    assert english.answer_probability is not None and english.answer_likely
    # The reader is told the check did not run, in the readable output and the JSON.
    assert russian.unjudged is not None and "English only" in russian.unjudged
    assert english.unjudged is None and "answer_unjudged" not in result_json(english)
    out = io.StringIO()
    print_result(russian, out)
    assert "not judged whether this corpus answers it" in out.getvalue()
    assert result_json(russian)["answer_unjudged"] == russian.unjudged


def test_an_english_question_of_russian_documents_is_told_why_it_is_not_judged(
    tmp_path: Path, embedder: Embedder
) -> None:
    question = "When did Gazprom and CNPC sign the contract?"
    result, keyword = _ask(
        tmp_path, embedder, {"ru.txt": PIPELINE_RU}, [(question, "hybrid"), (question, "keyword")]
    )
    assert result.hits and result.answer_probability is None
    assert result.unjudged is not None and "English documents only" in result.unjudged
    # Keyword-only search never judges, by the user's choice: nothing to explain.
    assert keyword.unjudged is None


def test_json_and_readable_output_explain_an_absence(index: Index) -> None:
    import io

    result = index.search("Which Chinese company bought a stake in Rosneft?", 3)
    data = json.loads(json.dumps(result_json(result)))
    assert data["answer_probability"] == result.answer_probability
    assert "rosneft" in data["absent_terms"]
    out = io.StringIO()
    print_result(result, out)
    shown = out.getvalue()
    assert "chance of an answer here: " in shown and "found nowhere in the corpus: " in shown
    assert "rosneft" in shown


def test_a_specific_word_found_nowhere_is_said_even_when_judged_answered(index: Index) -> None:
    import io

    def shown(question: str) -> str:
        out = io.StringIO()
        print_result(index.search(question, 3), out)
        return out.getvalue()

    # "tourists" is the thing asked and nowhere in the five articles: said, whatever the verdict.
    assert "found nowhere in the corpus: tourists" in shown(
        "How many Chinese tourists visited Russia in 2019?"
    )
    # "expected" is nowhere either, but it is a common word of the question: not worth a note.
    answered = "When is the Power of Siberia pipeline expected to be ready?"
    assert index.search(answered, 3).absent_terms == ("expected",)
    assert "found nowhere" not in shown(answered)
    assert absence.key_absent_terms("Who met Heihe officials?", ("heihe", "officials")) == (
        "heihe",
    )


def test_caveats_name_the_files_an_absence_may_hide_in(
    tmp_path: Path, embedder: Embedder, index: Index
) -> None:
    assert absence.caveats(index.store) == ()  # the shipped corpus: every file read
    corpus = tmp_path / "corpus"
    write(corpus / "good.txt", "Moscow and Beijing signed a gas deal in 2014.\n")
    (corpus / "junk.txt").write_bytes(b"\x00\x01\x02" * 100)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    update_index(settings, embedder)
    other = Index.open(settings.index_dir, settings, embedder)
    try:
        (caveat,) = absence.caveats(other.store)
        assert caveat.startswith("1 file could not be read (junk.txt; ") and "binary" in caveat
        # An absence carries them to the user; an answer does not.
        missing = other.search("How do I bake sourdough bread at home?")
        assert not missing.answer_likely and missing.caveats == (caveat,)
        assert result_json(missing)["caveats"] == [caveat]
        printed = io.StringIO()
        print_result(missing, printed)
        assert f"(note: {caveat})" in printed.getvalue()
        found = other.search("When did Moscow and Beijing sign the gas deal?")
        assert found.answer_likely and found.caveats == ()
    finally:
        other.close()


def test_caveats_count_what_the_rules_left_out(tmp_path: Path, embedder: Embedder) -> None:
    """Files and folders ``.askcorpusignore`` excluded are counted at each run, so an absence
    can say an answer may sit in them; once the rules let everything in, the caveat goes."""
    corpus = tmp_path / "corpus"
    write(corpus / "good.txt", "Moscow and Beijing signed a gas deal in 2014.\n")
    write(corpus / "secret.txt", "The treaty of friendship was renewed in 2021.\n")
    write(corpus / "drafts" / "a.txt", "A draft about oil prices.\n")
    write(corpus / "drafts" / "b.txt", "Another draft about grain.\n")
    write(corpus / ".askcorpusignore", "drafts/\nsecret.txt\n")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")

    def caveats_after_indexing() -> tuple[str, ...]:
        update_index(settings, embedder)
        index = Index.open(settings.index_dir, settings, embedder)
        try:
            return absence.caveats(index.store)
        finally:
            index.close()

    rules = "left out by your rules (.askcorpusignore)"
    assert caveats_after_indexing() == (f"1 file and 1 folder {rules}",)
    (corpus / ".askcorpusignore").write_text("drafts/\n")
    assert caveats_after_indexing() == (f"1 folder {rules}",)
    (corpus / ".askcorpusignore").unlink()
    assert caveats_after_indexing() == ()


# ``\bterm\b`` ignoring case, the rule the fast ASCII path must give exactly.
_ASCII = st.text(alphabet="aAbB_1 -'.,İ", max_size=30)


@settings(max_examples=300, deadline=None)
@given(_ASCII, st.text(alphabet="aAbB_1-'İ", min_size=1, max_size=4))
def test_whole_word_occurrences_are_those_of_the_pattern(question: str, term: str) -> None:
    pattern = rf"\b{re.escape(term)}\b"
    expected = [m.start() for m in re.finditer(pattern, question, re.IGNORECASE)]
    assert absence.occurrences(term, question) == expected


@settings(max_examples=100, deadline=None)
@given(
    st.text(alphabet="Ab Σς.İ\n天然", max_size=20), st.text(alphabet="Ab cΣ.İ!\n天", max_size=60)
)
def test_a_passage_s_keys_are_those_of_its_indexed_text(title: str, text: str) -> None:
    assert absence.passage_keys(title, text) == term_keys(f"{title}\n{text}")


def test_a_search_counts_terms_and_embeds_the_ablation_early_with_the_same_verdict(
    index: Index,
) -> None:
    for question in (
        "How long is the Amur River bridge between Blagoveshchensk and Heihe?",  # absent words
        "When is the Power of Siberia pipeline expected to be ready?",
        "Why is a Moscow-Beijing axis unlikely?",  # every word found
    ):
        result = index.search(question, 10)
        text = clean_question(question)[0]
        with index.store.snapshot():
            fused, vec = index.retrieve(text, CANDIDATES)
            assert vec is not None
            alone = absence.assess(index.store, text, fused, vec, index.embedder.encode_query)
        assert (result.answer_probability, result.absent_terms) == (
            alone.probability,
            alone.absent_terms,
        )
        counts = absence.count_terms(index.store, text)
        assert counts.absent == alone.absent_terms
        assert bool(counts.ablated) == bool(alone.absent_terms)
