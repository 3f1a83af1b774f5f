#!/usr/bin/env bash
# `pip install .` as a user would: a clean clone, a new venv and an empty HOME (`env -i`: no
# venv on PATH, no configuration, no model cache), then askcorpus --version, prepare (the
# one-off ONNX export), index and ask --json from a folder outside the checkout, so the shipped
# corpus is not needed. Prints the time of each step and the venv's size (docs/install.md).
#
#   packaging/check_install.sh                       # pip's cache empty (HOME is new)
#   PIP_CACHE_DIR=~/.cache/pip packaging/check_install.sh   # warm: reuse a pip cache
#   PYTHON=/usr/bin/python3.11 packaging/check_install.sh   # default: python3 on /usr/bin:/bin
#
# The empty HOME has no pip configuration, so the caller's PIP_* variables and its user
# pip.conf are passed on (where the CPU torch wheel is found; without it, PyPI's Linux torch
# brings the CUDA libraries).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/askcorpus-install-XXXXXX")
PYTHON=${PYTHON:-python3}
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT

mkdir -p "$WORK/home" "$WORK/run"
git clone --quiet "$ROOT" "$WORK/src"
clean=(env -i "HOME=$WORK/home" "PATH=/usr/bin:/bin" "LANG=C.UTF-8")
while IFS='=' read -r name value; do
  clean+=("$name=$value")
done < <(env | grep '^PIP_' || true)
if [ -z "${PIP_CONFIG_FILE:-}" ] && [ -f "${HOME:-/nonexistent}/.config/pip/pip.conf" ]; then
  clean+=("PIP_CONFIG_FILE=$HOME/.config/pip/pip.conf")
fi

step() {  # step LABEL COMMAND...: run it in the clean environment, print its wall time
  local label=$1; shift
  local start end
  start=$(date +%s.%N)
  (cd "$WORK/run" && "${clean[@]}" "$@") > "$WORK/out" 2> "$WORK/err" || {
    echo "FAIL $label:"; tail -20 "$WORK/err"; exit 1; }
  end=$(date +%s.%N)
  printf '%-34s %6.1f s\n' "$label" "$(echo "$end - $start" | bc)"
}

V="$WORK/venv"
step "venv ($("${clean[@]}" "$PYTHON" --version))" "$PYTHON" -m venv "$V"
step "pip install --upgrade pip" "$V/bin/python" -m pip install --quiet --upgrade pip
step "pip install <clone>" "$V/bin/python" -m pip install --quiet "$WORK/src"
step "pip install --no-deps rapidocr" "$V/bin/python" -m pip install --quiet --no-deps \
  'rapidocr-onnxruntime>=1.3,<2'
printf '%-34s %6s MB\n' "venv size" "$(du -sm "$V" | cut -f1)"
step "askcorpus --version" "$V/bin/askcorpus" --version
head -1 "$WORK/out"
step "askcorpus prepare (ONNX export)" "$V/bin/askcorpus" prepare
cat "$WORK/out"
cp -r "$ROOT/corpus" "$WORK/run/docs"
step "askcorpus index" "$V/bin/askcorpus" index --corpus docs --index idx
step "askcorpus ask --json (new process)" "$V/bin/askcorpus" ask --index idx --json \
  "When was the gas deal signed?"
first=$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["source"])' \
  < "$WORK/out")
[ "$first" = "why-a-moscow-beijing-axis-is-unlikely.txt" ] || { echo "FAIL ask: $first"; exit 1; }
[ -x "$V/bin/askcorpus-gui" ] || { echo "FAIL: no askcorpus-gui"; exit 1; }
echo "install check passed (first answer: $first; askcorpus-gui installed)"
