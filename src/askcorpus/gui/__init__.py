"""The PySide6 desktop window: a thin layer over the Qt-free core.

``app.run_app(settings)`` is the entry point. Heavy core modules (search, indexer, embedding with
torch) are imported only inside background workers, so the window appears at once.
"""
