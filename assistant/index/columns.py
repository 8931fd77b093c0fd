"""Passages stored as columns: flat arrays on disk, memory-mapped, records made on demand.

A generation's ``passages/`` folder holds every passage as columns (``.npy`` files, one row
per passage or per sentence) and the UTF-8 bytes of every passage's text back to back.
Opening it maps the files and reads nothing else, so a million passages open in
milliseconds, cost memory only for the pages a question touches, and share those pages
with every other process serving the same generation. :class:`Passages` is a read-only
sequence of :class:`Chunk` records built only for the passages that are asked for;
retrieval works on the columns themselves (``article``, ``first_sentence``).

numpy's own ``.npy`` files were chosen over Arrow or Parquet: they map with no new
dependency, a row is one offset away, and nothing is decoded on open (docs/scaling.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import overload

import numpy as np

from assistant.language.roles import ROLES
from assistant.records import Chunk

TEXT = "text.bin"
TEXT_OFFSETS = "text-offsets.npy"  # byte offset of each passage's text in TEXT, and the end
SPANS = "spans.npy"  # each passage's [start, end) in its article body, in characters
TOKENS = "tokens.npy"
ARTICLE = "article.npy"  # each passage's article, as a row of NAMES["articles"]
FIRST_SENTENCE = "first-sentence.npy"  # row of each passage's first sentence, and the total
SENTENCES = "sentences.npy"  # each sentence's [start, end) in its article body
POSES = "poses.npy"  # the poses of every passage back to back, as rows of NAMES["poses"]
POSE_OFFSETS = "pose-offsets.npy"
ROLE_BITS = "roles.npy"  # each sentence's roles as bits (bit i = roles.ROLES[i])
DIGESTS = "digests.npy"  # each passage's text hash (build reuses the vectors of an unchanged text)
NAMES = "names.json"  # the article ids and pose ids the integer columns point into

_BITS = {role: 1 << i for i, role in enumerate(ROLES)}


def role_bits(roles: Sequence[str]) -> int:
    return sum(_BITS.get(r, 0) for r in roles)


def _offsets(lengths: Sequence[int]) -> np.ndarray:
    """Where each of items of these lengths starts when laid end to end, and the total at the end."""
    return np.concatenate([[0], np.cumsum(np.asarray(lengths, dtype=np.int64))]).astype(np.int64)


def first_sentence_rows(chunks: Sequence[Chunk]) -> np.ndarray:
    """Row of each passage's first sentence in the sentence arrays (plus the total at the end)."""
    return _offsets([len(c.sentences) for c in chunks])


def write(folder: Path, chunks: Sequence[Chunk]) -> None:
    """Write ``chunks`` as columns into ``folder`` (which must not exist yet)."""
    folder.mkdir()
    articles = list(dict.fromkeys(c.article for c in chunks))
    poses = list(dict.fromkeys(p for c in chunks for p in c.poses))
    article_row = {a: i for i, a in enumerate(articles)}
    pose_row = {p: i for i, p in enumerate(poses)}
    texts = [c.text.encode("utf-8") for c in chunks]
    with (folder / TEXT).open("wb") as f:
        for text in texts:
            f.write(text)
    np.save(folder / TEXT_OFFSETS, _offsets([len(t) for t in texts]))
    np.save(folder / SPANS, np.array([(c.start, c.end) for c in chunks], dtype=np.int64).reshape(-1, 2))
    np.save(folder / TOKENS, np.array([c.tokens for c in chunks], dtype=np.int32))
    np.save(folder / ARTICLE, np.array([article_row[c.article] for c in chunks], dtype=np.int32))
    np.save(folder / FIRST_SENTENCE, first_sentence_rows(chunks))
    np.save(folder / SENTENCES, np.array([s for c in chunks for s in c.sentences], dtype=np.int64).reshape(-1, 2))
    np.save(folder / POSES, np.array([pose_row[p] for c in chunks for p in c.poses], dtype=np.int32))
    np.save(folder / POSE_OFFSETS, _offsets([len(c.poses) for c in chunks]))
    bits = (role_bits(rs) for c in chunks for rs in (c.roles or ((),) * len(c.sentences)))
    np.save(folder / ROLE_BITS, np.fromiter(bits, dtype=np.uint16))
    np.save(folder / DIGESTS, np.array([c.digest.encode("ascii") for c in chunks], dtype="S32"))
    (folder / NAMES).write_text(json.dumps({"articles": articles, "poses": poses}, ensure_ascii=False), "utf-8")


