# askcorpus — `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: install install-desktop run index test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	# OCR engine without its GUI-opencv requirement (see pyproject.toml, dependencies).
	$(PY) -m pip install --quiet --no-deps 'rapidocr-onnxruntime>=1.3,<2'
	# Bytecode of the checkout now, so even the first launch reads it instead of compiling
	# (docs/benchmarks.md, session 8: ~0.2 s of a cold start).
	$(PY) -m compileall -q src
	# The one-off ONNX export of the model, now rather than at the first window launch.
	$(VENV)/bin/askcorpus prepare
	touch $(STAMP)

install: $(STAMP)

# Opens the window on the shipped corpus (it builds the index in the background if needed).
run: install
	$(VENV)/bin/askcorpus

# The system libraries the window needs on Debian/Ubuntu (README, Requirements): as root, or
# through sudo. `make run` does not call it: askcorpus names what is missing when it starts.
GUI_DEBS := libegl1 libgl1 libfontconfig1 libdbus-1-3 libglib2.0-0 libxkbcommon-x11-0 \
	libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 \
	libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxcb-xinerama0
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
.PHONY: system-deps
system-deps:
	$(SUDO) apt-get install -y $(GUI_DEBS)

# The menu entry and icon in ~/.local/share (Open With for folders); `askcorpus desktop-uninstall`
# removes them.
install-desktop: install
	$(VENV)/bin/askcorpus desktop-install

index: install
	$(VENV)/bin/askcorpus index

test: install
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python -m pytest -q

# Contracts (the folder list is the architecture), ruff and mypy; CI runs it with `make test`.
lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

# Benchmarks (about an hour on 2 cores); results in docs/benchmarks.md. BENCH_ARGS='--only query'.
bench: install
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	$(VENV)/bin/python -m bench.run_all $(BENCH_ARGS)

clean:
	rm -rf $(VENV) index/*.sqlite3* index/vectors-* index/writer.lock

# Retrieval quality (docs/quality.md): our labelled questions, then SciFact and ArguAna.
# BEIR corpora are indexed once into bench/out/eval/ and reused until chunking changes.
BENCHMARKS ?= ../shared/benchmarks
.PHONY: eval eval-beir
eval: install
	$(VENV)/bin/askcorpus index --corpus corpus --index bench/out/eval/shipped
	$(VENV)/bin/askcorpus eval --index bench/out/eval/shipped --questions eval/questions.jsonl --mode all
	$(VENV)/bin/askcorpus eval --index bench/out/eval/shipped --questions eval/questions-more.jsonl --mode all

eval-beir: install
	$(VENV)/bin/askcorpus eval --beir $(BENCHMARKS)/scifact --cache bench/out/eval/scifact --mode all
	$(VENV)/bin/askcorpus eval --beir $(BENCHMARKS)/arguana --cache bench/out/eval/arguana --mode all

# The standalone one-folder bundle dist/askcorpus/ (PyInstaller; no torch, the ONNX export
# inside) and its check with a clean environment (index, ask --json, the window offscreen).
# Minutes each on 2 cores, so not part of `make test`; sizes and times in docs/install.md.
# BUNDLE_OCR=0 leaves OCR and OpenCV out (170 MB less; scans are then skipped with a reason).
.PHONY: bundle bundle-check install-check
BUNDLE_OCR ?= 1
bundle: install
	$(PY) -m pip install --quiet -e '.[dev,bundle]'
	$(VENV)/bin/askcorpus prepare
	ASKCORPUS_BUNDLE_OCR=$(BUNDLE_OCR) $(VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath dist \
		--workpath build/pyinstaller packaging/askcorpus.spec

bundle-check: bundle
	$(PY) packaging/check_bundle.py dist/askcorpus

# `pip install .` into a new venv with an empty HOME, then --version, prepare, index and ask
# from outside the checkout (packaging/check_install.sh; several minutes: the whole download).
install-check:
	packaging/check_install.sh
