"""The cyclic garbage collector paused while the window starts (:func:`pause`), resumed once the
model has loaded (:func:`resume`, called by the engine).

Start-up allocates hundreds of thousands of objects that live as long as the process: the
modules, classes and functions of Qt, numpy, FAISS, ONNX Runtime and askcorpus. Each time
enough of them have been allocated the collector walks them, finding nothing to free; side by
side that cost ~0.06 CPU-s of the ~1 s to the first answer (docs/benchmarks.md, "Cold start, session 6"). When
start-up is over they are moved out of the collector's way for good (``gc.freeze``), so later
collections walk only what is allocated afterwards. Reference counting frees memory as always
while the collector is paused; only garbage held in reference cycles waits for it (and a cycle
that is alive at ``resume`` and only later becomes garbage is never collected: start-up builds
no such structure that is thrown away).
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Pause the collector until :func:`resume` (once per process, at the window's start)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """End the pause begun by :func:`pause`, if any: freeze what start-up built, then collect
    as usual. A no-op when nothing was paused (tests, an app embedding the window)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
