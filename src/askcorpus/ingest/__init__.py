"""Finding and reading documents: discovery, reading, and one format reader per module."""
