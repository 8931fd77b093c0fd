"""A matrix in an ``.npy`` file, read row by row with ``pread``: the vectors a question needs.

Retrieval reads a few hundred scattered rows of the passage and sentence vectors per
question (4.6 GB at a million passages). Memory-mapped, each touched row brought its whole
page-cache folio into the process (up to hundreds of KB per row on this kernel: 2.9 GB of
resident memory for 20,000 rows). Read with ``pread``, the rows still come from the kernel's
page cache, shared by every process, but only the rows asked for are copied in; and a file
truncated underneath is a clear error instead of a SIGBUS.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import IndexCorruptError


class Rows:
    """The rows of a 2-D C-ordered array in an ``.npy`` file; ``rows[ids]`` reads them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("rb", buffering=0)  # closed with this object
        try:
            version = np.lib.format.read_magic(self._file)
            header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, fortran, dtype = header(self._file)
        except Exception:
            self._file.close()
            raise
        if fortran or len(shape) != 2 or dtype.hasobject:
            self._file.close()
            raise ValueError(f"{path.name} is not a matrix of numbers")
        self.shape: tuple[int, int] = (int(shape[0]), int(shape[1]))
        self.dtype = dtype
        self._offset = self._file.tell()
        self._row_bytes = self.shape[1] * dtype.itemsize

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, ids: Any) -> np.ndarray:
        """The rows ``ids`` (an int array, list or slice), in that order, as a new array."""
        if isinstance(ids, slice):
            ids = np.arange(*ids.indices(self.shape[0]))
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if len(ids) and (ids.min() < 0 or ids.max() >= self.shape[0]):
            raise IndexError(f"row out of range of {self.shape[0]} in {self.path.name}")
        wanted, where = np.unique(ids, return_inverse=True)
        out = np.empty((len(wanted), self.shape[1]), dtype=self.dtype)
        buffer = out.reshape(-1).view(np.uint8).data
        breaks = (np.flatnonzero(np.diff(wanted) != 1) + 1).tolist()  # consecutive rows: one read
        fd, row = self._file.fileno(), self._row_bytes
        for start, end in zip([0, *breaks], [*breaks, len(wanted)], strict=True):
            if start == end:
                continue
            size = (end - start) * row
            got = os.preadv(fd, [buffer[start * row : start * row + size]], self._offset + int(wanted[start]) * row)
            if got != size:
                raise IndexCorruptError(
                    f"index file {self.path.name} was cut short under the running chat; run 'yoga-assistant build'"
                )
        return out[where.reshape(-1)]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        whole = self[slice(None)]
        return whole if dtype is None else whole.astype(dtype)
