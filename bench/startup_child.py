"""Launched by bench.startup as ``python -m bench.startup_child``: runs the real entry point
(``askcorpus.cli.main([])``, what ``python -m askcorpus`` does), prints when the window has been
shown and painted, and asks the first question through the window itself at that moment: the
question is put in the question field and asked as Enter asks it, so it queues behind the
window's own loading (index, model) exactly as a user's would. ``answer`` is printed when the
results list has painted the answer's rows (``ResultsList.resultsPainted``), then the window
quits. Times are seconds since the parent started this process.

``BENCH_EXIT_AT_ANSWER=1`` ends the process at the answer (for a profile of the launch up to
it, e.g. ``py-spy record -r 250 -f raw -s -- python -m bench.startup_child``).
``BENCH_CHILD_MODE=thread`` keeps the measure of sessions 4–5 instead: a thread of the child's
own loads a model, opens the index and searches beside the window's loading (not the user's
path; kept to compare with the old figures).
"""

from __future__ import annotations

import os
import sys
import threading
import time

T0 = float(os.environ["BENCH_T0"])
QUESTION = os.environ.get("BENCH_QUESTION", "what is the alliance about?")


def say(what: str) -> None:
    """One line the parent reads: ``<what> <seconds since launch> <CPU seconds so far>``; with
    ``BENCH_MODULES=FILE`` also the modules imported by then, into ``FILE.<what>``."""
    print(f"{what} {time.time() - T0:.3f} {time.process_time():.3f}", flush=True)
    if os.environ.get("BENCH_MODULES"):
        with open(f"{os.environ['BENCH_MODULES']}.{what}", "w") as out:
            out.write("\n".join(sorted(sys.modules)))


def _thread_answer(settings: object, done: threading.Event) -> None:
    from askcorpus.embed.embedder import Embedder
    from askcorpus.search.index import Index

    embedder = Embedder(settings)  # type: ignore[arg-type]
    embedder.load()
    index = Index.open(None, settings, embedder)  # type: ignore[arg-type]
    index.search(QUESTION)
    index.close()
    say("answer")
    done.set()


def main() -> int:
    """Patch show_window to report and ask, then run the CLI's default (window) path."""
    say("python")
    import askcorpus.gui.app as app_module

    original = app_module.show_window
    mode = os.environ.get("BENCH_CHILD_MODE", "window")

    def show_window(settings: object, *args: object, **kwargs: object) -> object:
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        window = original(settings, *args, **kwargs)  # type: ignore[arg-type]
        say("window")
        if mode == "thread":
            done = threading.Event()
            threading.Thread(target=_thread_answer, args=(settings, done), daemon=True).start()

            def maybe_quit() -> None:
                if done.is_set():
                    QApplication.quit()

            timer = QTimer(window)  # type: ignore[arg-type]
            timer.timeout.connect(maybe_quit)
            timer.start(50)
            return window

        def answered() -> None:
            say("answer")
            if os.environ.get("BENCH_EXIT_AT_ANSWER"):  # a profile of the launch up to here
                os._exit(0)
            QTimer.singleShot(0, QApplication.quit)

        def failed(*exc: object) -> None:
            print(f"failed {exc!r}", file=sys.stderr, flush=True)
            QTimer.singleShot(0, QApplication.quit)

        engine = window.engine  # type: ignore[attr-defined]
        # The answer is on screen once the results list has painted its new rows.
        window.parts.results.view.resultsPainted.connect(answered)  # type: ignore[attr-defined]
        engine.searchDone.connect(lambda _result: say("searched"))
        engine.searchFailed.connect(failed)
        engine.openFailed.connect(failed)
        engine.modelFailed.connect(failed)

        def ask() -> None:  # once the window's start() has run: the question queues behind it
            window.parts.question_edit.setText(QUESTION)  # type: ignore[attr-defined]
            window.reading.ask_from_field()  # type: ignore[attr-defined]

        QTimer.singleShot(0, ask)
        return window

    app_module.show_window = show_window
    from askcorpus.cli import main as cli_main

    return cli_main([])


if __name__ == "__main__":
    sys.exit(main())
