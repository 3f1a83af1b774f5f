"""``make bench``: every benchmark in a fresh interpreter, then docs/benchmarks.md.

    python -m bench.run_all                   # everything (about an hour on 2 shared cores)
    python -m bench.run_all --only query,scale
    python -m bench.run_all --reuse           # keep results already in bench/out/
    python -m bench.run_all --report          # only rewrite docs/benchmarks.md
    BENCH_CONFIG='{"scifact_docs": 500}' python -m bench.run_all   # smaller runs

Each benchmark's JSON result (with its own time, commit and load average) lands in bench/out/;
a failing benchmark is reported and the others still run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from bench.common import OUT, ROOT, machine

# indexing first (it builds SciFact's index that query uses), e2e before incremental (its
# generated indexes are the base), the peers, the start-up and the window last.
ORDER = ["indexing", "query", "e2e", "incremental", "scale", "encoder", "peer", "startup", "window"]
OPTIONAL = ["formats"]  # benchmarks other modules contribute, when present


def main() -> int:
    """Run the chosen benchmarks, then write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    parser.add_argument("--skip", default="", help="comma-separated benchmark names")
    parser.add_argument("--reuse", action="store_true", help="keep existing results")
    parser.add_argument("--report", action="store_true", help="only write the report")
    args = parser.parse_args()
    names = ORDER + [n for n in OPTIONAL if (ROOT / "bench" / f"{n}.py").is_file()]
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    names = [n for n in names if n not in args.skip.split(",")]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "logs").mkdir(exist_ok=True)
    # Failures of earlier runs stay listed until their benchmark runs again (``--only``).
    known = OUT / "failures.json"
    failures = json.loads(known.read_text()) if known.is_file() else {}
    if not args.report:
        (OUT / "machine.json").write_text(json.dumps(machine(), indent=2))
        for name in names:
            if args.reuse and (OUT / f"{name}.json").is_file():
                print(f"bench: {name}: reusing bench/out/{name}.json", flush=True)
                continue
            print(f"bench: {name} ...", flush=True)
            failures.pop(name, None)
            t0 = time.perf_counter()
            with open(OUT / "logs" / f"{name}.log", "w") as log:
                code = subprocess.run(
                    [sys.executable, "-m", f"bench.{name}"],
                    cwd=ROOT,
                    env=dict(os.environ),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                ).returncode
            took = time.perf_counter() - t0
            print(f"bench: {name} {'ok' if code == 0 else 'FAILED'} in {took:.0f} s", flush=True)
            if code != 0:
                failures[name] = f"exit {code}, see bench/out/logs/{name}.log"
    known.write_text(json.dumps(failures, indent=2))
    from bench.report import write_report

    path = write_report()
    print(f"bench: wrote {path}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
