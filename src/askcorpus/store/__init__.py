"""Index storage: the seam (base.py) and its backends (local/: SQLite + FTS5 + FAISS)."""
