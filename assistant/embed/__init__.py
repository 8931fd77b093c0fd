"""Sentence embeddings: the `Embedder` seam, its torch and int8 ONNX backends, the model's files."""
