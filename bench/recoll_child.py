"""Run by bench.peer with the *system* python3 (``/usr/bin/python3 bench/recoll_child.py JOB OUT``):
Debian's python3-recoll is built for it, not for the project's venv. Opens the Recoll index of
the job's config folder in-process and times each question's search inside this process (warm:
a few questions asked first), k results, the question's words joined by OR (Recoll's default
is AND, which finds nothing for most long questions). No askcorpus import: stdlib + recoll only.
"""

from __future__ import annotations

import json
import re
import sys
import time

from recoll import recoll

WORD = re.compile(r"\w+", re.UNICODE)


def or_query(question: str) -> str:
    """The question's words joined by OR (one-letter words and duplicates dropped)."""
    words: list[str] = []
    for word in WORD.findall(question.lower()):
        if len(word) > 1 and word not in words:
            words.append(word)
    return " OR ".join(words)


def main() -> int:
    """Read the job, time the searches, write the result."""
    with open(sys.argv[1], encoding="utf-8") as fh:
        job = json.load(fh)
    db = recoll.connect(confdir=job["confdir"])
    k = int(job.get("k", 10))
    questions = job["questions"]

    def search(question: str) -> list[str]:
        query = db.query()
        query.execute(or_query(question), stemming=1)
        return [doc.filename for doc in query.fetchmany(k)]

    for question in questions[: job.get("warmup", 5)]:
        search(question)
    wall_ms: list[float] = []
    cpu_ms: list[float] = []
    hits: dict[str, list[str]] = {}
    for n, question in enumerate(questions[job.get("warmup", 5) :]):
        c0, t0 = time.process_time(), time.perf_counter()
        found = search(question)
        wall_ms.append((time.perf_counter() - t0) * 1000)
        cpu_ms.append((time.process_time() - c0) * 1000)
        hits[str(n)] = found
    result = {"wall_ms": wall_ms, "cpu_ms": cpu_ms, "hits": hits}
    with open(sys.argv[2], "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
