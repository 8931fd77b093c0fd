"""The reference embedding backend: sentence-transformers on torch, on the CPU, in fp32 or (on
CPUs with native bf16) bfloat16. Used for ``--precision fp32|bf16`` and wherever the ONNX
path cannot run (docs/benchmarks.md)."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import BUNDLED_MODEL
from assistant.embed.embedding import BatchEmbedder
from assistant.embed.model_files import resolve_model
from assistant.errors import ModelError


def cpu_supports_bf16() -> bool:
    """True on CPUs with native bf16 arithmetic (AVX-512 BF16 or AMX)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


class SentenceTransformerEmbedder(BatchEmbedder):
    """A sentence-transformers model on the CPU; bf16 where asked for and the CPU has it."""

    def __init__(self, name: str = BUNDLED_MODEL, *, precision: str = "auto", batch_size: int = 32) -> None:
        super().__init__()
        self.name = name
        self._precision = "bf16" if precision == "bf16" and cpu_supports_bf16() else "fp32"
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

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

    def _forward(self, texts: Sequence[str], *, alone: bool = True) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
        import torch

        model = self.model
        features = model.tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.max_tokens,
            return_tensors="pt",
            return_offsets_mapping=True,
        )
        offsets = features.pop("offset_mapping")
        with torch.inference_mode():
            out = model(dict(features))
        pooled = out["sentence_embedding"].float().cpu().numpy()
        tokens = out["token_embeddings"].float().cpu().numpy()
        return pooled, tokens, [o.numpy() for o in offsets]
