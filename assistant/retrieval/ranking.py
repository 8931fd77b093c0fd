"""Candidate passages and their fused ranking: pure functions over the index's arrays.

A question's passages are found by FAISS (cosine) and BM25 (over passages and over
sentences), scored on up to four signals (passage and best-sentence cosine, passage and
best-sentence BM25), and ranked by reciprocal-rank fusion of the signals the retriever mode
uses. Passages about the asked-about pose come first. docs/retrieval.md has the measurements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.index import dense
from assistant.index.reader import Index
from assistant.records import Hit

#: RRF constant (chosen with `eval`, docs/retrieval.md)
RRF_K = 10
#: a group of at most this many passages (a pose's) is scored whole, without a first search
SCORE_ALL = 2000
#: each retriever's candidates before fusion
DEPTH = 100
#: which signals each mode fuses; "sentences=False" keeps only the passage-level ones
SIGNALS = {
    "dense": ("passage_cos", "sentence_cos"),
    "bm25": ("passage_bm25", "sentence_bm25"),
    "hybrid": ("passage_cos", "sentence_cos", "passage_bm25", "sentence_bm25"),
}


@dataclass(frozen=True, slots=True)
class Scores:
    """A question's scores against the index: its vector (None in BM25 mode) and BM25 over
    passages and sentences (None in dense mode)."""

    vector: np.ndarray | None
    passage_bm25: np.ndarray | None
    sentence_bm25: np.ndarray | None
    #: the candidates already found for this question, by depth and group (see candidates)
    found: dict[tuple[int, bytes | None], np.ndarray] = field(default_factory=dict, compare=False, repr=False)


def rrf(rankings: Sequence[Sequence[int]], k: float | None = None) -> dict[int, float]:
    """Reciprocal-rank fusion: sum of 1 / (k + rank) over the rankings an item appears in."""
    k = RRF_K if k is None else k
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return fused


def floor(values: np.ndarray, k: int) -> float:
    """A score the ``k`` highest of ``values`` all reach (0 when it cannot be told cheaply).

    The ``k``-th highest of a sample is never above the ``k``-th highest of the whole, so
    keeping what reaches it keeps every one of the ``k`` best. A sample of about sqrt(k·n)
    leaves about as many to sort: at a million passages ~10,000 instead of most of them
    (a question's common words are in half the passages)."""
    step = int(np.sqrt(len(values) / max(k, 1)))
    if step < 4:
        return 0.0
    sample = values[::step]
    return float(np.partition(sample, len(sample) - k)[len(sample) - k]) if len(sample) > k else 0.0


def top_ids(scores: np.ndarray, k: int, among: np.ndarray | None = None) -> list[int]:
    """Ids of the ``k`` highest positive scores (optionally only ``among`` these ids), best first."""
    values = scores if among is None else scores[among]
    bound = floor(values, k)
    keep = values >= bound if bound > 0 else values > 0  # positive, and as high as the k best of a sample
    ids = np.flatnonzero(keep) if among is None else among[keep]
    values = values[keep]
    if len(ids) > k:
        part = np.argpartition(-values, k)[:k]
        ids, values = ids[part], values[part]
    return [int(i) for i in ids[np.lexsort((ids, -values))]]


def rank(
    index: Index, scores: Scores, focus: np.ndarray | None, k: int, *, mode: str, sentences: bool = True
) -> list[Hit]:
    """The ``k`` best passages: those about the question's pose (``focus``) first, then
    everything else; each group ranked by fusing the mode's signals."""
    depth = max(DEPTH, 5 * k)
    names = [n for n in SIGNALS[mode] if sentences or n.startswith("passage")]
    hits: list[Hit] = []
    seen: set[int] = set()
    for about_pose in ([True] if focus is not None else []) + [False]:
        if len(hits) == k:  # the pose's own passages filled the list: no need to search the rest
            break
        group = candidates(index, scores, depth, focus if about_pose else None)
        for i, score, cosine in fuse(group, signals(index, group, scores), names):
            if len(hits) == k:
                break
            if i not in seen:
                seen.add(i)
                hits.append(Hit(i, index.chunks[i], score, cosine))
    return hits


def candidates(index: Index, scores: Scores, depth: int, among: np.ndarray | None = None) -> np.ndarray:
    """Passage ids worth scoring: every one of ``among`` when there are few, else the best
    ``depth`` of each retriever (FAISS; BM25 of passages and of sentences), within ``among``."""
    if among is not None and len(among) <= SCORE_ALL:
        return among
    key = (depth, None if among is None else among.tobytes())
    if key not in scores.found:  # ranking and the sentence pool both ask for a large pose's
        scores.found[key] = _candidates(index, scores, depth, among)
    return scores.found[key]


def _candidates(index: Index, scores: Scores, depth: int, among: np.ndarray | None) -> np.ndarray:
    found = []
    if scores.vector is not None:
        found.append(dense.search(index.dense, scores.vector, depth, among, vectors=index.vectors)[0])
    if scores.passage_bm25 is not None and scores.sentence_bm25 is not None:
        rows = None if among is None else index.sentence_rows(among)[0]
        found.append(np.asarray(top_ids(scores.passage_bm25, depth, among), dtype=np.int64))
        found.append(index.owner[np.asarray(top_ids(scores.sentence_bm25, depth, rows), dtype=np.int64)])
    return np.unique(np.concatenate(found))


def signals(index: Index, ids: np.ndarray, scores: Scores) -> dict[str, np.ndarray]:
    """Per candidate passage: cosine of the passage and of its best sentence; BM25 of the
    passage and of its best sentence. Sentence-level signals let one precise sentence win."""
    rows, bounds = index.sentence_rows(ids)
    out: dict[str, np.ndarray] = {}
    if scores.vector is not None:
        out["passage_cos"] = np.asarray(index.vectors[ids] @ scores.vector, dtype=np.float32)
        out["sentence_cos"] = np.maximum.reduceat(np.asarray(index.sentence_vectors[rows] @ scores.vector), bounds)
    if scores.passage_bm25 is not None and scores.sentence_bm25 is not None:
        out["passage_bm25"] = scores.passage_bm25[ids]
        out["sentence_bm25"] = np.maximum.reduceat(scores.sentence_bm25[rows], bounds)
    return out


def fuse(ids: np.ndarray, signals: dict[str, np.ndarray], names: Sequence[str]) -> list[tuple[int, float, float]]:
    """(passage id, fused score, cosine), best first, by RRF over the ``names`` signals (lexical
    signals count only where they are positive). Cosine is the higher of the passage's and its
    best sentence's, 0 without a question vector."""
    rankings = []
    for name in names:
        values = signals[name]
        order = np.lexsort((ids, -values))
        if name.endswith("bm25"):
            order = order[values[order] > 0]
        rankings.append(order.tolist())
    fused = rrf(rankings)
    best = sorted(fused, key=lambda p: (-fused[p], int(ids[p])))
    if "passage_cos" in signals:
        cos = np.maximum(signals["passage_cos"], signals["sentence_cos"])
    else:
        cos = np.zeros(len(ids), dtype=np.float32)
    return [(int(ids[p]), fused[p], float(cos[p])) for p in best]
