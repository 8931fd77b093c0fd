"""Retrieval: fusion and bridging by hand, then the real model on the real corpus."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.retrieval.query import bridge
from assistant.retrieval.ranking import floor, rrf, top_ids


def test_rrf_sums_reciprocal_ranks() -> None:
    fused = rrf([[7, 3, 5], [3, 9]], k=10)
    assert fused[3] == pytest.approx(1 / 12 + 1 / 11)
    assert fused[7] == pytest.approx(1 / 11) and fused[9] == pytest.approx(1 / 12)
    assert max(fused, key=fused.__getitem__) == 3


def test_top_ids_keeps_positive_scores_best_first() -> None:
    scores = np.array([0.0, 2.0, 5.0, 1.0, 5.0], dtype=np.float32)
    assert top_ids(scores, 3) == [2, 4, 1]
    assert top_ids(scores, 10, np.array([0, 3])) == [3]


def test_bridges_map_colloquial_words_to_article_words() -> None:
    feet = bridge("my feet hurt")
    assert {"towel", "blanket", "pad", "pain"} <= set(feet)
    assert {"block", "bolster"} <= set(bridge("I can't sit down on the floor"))
    assert bridge("the weather tomorrow") == []
    assert "benefit" not in bridge("should my back be flat")  # "why should" needs both words


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, 3000),
    st.integers(1, 120),
    st.floats(0.0, 1.0),
    st.integers(0, 2**32 - 1),
)
def test_top_ids_of_a_large_array_keep_the_k_best(n: int, k: int, zeros: float, seed: int) -> None:
    """Above a few thousand scores a sample sets a floor first; what comes back is still the k
    best (each score distinct, so there is only one answer), best first."""
    rng = np.random.default_rng(seed)
    scores = rng.permutation(np.arange(1, n + 1, dtype=np.float32)) * (rng.random(n) >= zeros)
    expected = [int(i) for i in np.argsort(-scores, kind="stable") if scores[i] > 0][:k]
    assert top_ids(scores, k) == expected
    among = np.sort(rng.choice(n, n // 2, replace=False)) if n else np.zeros(0, dtype=np.int64)
    expected = [int(i) for i in among[np.argsort(-scores[among], kind="stable")] if scores[i] > 0][:k]
    assert top_ids(scores, k, among) == expected


def test_the_floor_never_passes_the_kth_best() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        values = rng.random(rng.integers(1, 50_000)).astype(np.float32)
        k = int(rng.integers(1, 200))
        kth = np.sort(values)[::-1][min(k, len(values)) - 1]
        assert floor(values, k) <= kth
    assert floor(np.ones(100, dtype=np.float32), 50) == 0.0  # too few to sample: no floor
