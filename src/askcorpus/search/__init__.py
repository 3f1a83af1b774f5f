"""The search API: Index, retrieval, fusion, merging and highlighting."""