def _map(path: Path) -> np.ndarray:
    """The array in ``path``, memory-mapped (a plain ndarray view: numpy.memmap slices are slower)."""
    return np.load(path, mmap_mode="r").view(np.ndarray)


class Passages(Sequence[Chunk]):
    """The passages of one generation, mapped from its columns; ``passages[i]`` is a record."""

    def __init__(self, folder: Path) -> None:
        names = json.loads((folder / NAMES).read_text(encoding="utf-8"))
        self.article_ids: list[str] = [str(a) for a in names["articles"]]
        self.pose_ids: list[str] = [str(p) for p in names["poses"]]
        self._text = np.memmap(folder / TEXT, dtype=np.uint8, mode="r") if (folder / TEXT).stat().st_size else None
        self._text_offsets = _map(folder / TEXT_OFFSETS)
        self._spans = _map(folder / SPANS)
        self._tokens = _map(folder / TOKENS)
        #: each passage's article, as an index into ``article_ids``
        self.article = _map(folder / ARTICLE)
        #: row of each passage's first sentence in the sentence arrays, and the total at the end
        self.first_sentence = _map(folder / FIRST_SENTENCE)
        self._sentences = _map(folder / SENTENCES)
        self._poses = _map(folder / POSES)
        self._pose_offsets = _map(folder / POSE_OFFSETS)
        #: each sentence's roles as bits (bit i = roles.ROLES[i])
        self.role_bits = _map(folder / ROLE_BITS)
        self._digests = _map(folder / DIGESTS)
        n = len(self._tokens)
        if not (
            len(self._text_offsets) == len(self.first_sentence) == len(self._pose_offsets) == n + 1
            and len(self._spans) == len(self.article) == len(self._digests) == n
            and len(self._sentences) == len(self.role_bits) == int(self.first_sentence[-1])
            and len(self._poses) == int(self._pose_offsets[-1])
            and int(self._text_offsets[-1]) == (0 if self._text is None else len(self._text))
        ):
            raise ValueError("passage columns of different lengths")

    def __len__(self) -> int:
        return len(self._tokens)

    @overload
    def __getitem__(self, i: int) -> Chunk: ...
    @overload
    def __getitem__(self, i: slice) -> list[Chunk]: ...
    def __getitem__(self, i: int | slice) -> Chunk | list[Chunk]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if not -len(self) <= i < len(self):
            raise IndexError(f"passage {i} of {len(self)}")
        i %= len(self)
        a, b = int(self._text_offsets[i]), int(self._text_offsets[i + 1])
        text = bytes(self._text[a:b]).decode("utf-8") if self._text is not None else ""
        first, last = int(self.first_sentence[i]), int(self.first_sentence[i + 1])
        start, end = self._spans[i].tolist()
        return Chunk(
            self.article_ids[int(self.article[i])],
            start,
            end,
            text,
            int(self._tokens[i]),
            tuple((s, e) for s, e in self._sentences[first:last].tolist()),
            tuple(self.pose_ids[p] for p in self._poses[self._pose_offsets[i] : self._pose_offsets[i + 1]].tolist()),
            tuple(_roles(bits) for bits in self.role_bits[first:last].tolist()),
            self._digests[i].decode("ascii"),
        )

    def __iter__(self) -> Iterator[Chunk]:
        return (self[i] for i in range(len(self)))

    def pose_rows(self) -> dict[str, np.ndarray]:
        """The passages about each pose (ascending ids), straight from the columns."""
        if not len(self._poses):
            return {}
        owners = np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self._pose_offsets))
        order = np.argsort(self._poses, kind="stable")
        poses, starts = np.unique(self._poses[order], return_index=True)
        groups = np.split(owners[order], starts[1:])
        return {self.pose_ids[int(p)]: np.unique(g) for p, g in zip(poses.tolist(), groups, strict=True)}

    def article_rows(self) -> dict[str, list[int]]:
        """The passages of each article, in order."""
        if not len(self):
            return {}
        order = np.argsort(self.article, kind="stable")
        articles, starts = np.unique(self.article[order], return_index=True)
        groups = np.split(order, starts[1:])
        return {self.article_ids[int(a)]: g.tolist() for a, g in zip(articles.tolist(), groups, strict=True)}


def _roles(bits: int) -> tuple[str, ...]:
    return tuple(role for role, bit in _BITS.items() if bits & bit)
