"""Check a built bundle (``make bundle-check``): run it with a clean environment and time it.

``python packaging/check_bundle.py dist/askcorpus`` runs the bundle's ``askcorpus`` with nothing
but a minimal PATH and a new, empty HOME (as ``env -i`` would: no venv, no Python on the path
that the bundle could lean on, no configuration or model cache) and checks that

1. neither torch, transformers, sentence-transformers nor onnx is inside;
2. ``askcorpus --version`` works;
3. ``askcorpus index`` indexes a copy of the shipped corpus;
4. ``askcorpus ask --json`` answers a question with the right document first;
5. when OCR is inside, a PNG of typed text is read by OCR and found by ``ask``;
6. ``askcorpus`` with no command opens the window offscreen, which indexes its corpus.

It prints the bundle's size and how long each step took (the first answer is a new process
each time: start, load the model, search). Exit 0 when every check passed, 1 otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "When was the gas deal signed?"
EXPECTED_SOURCE = "why-a-moscow-beijing-axis-is-unlikely.txt"
#: Packages the bundle must not carry: the runtime does not need them (packaging/askcorpus.spec).
SCAN_TEXT = ("The lighthouse keeper counted 4812 seabirds", "on the northern cliffs last spring.")
SCAN_QUESTION = "How many seabirds did the lighthouse keeper count?"
FORBIDDEN = ("torch", "transformers", "sentence_transformers", "onnx", "scipy", "sympy")


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """What ``env -i HOME=home PATH=/usr/bin:/bin`` leaves, plus what Windows cannot start
    a process without."""
    env = {"HOME": str(home), "PATH": os.defpath if os.name != "nt" else os.environ["PATH"]}
    for name in ("SYSTEMROOT", "WINDIR", "TEMP", "TMP"):  # Windows only
        if name in os.environ:
            env[name] = os.environ[name]
    if os.name == "nt":
        env["USERPROFILE"] = str(home)
    env.update(extra)
    return env


def folder_mb(folder: Path) -> float:
    """Size of the files under ``folder`` in MB (10^6 bytes), symlinks not followed."""
    total = sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return total / 1e6


def forbidden_inside(bundle: Path) -> list[str]:
    """Top-level packages of FORBIDDEN found anywhere in the bundle."""
    found = set()
    for path in bundle.rglob("*"):
        package = path.is_dir() and path.name in FORBIDDEN
        if package or path.name.startswith(("libtorch", "torch_")):
            found.add(str(path.relative_to(bundle)))
    return sorted(found)


def write_scan(path: Path) -> None:
    """A PNG of typed text (what a scanned page is to the indexer), drawn with Pillow."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1400, 300), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=40)
    for row, line in enumerate(SCAN_TEXT):
        draw.text((40, 40 + row * 70), line, fill=0, font=font)
    image.save(path)


def run(exe: Path, args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    """Run the bundle; returns (seconds, stdout). Raises SystemExit on a non-zero exit."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(exe), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600
    )
    took = time.perf_counter() - started
    if done.returncode != 0:
        print(f"FAIL askcorpus {' '.join(args)}: exit {done.returncode}\n{done.stderr[-2000:]}")
        raise SystemExit(1)
    return took, done.stdout


def window_indexes(exe: Path, work: Path, env: dict[str, str], wait_s: float = 120) -> float:
    """Start the window on ``work/corpus`` offscreen; seconds until its index is written."""
    corpus = work / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(exe)], env=env, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        while time.perf_counter() - started < wait_s:
            if proc.poll() is not None:
                print(f"FAIL the window exited ({proc.returncode}):\n{proc.stderr.read()[-2000:]}")
                raise SystemExit(1)
            # vectors-0 is the empty index made first; generation 1 is the corpus, published.
            if any((work / "index").glob("vectors-[1-9]*.faiss*")):
                return time.perf_counter() - started
            time.sleep(0.2)
        print(f"FAIL the window wrote no index in {wait_s:.0f} s")
        raise SystemExit(1)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv: list[str]) -> int:
    """Check the bundle folder named by ``argv[0]`` (default dist/askcorpus)."""
    bundle = Path(argv[0] if argv else ROOT / "dist" / "askcorpus").resolve()
    exe = bundle / ("askcorpus.exe" if os.name == "nt" else "askcorpus")
    if not exe.is_file():
        print(f"no bundle at {bundle}: run `make bundle` first")
        return 1
    print(f"bundle {bundle}: {folder_mb(bundle):.0f} MB")
    bad = forbidden_inside(bundle)
    if bad:
        print(f"FAIL the bundle carries what the runtime does not need: {', '.join(bad)}")
        return 1
    print(f"ok: none of {', '.join(FORBIDDEN)} inside")
    with tempfile.TemporaryDirectory(prefix="askcorpus-bundle-") as tmp:
        work = Path(tmp)
        home = work / "home"
        home.mkdir()
        env = clean_env(home)
        took, out = run(exe, ["--version"], env, work)
        print(f"ok: --version in {took:.2f} s: {out.splitlines()[0]}")
        shutil.copytree(ROOT / "corpus", work / "c")
        ocr = any(bundle.rglob("rapidocr_onnxruntime"))
        if ocr:
            write_scan(work / "c" / "scan.png")
        took, _ = run(exe, ["index", "--corpus", "c", "--index", "i"], env, work)
        what = "the shipped corpus" + (" and a scanned PNG" if ocr else "")
        print(f"ok: index of {what} (first start, model cache empty) in {took:.1f} s")
        if ocr:
            _, out = run(exe, ["ask", "--index", "i", "--json", SCAN_QUESTION], env, work)
            best = json.loads(out)["results"][0]
            if best["source"] != "scan.png" or "4812" not in best["text"]:
                print(f"FAIL OCR: first result {best['source']}: {best['text'][:100]!r}")
                return 1
            print(f"ok: OCR inside: the scan read as {best['text'][:60]!r}")
        else:
            print("(no OCR in this bundle: built with ASKCORPUS_BUNDLE_OCR=0)")
        times = []
        for _ in range(3):
            took, out = run(exe, ["ask", "--index", "i", "--json", QUESTION], env, work)
            times.append(took)
            first = json.loads(out)["results"][0]["source"]
            if first != EXPECTED_SOURCE:
                print(f"FAIL ask: first result is {first}, expected {EXPECTED_SOURCE}")
                return 1
        print(
            f"ok: ask --json, right document first; first answer (new process) in "
            f"{times[0]:.2f} s, then {sorted(times)[1]:.2f} s (median of 3)"
        )
        gui = work / "gui"
        gui.mkdir()
        took = window_indexes(exe, gui, clean_env(home, QT_QPA_PLATFORM="offscreen"))
        print(f"ok: the window opened offscreen and indexed its corpus in {took:.1f} s")
    print("bundle check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
