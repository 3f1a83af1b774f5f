"""Incremental indexing, opening an index for update, and index health."""
