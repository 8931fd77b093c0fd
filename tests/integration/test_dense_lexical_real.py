"""The search structures against reference implementations: FAISS (exact and IVF) against
numpy brute force, our BM25 accumulation against bm25s's own scoring."""

from __future__ import annotations

import numpy as np


def test_fast_embedder_agrees_with_plain_sentence_transformers(real_settings) -> None:  # type: ignore[no-untyped-def]
    """The int8 ONNX path (the default here) against fp32 torch: same passages, near-same vectors,
    the same token limit."""
    from assistant.embed.embedders import make_embedder
    from assistant.embed.torch_embedder import SentenceTransformerEmbedder

    settings = real_settings  # its exported model lives in the session's temporary index
    fast = make_embedder(settings.model, "int8", settings.models_dir)
    plain = SentenceTransformerEmbedder(settings.model, precision="fp32")
    texts = [
        "Kneel down on the ground and use a thick blanket as padding.",
        "Hold for 5-8 breaths.",
        "Parsvottanasana is such a great pose for people with tight hamstrings and low back pain.",
    ]
    a, b = fast.encode(texts), plain.encode(texts)
    assert a.shape == b.shape and np.all(np.sum(a * b, axis=1) > 0.98)
    long_text = "stretch " * 254
    assert fast.fits(long_text) == plain.fits(long_text) and fast.fits("stretch " * 300) is False
