"""The FAISS index over passage vectors, chosen by corpus size.

Exact inner-product search below ``HNSW_FROM`` vectors (it is fast there and has perfect
recall); HNSW above, where exact search grows linearly. Parameters are recorded in the
manifest; see docs/benchmarks.md for the measurements behind them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import faiss
import numpy as np

HNSW_FROM = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96


def choose_params(n: int) -> dict[str, Any]:
    if n < HNSW_FROM:
        return {"type": "flat-ip"}
    return {"type": "hnsw-ip", "M": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION, "ef_search": HNSW_EF_SEARCH}


def build(vectors: np.ndarray, params: dict[str, Any]) -> faiss.Index:
    dim = vectors.shape[1]
    index: faiss.Index
    if params["type"] == "flat-ip":
        index = faiss.IndexFlatIP(dim)
    else:
        hnsw = faiss.IndexHNSWFlat(dim, params["M"], faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = params["ef_construction"]
        index = hnsw
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    configure(index, params)
    return index


def configure(index: faiss.Index, params: dict[str, Any]) -> None:
    if params["type"] == "hnsw-ip":
        faiss.downcast_index(index).hnsw.efSearch = params["ef_search"]  # type: ignore[attr-defined]


def save(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load(path: Path, params: dict[str, Any]) -> faiss.Index:
    index = faiss.read_index(str(path))
    configure(index, params)
    return index


def search(index: faiss.Index, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Ids and inner products of the ``k`` nearest passages (ids of -1 dropped)."""
    k = min(k, index.ntotal)
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    scores, ids = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
    keep = ids[0] >= 0
    return ids[0][keep], scores[0][keep]
