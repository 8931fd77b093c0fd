"""The FAISS index over passage vectors, chosen by corpus size.

Exact inner-product search below ``ANN_FROM`` vectors (fast there, perfect recall); above,
an inverted file whose vectors are stored as 8-bit scalar-quantised codes (IVF-SQ8): it
builds in about a minute for a million passages (HNSW took six here), takes a quarter of
the float vectors' space (384 MB at a million), and keeps recall@10 against exact search at
0.98 or more. It only picks candidates: ranking scores them with the exact vectors.
Parameters are recorded in the manifest; docs/benchmarks.md has the measurements.
"""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from cachetools import LRUCache

from assistant.index.rows import Rows

ANN_FROM = 50_000
#: vectors per k-means centroid in training (FAISS asks for at least 39)
TRAIN_PER_LIST = 40
#: compressed codes only shortlist: this many times the passages asked for, ranked by exact vectors
REFINE = 3


def choose_params(n: int) -> dict[str, Any]:
    if n < ANN_FROM:
        return {"type": "flat-ip"}
    nlist = 2 ** round(math.log2(4 * math.sqrt(n)))  # 1024 at 100k, 4096 at 1M
    return {"type": "ivf-sq8-ip", "nlist": nlist, "nprobe": max(64, nlist // 32)}  # recall@10 >= 0.98 measured


def build(vectors: np.ndarray, params: dict[str, Any]) -> faiss.Index:
    faiss.omp_set_num_threads(os.cpu_count() or 1)  # building uses every core
    dim = vectors.shape[1]
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    index: faiss.Index
    if params["type"] == "flat-ip":
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexIVFScalarQuantizer(
            faiss.IndexFlatIP(dim), dim, params["nlist"], faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        sample = np.random.default_rng(0).choice(
            len(data), min(len(data), TRAIN_PER_LIST * params["nlist"]), replace=False
        )
        index.train(data[np.sort(sample)])
    if len(data):
        index.add(data)
    configure(index, params)
    return index


def configure(index: faiss.Index, params: dict[str, Any]) -> None:
    if params["type"] != "flat-ip":
        faiss.extract_index_ivf(index).nprobe = params["nprobe"]


def save(index: faiss.Index, path: Path) -> None:
    try:
        faiss.write_index(index, str(path))
    except RuntimeError as error:  # faiss reports a short write (a full disk) this way
        raise OSError(f"could not write {path.name}: {str(error).splitlines()[0][:120]}") from None


def load(path: Path, params: dict[str, Any]) -> faiss.Index:
    """The index in ``path``, its vectors memory-mapped (shared by every process serving it)."""
    index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC)
    configure(index, params)
    return index


def search(
    index: faiss.Index,
    query: np.ndarray,
    k: int,
    among: np.ndarray | None = None,
    *,
    vectors: Rows | np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Ids and inner products of the ``k`` nearest passages, optionally only ``among`` these ids.
    An index of compressed codes gives ``REFINE`` times as many candidates, and with ``vectors``
    (the float vectors, row = id) those are ranked by their exact inner products."""
    k = min(k, index.ntotal if among is None else len(among))
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    if vectors is None or isinstance(index, faiss.IndexFlat):
        return _search(index, query, k, among)
    ids, _ = _search(index, query, REFINE * k, among)
    ids = np.sort(ids)  # in file order: the rows are read from disk in one pass
    exact = np.asarray(vectors[ids] @ query.reshape(-1), dtype=np.float32)
    best = np.lexsort((ids, -exact))[:k]
    return ids[best], exact[best]


def _search(index: faiss.Index, query: np.ndarray, k: int, among: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    x = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    if faiss.omp_get_max_threads() != 1:
        faiss.omp_set_num_threads(1)  # one query: threads only add hand-over (3.5x slower measured)
    if among is None:
        scores, ids = index.search(x, k)
    else:
        selector = _selector(np.ascontiguousarray(among, dtype=np.int64))
        ivf = faiss.try_extract_index_ivf(index)
        if ivf is not None:
            params = faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nprobe)  # type: ignore[call-arg]
        else:
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg,assignment]
        scores, ids = index.search(x, k, params=params)
    keep = ids[0] >= 0
    return ids[0][keep], scores[0][keep]


_selectors: LRUCache[bytes, faiss.IDSelectorBatch] = LRUCache(maxsize=32)
_selectors_lock = threading.Lock()


def _selector(ids: np.ndarray) -> faiss.IDSelectorBatch:
    """A FAISS selector of ``ids``; a pose's passages are searched among again and again, and
    building the selector of 50,000 ids took as long as the search itself."""
    key = ids.tobytes()
    with _selectors_lock:
        selector = _selectors.get(key)
        if selector is None:
            selector = _selectors[key] = faiss.IDSelectorBatch(ids)
    return selector
