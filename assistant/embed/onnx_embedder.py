"""The fast embedding path: the model exported once to ONNX, int8-quantised per channel, run
with onnxruntime and the model's own fast tokenizer. No torch at query time, so the chat
starts in seconds; 2.9x the passages per second of plain sentence-transformers here, at
cosine 0.993 to its vectors (docs/benchmarks.md has the measurements).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embed.embedding import BatchEmbedder
from assistant.embed.model_files import model_signature, resolve_model
from assistant.errors import ModelError


def onnx_path(cache_dir: Path, model: str, precision: str = "int8") -> Path:
    return cache_dir / f"{model_signature(model)}-{precision}.onnx"


def export(model: str, target: Path, *, quantise: bool = True) -> Path:
    """Export the model's transformer to ONNX, quantised to int8 unless asked not to (needs
    torch, once)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(resolve_model(model), device="cpu")
    transformer: Any = st[0].auto_model
    transformer.eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    plain = target.with_suffix(f".{os.getpid()}.fp32.tmp")
    quantised = target.with_suffix(f".{os.getpid()}.tmp")
    sample = torch.ones(1, 8, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about code paths the encoder never takes
            torch.onnx.export(
                Encoder().eval(),
                (sample, sample, torch.zeros_like(sample)),
                str(plain),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["tokens"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "tokens": axes},
                opset_version=17,
                dynamo=False,
            )
            if not quantise:
                os.replace(plain, target)
                return target
            # the quantiser warns through the root logger, which would otherwise configure logging
            # for the whole process (every library's debug lines on stderr from then on)
            quiet = logging.NullHandler()
            logging.getLogger().addHandler(quiet)
            try:
                quantize_dynamic(str(plain), str(quantised), weight_type=QuantType.QInt8, per_channel=True)
            finally:
                logging.getLogger().removeHandler(quiet)
        os.replace(quantised, target)
    finally:
        plain.unlink(missing_ok=True)
        quantised.unlink(missing_ok=True)
    return target


class OnnxEmbedder(BatchEmbedder):
    """Same interface as ``SentenceTransformerEmbedder``; mean or CLS pooling as the model says."""

    def __init__(self, name: str, model_file: Path, *, batch_size: int = 32, precision: str = "int8") -> None:
        super().__init__()
        self.name = name
        self._precision = precision  # of the exported file: int8, or fp32 unquantised
        self.model_file = model_file
        self.batch_size = batch_size
        self.workers = max(1, os.cpu_count() or 1)
        folder = Path(resolve_model(name))
        config = _read_json(folder / "sentence_bert_config.json")
        pooling = _read_json(folder / "1_Pooling" / "config.json")
        self.max_tokens = int(config.get("max_seq_length", 256))
        self._cls = bool(pooling.get("pooling_mode_cls_token")) and not pooling.get("pooling_mode_mean_tokens")
        self._dim = int(pooling.get("word_embedding_dimension", 0))
        self._folder = folder
        self._session: Any = None
        self._single: Any = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[Any, Any, Any]:
        with self._lock:
            if self._session is None:
                from tokenizers import Tokenizer

                session = self._session_with(max(1, os.cpu_count() or 1))
                batch = Tokenizer.from_file(str(self._folder / "tokenizer.json"))
                batch.enable_truncation(self.max_tokens)
                batch.enable_padding()
                whole = Tokenizer.from_file(str(self._folder / "tokenizer.json"))
                whole.no_truncation()
                whole.no_padding()
                self._session, self._tokenizer, self._counter = session, batch, whole
            return self._session, self._tokenizer, self._counter

    def _session_with(self, threads: int) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            return ort.InferenceSession(str(self.model_file), options, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own types for a missing or bad file
            raise ModelError(
                f"cannot load {self.model_file} ({type(e).__name__}); run 'yoga-assistant build --force'"
            ) from None

    def _one_thread(self) -> Any:
        """A session running each batch on one thread, for a build's batches run side by side
        (onnxruntime runs one session from several threads at once)."""
        with self._lock:
            if self._single is None:
                self._single = self._session_with(1)
            return self._single

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def precision(self) -> str:
        return self._precision

    def fits(self, text: str) -> bool:
        return len(self._load()[2].encode(text).ids) <= self.max_tokens

    def _forward(self, texts: Sequence[str], *, alone: bool = True) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
        session, tokenizer, _ = self._load()
        session = session if alone else self._one_thread()
        encodings = tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        tokens = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        if self._cls:
            pooled = tokens[:, 0]
        else:
            pooled = (tokens * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        return pooled, tokens, [np.array(e.offsets, dtype=np.int64) for e in encodings]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}
