"""Launched by bench.startup as ``python -m bench.startup_child``: runs the real entry point
(``askcorpus.cli.main([])``, what ``python -m askcorpus`` does), prints when the window has been
shown and painted, and, in a background thread started at that moment (as the window's own
workers do), when the first answer could be shown: model loaded, index opened, one search done.
Then it quits the window. Times are seconds since the parent started this process.
"""

from __future__ import annotations

import os
import sys
import threading
import time

T0 = float(os.environ["BENCH_T0"])


def say(what: str) -> None:
    """One line the parent reads: ``<what> <seconds since launch> <CPU seconds so far>``."""
    print(f"{what} {time.time() - T0:.3f} {time.process_time():.3f}", flush=True)


def main() -> int:
    """Patch show_window to report, then run the CLI's default (window) path."""
    say("python")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    import askcorpus.gui.app as app_module

    original = app_module.show_window
    done = threading.Event()

    def first_answer(settings: object) -> None:
        from askcorpus.embed.embedder import Embedder
        from askcorpus.search.index import Index

        embedder = Embedder(settings)  # type: ignore[arg-type]
        embedder.load()
        index = Index.open(None, settings, embedder)  # type: ignore[arg-type]
        index.search(os.environ.get("BENCH_QUESTION", "what is the alliance about?"))
        index.close()
        say("answer")
        done.set()

    def show_window(settings: object, *args: object, **kwargs: object) -> object:
        window = original(settings, *args, **kwargs)  # type: ignore[arg-type]
        say("window")
        threading.Thread(target=first_answer, args=(settings,), daemon=True).start()

        def maybe_quit() -> None:
            if done.is_set():
                QApplication.quit()

        timer = QTimer(window)  # type: ignore[arg-type]
        timer.timeout.connect(maybe_quit)
        timer.start(50)
        return window

    app_module.show_window = show_window
    from askcorpus.cli import main as cli_main

    return cli_main([])


if __name__ == "__main__":
    sys.exit(main())
