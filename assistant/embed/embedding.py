"""Turning text into unit vectors: the ``Embedder`` seam and what every backend shares.

The build and the retriever take any object with the ``Embedder`` shape, so tests of the stages
around it can use a small deterministic fake. ``BatchEmbedder`` is the one batch loop the real
backends share (torch_embedder.py, onnx_embedder.py); embedders.py picks one. This module
imports nothing else of the project.
"""

from __future__ import annotations

import contextlib
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

import numpy as np
from cachetools import LRUCache

#: A fixed text whose vector identifies the model's weights in the manifest.
PROBE_TEXT = "Hero pose (Virasana): kneel, then sit back between the heels."
#: Two fingerprints with at least this cosine come from the same weights. An index is always read
#: back at the precision it was built with, where runs agree to 0.9999 or better (bf16 against
#: fp32: 0.99997, docs/benchmarks.md); a lightly fine-tuned copy of a model can come within 0.99,
#: and its vectors must not be mixed with the original's.
SAME_MODEL_COSINE = 0.999

Spans = Sequence[tuple[int, int]]
Progress = Callable[[int], None]


class Embedder(Protocol):
    name: str

    @property
    def dim(self) -> int: ...

    @property
    def precision(self) -> str: ...

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """Float32 unit vectors, one row per text."""
        ...

    def encode_passages(
        self, texts: Sequence[str], sentences: Sequence[Spans], *, progress: Progress | None = None
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


class BatchEmbedder(ABC):
    """The part every real backend shares: batching by length, late-chunked sentence vectors,
    the question cache and the fingerprint. A backend says how to run one batch."""

    name: str
    batch_size: int = 32
    #: batches run at once: one per core where a backend can run each on one thread (onnxruntime:
    #: 1.3x the batches/s of one batch on two threads, the same vectors); torch threads each op
    workers: int = 1

    def __init__(self) -> None:
        self._queries = QueryCache()

    @property
    @abstractmethod
    def dim(self) -> int: ...

    @property
    @abstractmethod
    def precision(self) -> str: ...

    @abstractmethod
    def fits(self, text: str) -> bool: ...

    @abstractmethod
    def _forward(self, texts: Sequence[str], *, alone: bool = True) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
        """For one batch: each text's pooled vector, its token vectors (batch, tokens, dim), and
        each text's token character offsets (special and padding tokens empty). ``alone``: no
        other batch runs meanwhile, so it may use every core."""

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        return self.encode_passages(texts, [()] * len(texts), progress=progress)[0]

    def encode_passages(
        self, texts: Sequence[str], sentences: Sequence[Spans], *, progress: Progress | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """One forward pass per passage gives both: the passage vector is the model's own pooled
        output; each sentence vector is the mean of the passage's token vectors inside the
        sentence ("late chunking"), so sentences are embedded in their context at no extra cost."""
        passages = np.zeros((len(texts), self.dim), dtype=np.float32)
        first = np.concatenate([[0], np.cumsum([len(s) for s in sentences])]).astype(np.int64)
        pieces = np.zeros((int(first[-1]), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # similar lengths pad less
        batches = [order[start : start + self.batch_size] for start in range(0, len(order), self.batch_size)]
        for rows, (pooled, tokens, offsets) in zip(batches, self._forward_all(texts, batches), strict=True):
            passages[rows] = pooled / (np.linalg.norm(pooled, axis=1, keepdims=True) + 1e-12)
            for b, i in enumerate(rows):
                if sentences[i]:
                    pieces[first[i] : first[i + 1]] = pool_spans(tokens[b], offsets[b], sentences[i], passages[i])
            if progress is not None:
                progress(len(rows))
        return passages, pieces

    def _forward_all(
        self, texts: Sequence[str], batches: list[list[int]]
    ) -> Iterator[tuple[np.ndarray, np.ndarray, list[np.ndarray]]]:
        """Each batch's ``_forward``, in order; with ``workers`` > 1, that many run at once (and at
        most twice as many wait to be taken, so memory stays a few batches)."""
        if self.workers <= 1 or len(batches) <= 1:
            yield from (self._forward([texts[i] for i in rows]) for rows in batches)
            return
        with ThreadPoolExecutor(self.workers, thread_name_prefix="embed") as pool:
            waiting: deque[Future[tuple[np.ndarray, np.ndarray, list[np.ndarray]]]] = deque()
            for rows in batches:
                waiting.append(pool.submit(self._forward, [texts[i] for i in rows], alone=False))
                if len(waiting) > 2 * self.workers:
                    yield waiting.popleft().result()
            while waiting:
                yield waiting.popleft().result()

    def encode_query(self, text: str) -> np.ndarray:
        return self._queries.get(text, lambda t: self.encode([t])[0])

    def fingerprint(self) -> list[float]:
        return probe_fingerprint(self.encode)


class QueryCache:
    """The vectors of the questions asked most recently (a chat repeats and rephrases), at most
    ``size`` of them and ``max_bytes`` of questions and vectors together."""

    def __init__(self, size: int = 512, max_bytes: int = 4_000_000) -> None:
        floor = max_bytes // size  # each entry weighs at least this: never more than ``size`` of them
        self._vectors: LRUCache[str, tuple[int, np.ndarray]] = LRUCache(
            max_bytes, getsizeof=lambda entry: max(floor, entry[0] + entry[1].nbytes)
        )
        self._lock = threading.Lock()

    def get(self, text: str, compute: Callable[[str], np.ndarray]) -> np.ndarray:
        with self._lock:
            entry = self._vectors.get(text)
        if entry is not None:
            return entry[1]
        vector = compute(text)
        with self._lock, contextlib.suppress(ValueError):  # ValueError: one question over max_bytes
            self._vectors[text] = (len(text), vector)
        return vector

    def __len__(self) -> int:
        return len(self._vectors)


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


def same_model(a: Sequence[float], b: Sequence[float]) -> bool:
    """Two fingerprints come from the same weights."""
    va, vb = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    if va.shape != vb.shape or not va.size:
        return False
    cos = float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb) + 1e-12))
    return cos >= SAME_MODEL_COSINE
