"""Sentence embeddings: the Embedder and its ONNX and torch encoders, and the export."""
