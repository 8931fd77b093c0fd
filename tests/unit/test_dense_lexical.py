"""The search structures against reference implementations: FAISS (exact and IVF) against
numpy brute force, our BM25 accumulation against bm25s's own scoring."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.errors import IndexCorruptError
from assistant.index import dense
from assistant.index.bm25 import LexicalIndex
from assistant.language.text import tokenize


def unit(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_exact_search_matches_brute_force() -> None:
    v = unit(2000)
    index = dense.build(v, dense.choose_params(len(v)))
    for q in unit(20, seed=1):
        ids, scores = dense.search(index, q, 10)
        truth = np.argsort(-(v @ q))[:10]
        assert ids.tolist() == truth.tolist()
        assert np.allclose(scores, (v @ q)[truth], atol=1e-5)


def test_search_can_be_limited_to_some_passages() -> None:
    v = unit(500)
    index = dense.build(v, dense.choose_params(len(v)))
    among = np.array([3, 17, 250, 499])
    ids, _ = dense.search(index, v[17], 3, among)
    assert set(ids.tolist()) <= set(among.tolist()) and ids[0] == 17


def test_large_corpora_get_a_compressed_inverted_file_with_good_recall(tmp_path) -> None:  # type: ignore[no-untyped-def]
    params = dense.choose_params(60_000)
    assert params["type"] == "ivf-sq8-ip" and params["nprobe"] >= 64
    rng = np.random.default_rng(3)
    centres = unit(300, seed=4)
    v = centres[rng.integers(0, 300, 60_000)] + 0.05 * rng.standard_normal((60_000, 32)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    index = dense.build(v, params)
    queries = v[rng.integers(0, 60_000, 30)]
    recall = np.mean(
        [
            len(set(dense.search(index, q, 10)[0].tolist()) & set(np.argsort(-(v @ q))[:10].tolist())) / 10
            for q in queries
        ]
    )
    assert recall >= 0.9
    dense.save(index, tmp_path / "dense.faiss")  # codes a quarter of the float vectors' size
    assert (tmp_path / "dense.faiss").stat().st_size < 0.3 * v.nbytes + 2_000_000
    mapped = dense.load(tmp_path / "dense.faiss", params)
    for q in queries[:5]:
        assert np.array_equal(dense.search(mapped, q, 10)[0], dense.search(index, q, 10)[0])
    among = np.sort(rng.choice(60_000, 500, replace=False))
    ids, _ = dense.search(mapped, v[among[7]], 5, among)
    assert set(ids.tolist()) <= set(among.tolist()) and ids[0] == among[7]


words = st.sampled_from("hero pose knee feet pain block towel hold breath pyramid hamstring blanket".split())


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(words, min_size=1, max_size=12), min_size=1, max_size=30), st.lists(words, min_size=1, max_size=6)
)
def test_our_fast_bm25_sum_equals_bm25s_own_scoring(docs: list[list[str]], query: list[str]) -> None:
    """LexicalIndex.scores adds bm25s's precomputed postings itself, for speed; bm25s's own
    (slower) scoring of the same index must agree."""
    index = LexicalIndex.build([" ".join(d) for d in docs])
    tokens = tokenize(" ".join(query))
    ours = index.scores(tokens)
    model = index._bm25
    reference = np.zeros(len(docs), dtype=np.float32)
    for token in tokens:  # bm25s scores a repeated token once per repetition when given one at a time
        ids = model.get_tokens_ids([token])
        if ids:
            reference += model.get_scores_from_ids(ids)
    assert np.allclose(ours, reference, atol=1e-5)


def test_bm25_scores_equal_a_hand_computed_bm25() -> None:
    """Lucene's BM25 (k1 = 1.2, b = 0.75) worked out by hand on three tiny passages:
    idf = ln(1 + (N - df + 0.5) / (df + 0.5)), score = idf * tf / (tf + k1 * (1 - b + b * len / avglen))."""
    texts = ["block block knee", "knee hold", "hold breath breath breath"]  # stems: block, knee, hold, breath
    index = LexicalIndex.build(texts)
    n, lengths, k1, b = 3, [3, 2, 4], 1.2, 0.75
    avg = sum(lengths) / n

    def bm25(tf: int, df: int, length: int) -> float:
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return idf * tf / (tf + k1 * (1 - b + b * length / avg))

    expected = [bm25(1, 2, 3), bm25(1, 2, 2) + bm25(1, 2, 2), bm25(1, 2, 4)]  # query "knee hold"
    assert np.allclose(index.scores(tokenize("knee hold")), expected, atol=1e-6)
    expected_breath = [0.0, 0.0, bm25(3, 1, 4)]
    assert np.allclose(index.scores(tokenize("breath")), expected_breath, atol=1e-6)
    twice = index.scores(tokenize("block") * 2)  # a word given twice counts twice
    assert np.allclose(twice, [2 * bm25(2, 1, 3), 0.0, 0.0], atol=1e-6)


def test_bm25_from_tokens_equals_from_text() -> None:
    texts = ["Kneel and sit back.", "Hold for five breaths.", "Use a block under the hips."]
    a = LexicalIndex.build(texts)
    b = LexicalIndex.from_tokens([tokenize(t) for t in texts])
    q = tokenize("hold the block")
    assert np.allclose(a.scores(q), b.scores(q))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(words, min_size=1, max_size=8), min_size=1, max_size=30), st.lists(words, max_size=3))
def test_used_among_is_whether_a_passage_among_them_scores(docs: list[list[str]], query: list[str]) -> None:
    index = LexicalIndex.build([" ".join(d) for d in docs])
    tokens = tokenize(" ".join(query))
    scores = index.scores(tokens)
    for among in (np.arange(len(docs)), np.arange(0, len(docs), 2), np.zeros(0, dtype=np.int64)):
        assert index.used_among(tokens, among) == bool((scores[among] > 0).any())


def test_rows_are_read_as_numpy_would_index_them(tmp_path: Path) -> None:
    from assistant.index.rows import Rows

    matrix = np.random.default_rng(2).standard_normal((300, 7)).astype(np.float32)
    np.save(tmp_path / "m.npy", matrix)
    rows = Rows(tmp_path / "m.npy")
    assert rows.shape == (300, 7) and len(rows) == 300
    for ids in ([5, 3, 4, 4, 299, 0], np.arange(40, 90), [], [17], np.array([[1, 2], [2, 1]])):
        assert np.array_equal(rows[ids], matrix[np.asarray(ids, dtype=np.int64).reshape(-1)])
    assert np.array_equal(np.asarray(rows), matrix) and np.array_equal(rows[10:20], matrix[10:20])
    with pytest.raises(IndexError):
        rows[[300]]
    with (tmp_path / "m.npy").open("r+b") as f:  # cut short under a reader: a clear error, no crash
        f.truncate(1000)
    with pytest.raises(IndexCorruptError, match="cut short"):
        rows[[299]]
