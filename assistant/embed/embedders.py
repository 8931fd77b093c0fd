"""Choosing the embedding backend for a precision setting (docs/benchmarks.md has the figures)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.embed.embedding import Embedder, Spans
from assistant.embed.torch_embedder import SentenceTransformerEmbedder, cpu_supports_bf16
from assistant.errors import ModelError

log = logging.getLogger(__name__)


def make_embedder(model: str, precision: str, cache_dir: Path) -> Embedder:
    """The fastest embedder that keeps quality on this machine:

    - ``int8`` (and ``auto``): the model exported once to ONNX in ``cache_dir``, quantised per
      channel, run by onnxruntime: 2.9x plain sentence-transformers, cosine 0.993 to fp32;
    - ``bf16``: torch in bfloat16 on CPUs with native bf16 (2.0x, cosine 0.99997);
    - ``fp32``: plain torch, the reference; also where the others cannot run.

    Neither backend loads its model until first used.
    """
    if precision in ("auto", "int8"):
        try:
            from assistant.embed.onnx_embedder import OnnxEmbedder, export, onnx_path

            path = onnx_path(cache_dir, model)
            if not path.exists():
                export(model, path)
            return OnnxEmbedder(model, path)
        except ImportError:
            if precision == "int8":
                raise ModelError("int8 embedding needs onnxruntime and onnx; run 'make install'") from None
        except Exception as e:  # export can fail for architectures it does not know
            if precision == "int8":
                raise ModelError(
                    f"cannot export {model!r} to ONNX ({type(e).__name__}); use --precision fp32"
                ) from None
            log.warning("ONNX export of %s failed (%s); embedding with torch instead", model, type(e).__name__)
    torch_precision = "bf16" if precision == "bf16" or (precision == "auto" and cpu_supports_bf16()) else "fp32"
    return SentenceTransformerEmbedder(model, precision=torch_precision)


def query_embedder(model: str, index_precision: str, cache_dir: Path) -> Embedder:
    """What encodes questions for an index built at ``index_precision``: the same backend for
    int8; for a bf16 or fp32 index, the model unquantised in onnxruntime (fp32, cosine 0.99997
    to bf16) rather than torch, which costs the chat 4.9 s more to start and each question 6.2
    ms instead of 1.6 here. Exported once, at the build (``build`` asks for it)."""
    if index_precision in ("bf16", "fp32"):
        try:
            from assistant.embed.onnx_embedder import OnnxEmbedder, export, onnx_path

            path = onnx_path(cache_dir, model, "fp32")
            if not path.exists():
                export(model, path, quantise=False)
            return OnnxEmbedder(model, path, precision="fp32")
        except Exception as e:  # no onnxruntime, or a model it cannot export: torch, as built
            log.warning("questions for a %s index are encoded with torch (%s)", index_precision, type(e).__name__)
    return make_embedder(model, index_precision, cache_dir)


def query_precision(index_precision: str) -> str:
    """The precision :func:`query_embedder` encodes questions at for such an index."""
    return "fp32" if index_precision in ("bf16", "fp32") else index_precision


#: passages a build must embed before ``auto`` measures the backends: loading and timing both
#: costs about 4 s here, which bf16's 419 passages/s against int8's 266 (on a Xeon with AMX)
#: win back after ~3,000 (docs/benchmarks.md); a smaller build keeps int8
CHOOSE_FROM = 3000
#: how much faster bf16 must measure to be chosen: it brings torch into every later build
#: (4.9 s to load); where the two are about even (an EPYC without AMX: 175-194 against
#: 191-277 passages/s across runs) the timing of 96 passages would otherwise pick either
BF16_MARGIN = 1.25
#: passages each backend embeds to be timed (after a warm-up batch that loads it)
SAMPLE = 96


def fastest(
    make: Callable[[str], Embedder], texts: Sequence[str], spans: Sequence[Spans]
) -> tuple[Embedder, dict[str, float]]:
    """The faster at embedding ``texts`` of int8 (onnxruntime) and, on CPUs with native bf16,
    bf16 (torch; by BF16_MARGIN at least), each made by ``make(precision)``; with each one's
    passages per second."""
    speeds: dict[str, float] = {}
    embedders: dict[str, Embedder] = {}
    for precision in ("int8", "bf16") if cpu_supports_bf16() else ("int8",):
        try:
            embedder = make(precision)
            embedder.encode_passages(texts[:8], spans[:8])  # loads the model
        except ModelError:
            continue
        began = time.perf_counter()
        embedder.encode_passages(texts[:SAMPLE], spans[:SAMPLE])
        speeds[precision] = round(min(len(texts), SAMPLE) / max(time.perf_counter() - began, 1e-9), 1)
        embedders[precision] = embedder
    if not embedders:
        return make("fp32"), {}
    if "int8" in speeds and speeds.get("bf16", 0.0) < BF16_MARGIN * speeds["int8"]:
        return embedders["int8"], speeds
    return embedders[max(speeds, key=speeds.__getitem__)], speeds
