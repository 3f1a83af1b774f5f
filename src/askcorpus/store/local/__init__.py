"""The embedded store: SQLite (documents, passages, FTS5, manifest) plus FAISS files."""
