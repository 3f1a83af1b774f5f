"""The CLI contract: JSON fields and offsets, JSON Lines batches, status, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from askcorpus.cli import main
from askcorpus.settings import Settings

from .conftest import write


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_ask_json_contract_offsets_index_the_file(
    shipped_index: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        "ask",
        "--index",
        str(shipped_index.index_dir),
        "--json",
        "--top-k",
        "4",
        "When was the gas deal signed?",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["query"] == "When was the gas deal signed?"
    assert [r["rank"] for r in data["results"]] == [1, 2, 3, 4]
    for r in data["results"]:
        assert {"rank", "score", "source", "title", "start", "end", "text"} <= set(r)
        assert r["location"] == f"¶ {r['paragraph']}" and r["page"] is None and r["ocr"] is False
        raw = (shipped_index.corpus_dir / r["source"]).read_text(encoding="utf-8")
        assert raw[r["start"] : r["end"]] == r["text"]
        lo, hi = r["highlight"]
        assert r["start"] <= lo < hi <= r["end"]
    assert data["results"][0]["source"] == "why-a-moscow-beijing-axis-is-unlikely.txt"
    assert "$400 billion gas supply agreement" in data["results"][0]["text"]
    scores = [r["score"] for r in data["results"]]
    assert scores == sorted(scores, reverse=True)


def test_ask_queries_file_gives_json_lines_in_order(
    shipped_index: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = ["What did Kissinger say about the alliance?", "", "Who wrote the EUISS report?"]
    qfile = write(tmp_path / "q.txt", "\n".join(questions) + "\n\n")
    code, out, err = run(
        capsys,
        "ask",
        "--index",
        str(shipped_index.index_dir),
        "--json",
        "--queries",
        str(qfile),
        "--top-k",
        "2",
    )
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["query"] for line in lines] == [q for q in questions if q]
    assert all(len(line["results"]) == 2 for line in lines)
    assert lines[0]["results"][0]["source"] == "clay-alliance.txt"


def test_ask_readable_output(shipped_index: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "ask",
        "--index",
        str(shipped_index.index_dir),
        "--top-k",
        "1",
        "Which ministers met in Moscow in April 2018?",
    )
    assert code == 0
    assert out.startswith("1. [")
    assert "toward-a-more-perfect-alliance.txt" in out and "¶" in out


def test_ask_json_highlights_the_first_n_hits(
    shipped_index: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    def ask(*extra: str) -> list[dict]:
        args = ("ask", "--index", str(shipped_index.index_dir), "--json", "--top-k", "14")
        code, out, err = run(capsys, *args, *extra, "When was the gas deal signed?")
        assert code == 0, err
        return json.loads(out)["results"]

    default, three, every = ask(), ask("--highlight", "3"), ask("--highlight", "14")
    assert len(every) == 14 and all(r["highlighted"] for r in every)
    assert [r["highlighted"] for r in default] == [i < 10 for i in range(14)]
    assert [r["highlighted"] for r in three] == [i < 3 for i in range(14)]
    for r in three[3:]:
        assert r["highlight"] is None and r["matched_terms"] is None
    # Highlighted hits are the same whichever N; the others differ only by their highlight.
    assert three[:3] == every[:3] and default[:10] == every[:10]
    keys = ("rank", "score", "source", "start", "end", "text")
    assert [[r[key] for key in keys] for r in three] == [[r[key] for key in keys] for r in every]
    with pytest.raises(SystemExit) as exc:
        main(["ask", "--highlight", "-1", "q"])
    assert exc.value.code == 2 and "--highlight must be 0 or more" in capsys.readouterr().err


def test_ask_readable_output_shows_every_hits_sentence(
    shipped_index: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "ask", "--index", str(shipped_index.index_dir), "--top-k", "14", "gas deal"
    )
    assert code == 0
    blocks = [b for b in out.split("\n\n") if b.strip()]
    assert len(blocks) == 14
    for block in blocks:
        header, sentence, *passage = block.splitlines()
        assert sentence.startswith("  » ") and len(sentence) > 10
        # The sentence is a piece of the passage printed under it.
        assert sentence[4:].split()[0] in " ".join(passage)


def test_status_reports_counts(shipped_index: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "status", "--index", str(shipped_index.index_dir), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["documents"] == 5 and data["passages"] == data["vectors"] > 20
    assert data["healthy"] is True
    assert data["manifest"]["model"] == "all-MiniLM-L6-v2" and data["manifest"]["dimension"] == 384
    code, out, _ = run(capsys, "status", "--index", str(shipped_index.index_dir))
    assert "documents: 5" in out and "health:    ok" in out


def test_missing_index_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "ask", "--index", str(tmp_path / "nope"), "anything")
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [
        f"askcorpus: no index at {tmp_path / 'nope'} — run `askcorpus index`"
    ]


def test_empty_corpus_fails_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "c").mkdir()
    code, _, err = run(
        capsys, "index", "--corpus", str(tmp_path / "c"), "--index", str(tmp_path / "i")
    )
    assert code == 1 and "no supported documents" in err and "Traceback" not in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["ask"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["ask", "--top-k", "0", "q"])
    assert exc.value.code == 2


def test_index_then_incremental_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], embedder: object
) -> None:
    write(tmp_path / "c" / "a.txt", "The treaty was signed in 2001 in Moscow by both leaders.")
    args = ("index", "--corpus", str(tmp_path / "c"), "--index", str(tmp_path / "i"))
    code, out, _ = run(capsys, *args)
    assert code == 0 and out.startswith("1 added, 0 changed, 0 removed, 0 unchanged — 1 passages")
    code, out, _ = run(capsys, *args)
    assert out.startswith("0 added, 0 changed, 0 removed, 1 unchanged — 0 passages")


def test_help_does_not_import_torch() -> None:
    code = (
        "import sys; from askcorpus.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules\n"
        "assert 'PySide6' not in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "index" in proc.stdout and "ask" in proc.stdout


def test_ask_imports_neither_qt_nor_torch(shipped_index: Settings) -> None:
    code = (
        "import sys; from askcorpus.cli import main\n"
        f"assert main(['ask', 'Why an alliance?', '--index', {str(shipped_index.index_dir)!r}]) == 0\n"
        "heavy = {'torch', 'transformers', 'PySide6', 'shiboken6'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
        "assert 'onnxruntime' in sys.modules  # it did answer, with the default encoder\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_python_dash_m_works(shipped_index: Settings) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "askcorpus", "status", "--index", str(shipped_index.index_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and "documents: 5" in proc.stdout


def test_version_names_the_model_and_the_encoder(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import askcorpus

    monkeypatch.delenv("ASKCORPUS_ENCODER", raising=False)
    monkeypatch.delenv("ASKCORPUS_MODEL_PATH", raising=False)
    code, out, _ = run(capsys, "--version")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"askcorpus {askcorpus.__version__}"
    assert "model:    all-MiniLM-L6-v2 (bundled)" in lines
    assert "encoder:  auto (onnx-int8 with ONNX Runtime, else torch)" in lines
    # make install adds the optional multilingual encoder: it is named, ready.
    assert lines[-1].startswith("multilingual: multilingual-e5-small, installed;")
    monkeypatch.setenv("ASKCORPUS_ENCODER", "torch")
    code, out, _ = run(capsys, "--version")
    assert code == 0 and "encoder:  torch (ASKCORPUS_ENCODER)" in out.splitlines()
    monkeypatch.setenv("ASKCORPUS_ENCODER", "nope")
    code, _, err = run(capsys, "--version")
    assert code == 1 and err.startswith("askcorpus: ASKCORPUS_ENCODER=")


def test_version_imports_nothing_heavy() -> None:
    code = (
        "import sys; from askcorpus.cli import main\n"
        "assert main(['--version']) == 0\n"
        "heavy = {'torch', 'onnxruntime', 'PySide6', 'faiss'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("askcorpus ")


def test_prepare_loads_the_fast_encoder_and_says_so() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "askcorpus", "prepare"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "encoder ready: onnx-int8-v3 (all-MiniLM-L6-v2, 384 dims)"


def test_the_entry_points_let_openblas_threads_sleep_unless_the_user_says(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both entry points (``askcorpus`` and ``askcorpus-gui``) set OpenBLAS's idle timeout
    before anything loads numpy (askcorpus.embed.native_env); a value the user set is kept."""
    from askcorpus.gui.app import main as gui_main

    monkeypatch.setenv("OPENBLAS_THREAD_TIMEOUT", "")  # restored (or removed) afterwards
    monkeypatch.delenv("OPENBLAS_THREAD_TIMEOUT")
    code, _, _ = run(capsys, "--version")
    assert code == 0 and os.environ["OPENBLAS_THREAD_TIMEOUT"] == "4"
    monkeypatch.delenv("OPENBLAS_THREAD_TIMEOUT")
    with pytest.raises(SystemExit):
        gui_main(["--help"])
    assert os.environ["OPENBLAS_THREAD_TIMEOUT"] == "4"
    monkeypatch.setenv("OPENBLAS_THREAD_TIMEOUT", "12")
    run(capsys, "--version")
    assert os.environ["OPENBLAS_THREAD_TIMEOUT"] == "12"
