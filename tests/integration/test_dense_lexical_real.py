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


def test_questions_for_a_bf16_index_are_encoded_without_torch_as_bf16_would(real_settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A bf16 index's questions go through the model unquantised in onnxruntime: the same
    vectors as torch in bf16 to four decimals, without loading torch into the chat."""
    import subprocess
    import sys

    from assistant.embed.embedders import query_embedder
    from assistant.embed.torch_embedder import SentenceTransformerEmbedder

    texts = ["how long do I hold pyramid pose?", "what if my feet hurt in Hero?", "Hold for 5-8 breaths."]
    fast = query_embedder(real_settings.model, "bf16", tmp_path)
    assert fast.precision == "fp32" and type(fast).__name__ == "OnnxEmbedder"
    bf16 = SentenceTransformerEmbedder(real_settings.model, precision="bf16")
    assert np.all(np.sum(fast.encode(texts) * bf16.encode(texts), axis=1) > 0.999)
    check = (
        "import sys; from pathlib import Path; from assistant.embed.embedders import query_embedder; "
        f"e = query_embedder({real_settings.model!r}, 'bf16', Path({str(tmp_path)!r})); e.encode_query('hero?'); "
        "print('torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "False", done.stderr[-500:]
