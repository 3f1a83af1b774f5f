"""``askcorpus eval``: a tiny BEIR folder end to end, and labelled questions."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from askcorpus.cli import main
from askcorpus.embed.embedder import Embedder
from askcorpus.errors import IndexLockedError
from askcorpus.eval.beir import EvalDataError, build_index, corpus_file, load_set
from askcorpus.eval.command import run
from askcorpus.eval.run import Labelled, evaluate_questions, load_questions
from askcorpus.search.index import Index
from askcorpus.settings import Settings
from askcorpus.store.factory import locate

from ..conftest import write

DOCS = [
    ("d-volcano", "Volcanoes", "Magma rises through the crust and erupts as lava from a volcano."),
    ("d-bread", "Baking", "Sourdough bread needs a starter culture, flour, water and salt."),
    ("d-chess", "Chess", "The queen is the most powerful piece on the chess board."),
    ("d-bees", "Bees", "Honey bees communicate the location of flowers with a waggle dance."),
    ("q-bees", "", "Honey bees dance to tell the hive where flowers are."),
    ("d-orbit", "Orbits", "The Moon orbits the Earth roughly once every twenty-seven days."),
]
QUERIES = {
    "q-volcano": "How does lava come out of a volcano?",
    "q-bees": "How do bees tell each other where the flowers are?",
    "q-lost": "What is the rule for castling in chess?",
}
# q-bees's own id is a corpus id: it must be dropped from its results (ArguAna rule), so its
# best answer is d-bees at rank 1. q-lost's judged document is not in the corpus at all.
QRELS = [("q-volcano", "d-volcano", 1), ("q-bees", "d-bees", 1), ("q-lost", "d-missing", 1)]


def make_beir(folder: Path) -> Path:
    folder.mkdir(parents=True)
    lines = [json.dumps({"_id": i, "title": t, "text": x, "metadata": {}}) for i, t, x in DOCS]
    with gzip.open(folder / "corpus.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    write(
        folder / "queries.jsonl",
        "\n".join(json.dumps({"_id": q, "text": t}) for q, t in QUERIES.items()) + "\n",
    )
    rows = ["query-id\tcorpus-id\tscore", *(f"{q}\t{d}\t{s}" for q, d, s in QRELS)]
    write(folder / "qrels" / "test.tsv", "\r\n".join(rows) + "\r\n")
    return folder


def test_beir_folder_end_to_end(tmp_path: Path, embedder: Embedder) -> None:
    folder = make_beir(tmp_path / "tiny")
    settings = Settings()
    cache = tmp_path / "cache"
    rows = run(settings, embedder, beir=folder, modes=["hybrid", "dense"], cache=cache).rows
    for row in rows:
        assert row.queries == 3
        per = {
            q: {m: v[m] for m in ("ndcg@10", "recall@100", "mrr@10")}
            for q, v in row.per_query.items()
        }
        assert per["q-volcano"] == {"ndcg@10": 1.0, "recall@100": 1.0, "mrr@10": 1.0}
        assert per["q-bees"] == {"ndcg@10": 1.0, "recall@100": 1.0, "mrr@10": 1.0}
        assert per["q-lost"] == {"ndcg@10": 0.0, "recall@100": 0.0, "mrr@10": 0.0}
        assert row.per_query["q-volcano"]["answer_likely"] == 1.0
        assert row.metrics["ndcg@10"] == pytest.approx(2 / 3)
        assert row.metrics["mrr@10"] == pytest.approx(2 / 3)
    # Each BEIR document went through the user's chunking and store, and the index is cached.
    index = Index.open(cache, settings, embedder)
    try:
        assert index.stats().documents == len(DOCS)
        assert index.document("d-chess").title == "Chess"
    finally:
        index.close()
    assert build_index(folder, cache, settings, embedder) is False


def test_beir_answer_likely_is_the_one_search_reports(tmp_path: Path, embedder: Embedder) -> None:
    """The BEIR eval's answer_likely is search's verdict over the same candidates (the evidence
    of search.absence does not depend on how many hits are asked for, so top_k=1 agrees too)."""
    folder = make_beir(tmp_path / "tiny")
    questions = {"q-mixed": "bees queen salt", "q-volcano": QUERIES["q-volcano"]}
    write(
        folder / "queries.jsonl",
        "".join(json.dumps({"_id": q, "text": t}) + "\n" for q, t in questions.items()),
    )
    write(folder / "qrels" / "test.tsv", "q-mixed\td-bees\t1\nq-volcano\td-volcano\t1\n")
    settings = Settings(top_k=1)
    (row,) = run(settings, embedder, beir=folder, cache=tmp_path / "cache").rows
    index = Index.open(tmp_path / "cache", settings, embedder)
    try:
        for qid, text in questions.items():
            said = index.search(text, settings.top_k).answer_likely
            assert row.per_query[qid]["answer_likely"] == float(said), qid
    finally:
        index.close()
    assert row.per_query["q-volcano"]["answer_likely"] == 1.0


def test_beir_index_is_built_by_the_indexer_under_its_writer_lock(
    tmp_path: Path, embedder: Embedder
) -> None:
    """The benchmark index is written the way a user's is, under the writer lock: a rebuild
    while another writer holds it is refused before anything is removed, and the indexer's
    progress reports (embedding, with totals) reach the caller."""
    folder = make_beir(tmp_path / "tiny")
    cache = tmp_path / "cache"
    seen: list[tuple[str, int, int]] = []
    assert build_index(folder, cache, Settings(), embedder, lambda *a: seen.append(a)) is True
    assert seen and {phase for phase, _d, _t in seen} == {"embedding"}
    assert seen[-1][1] == seen[-1][2] > 0
    with locate(cache).lock(), pytest.raises(IndexLockedError):
        build_index(folder, cache, Settings(), embedder, rebuild=True)
    index = Index.open(cache, Settings(), embedder)
    try:
        assert index.stats().documents == len(DOCS)
    finally:
        index.close()


def test_beir_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(EvalDataError, match="corpus.jsonl"):
        corpus_file(tmp_path)
    with pytest.raises(EvalDataError, match="qrels"):
        load_set(tmp_path)
    folder = make_beir(tmp_path / "tiny")
    with pytest.raises(EvalDataError, match="qrels"):
        load_set(folder, "dev")


def test_labelled_questions_on_the_shipped_corpus(
    shipped_index: Settings, embedder: Embedder
) -> None:
    questions = [
        Labelled(
            "Where did Soviet and Chinese troops clash in 1969?",
            ("why-a-moscow-beijing-axis-is-unlikely.txt",),
            "Zhenbao Island",
        ),
        Labelled("Which think tank in London studied Chinese views of Russia?", answer="RUSI"),
        Labelled("Why is an axis of Moscow and Beijing unlikely?", ("no-such-file.txt",)),
        Labelled("What is the boiling point of mercury?", answerable=False),
    ]
    index = Index.open(shipped_index.index_dir, shipped_index, embedder)
    try:
        row = evaluate_questions(index, questions)
        said = [index.search(q.question, 10).answer_likely for q in questions]
    finally:
        index.close()
    assert row.queries == 4
    per = row.per_query
    assert per[questions[0].question]["hit@1"] == 1.0
    assert per[questions[1].question]["hit@5"] == 1.0
    assert per[questions[2].question] == {"hit@1": 0.0, "hit@5": 0.0, "mrr@10": 0.0}
    # The share of questions whose answer_likely matches their label (the off-topic one is
    # flagged; a paraphrased answerable one may not be kept: docs/quality.md).
    right = [s == q.answerable for s, q in zip(said, questions, strict=True)]
    assert row.metrics["answer_likely_acc"] == sum(right) / 4
    assert said[3] is False


def test_questions_file_format_errors(tmp_path: Path) -> None:
    bad = write(tmp_path / "q.jsonl", '{"question": "only a question"}\n')
    with pytest.raises(EvalDataError, match="line 1"):
        load_questions(bad)
    ok = write(
        tmp_path / "ok.jsonl",
        '{"question": "a?", "source": "x.txt"}\n\n{"question": "b?", "answerable": false}\n',
    )
    assert [q.answerable for q in load_questions(ok)] == [True, False]


def test_eval_command_prints_json(
    shipped_index: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = write(
        tmp_path / "q.jsonl",
        '{"question": "When will the Power of Siberia pipeline open?", "answer": "2019"}\n',
    )
    code = main(
        ["eval", "--index", str(shipped_index.index_dir), "--questions", str(questions), "--json"]
    )
    out = capsys.readouterr().out
    assert code == 0
    (row,) = json.loads(out)
    assert row["mode"] == "hybrid" and row["hit@5"] == 1.0 and row["queries"] == 1


def test_eval_command_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["eval"])
    assert exc.value.code == 2
