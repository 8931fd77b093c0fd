"""The batch loop every real backend shares: batches run side by side give what one at a time gives."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from assistant.embed.embedding import BatchEmbedder


class Counting(BatchEmbedder):
    """Each character's code as a token vector; records which batches ran alone and on which thread."""

    name = "counting"
    batch_size = 3

    def __init__(self, workers: int) -> None:
        super().__init__()
        self.workers = workers
        self.calls: list[tuple[bool, str]] = []

    @property
    def dim(self) -> int:
        return 4

    @property
    def precision(self) -> str:
        return "fp32"

    def fits(self, text: str) -> bool:
        return True

    def _forward(self, texts: Sequence[str], *, alone: bool = True) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
        self.calls.append((alone, threading.current_thread().name))
        width = max(len(t) for t in texts)
        tokens = np.zeros((len(texts), width, 4), dtype=np.float32)
        offsets = []
        for b, text in enumerate(texts):
            for i, ch in enumerate(text):
                tokens[b, i] = [ord(ch), i, len(text), 1.0]
            offsets.append(np.array([(i, i + 1) for i in range(len(text))] + [(0, 0)] * (width - len(text))))
        return tokens.sum(axis=1), tokens, offsets


def test_batches_run_side_by_side_give_the_same_vectors_in_order() -> None:
    texts = [f"passage {i} " + "x" * (i % 7) for i in range(20)]
    spans = [[(0, 7), (8, len(t))] for t in texts]
    alone, side_by_side = Counting(1), Counting(2)
    a = alone.encode_passages(texts, spans)
    b = side_by_side.encode_passages(texts, spans)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert all(was_alone for was_alone, _ in alone.calls)
    assert not any(was_alone for was_alone, _ in side_by_side.calls)
    assert {name.split("_")[0] for _, name in side_by_side.calls} == {"embed"}
    assert len(side_by_side.calls) == 7  # 20 passages in batches of 3
    one = Counting(2)
    one.encode(["a single question"])
    assert one.calls == [(True, threading.current_thread().name)]  # one batch runs alone, all cores
