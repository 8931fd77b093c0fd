"""Retrieval: fusion and bridging by hand, then the real model on the real corpus."""

from __future__ import annotations

import pytest

from assistant.retrieval.query import bridge
from assistant.retrieval.ranking import rrf, top_ids


def test_rrf_sums_reciprocal_ranks() -> None:
    fused = rrf([[7, 3, 5], [3, 9]], k=10)
    assert fused[3] == pytest.approx(1 / 12 + 1 / 11)
    assert fused[7] == pytest.approx(1 / 11) and fused[9] == pytest.approx(1 / 12)
    assert max(fused, key=fused.__getitem__) == 3


def test_top_ids_keeps_positive_scores_best_first() -> None:
    import numpy as np

    scores = np.array([0.0, 2.0, 5.0, 1.0, 5.0], dtype=np.float32)
    assert top_ids(scores, 3) == [2, 4, 1]
    assert top_ids(scores, 10, np.array([0, 3])) == [3]


def test_bridges_map_colloquial_words_to_article_words() -> None:
    feet = bridge("my feet hurt")
    assert {"towel", "blanket", "pad", "pain"} <= set(feet)
    assert {"block", "bolster"} <= set(bridge("I can't sit down on the floor"))
    assert bridge("the weather tomorrow") == []
    assert "benefit" not in bridge("should my back be flat")  # "why should" needs both words
