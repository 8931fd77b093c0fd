"""A built index, loaded and checked: passages, vectors, FAISS, BM25 and the pose lexicon."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.errors import IndexCorruptError
from assistant.index import dense, store
from assistant.index.bm25 import LexicalIndex
from assistant.index.generation import (
    DENSE_FILE,
    LEXICAL_DIR,
    POSES_FILE,
    SENTENCE_LEXICAL_DIR,
    SENTENCE_VECTORS_FILE,
    VECTORS_FILE,
    read_passages,
)
from assistant.index.manifest import Manifest
from assistant.index.rows import Rows
from assistant.language.poses import Lexicon
from assistant.records import Pose, Sentence


def _signature(path: Path) -> tuple[int, int, int]:
    """What changes when a file is replaced or rewritten: its inode, size and modification time."""
    try:
        st = path.stat()
    except OSError:
        return (-1, -1, -1)
    return (st.st_ino, st.st_size, st.st_mtime_ns)


#: a generation's files in the order questions need them first: postings, FAISS codes, columns, vectors
WARM_ORDER = ("lexical", "dense", "passages", "vectors", "sentence-vectors")
#: the kernel reads ahead at most this much for one hint
WARM_STEP = 8 << 20


def warm(generation: Path, sizes: dict[str, int], budget: int) -> list[str]:
    """Have the kernel read the generation's files into its page cache, in WARM_ORDER, while
    they fit in ``budget`` bytes; returns the files read. After a restart the first questions
    would otherwise wait on the disk for every posting list and vector they touch (p50 84 ms
    instead of 18 at a million passages); the pages are the kernel's to drop again under
    memory pressure and count in no process's memory. Run in the background: it takes a few
    seconds a gigabyte."""
    hinted: list[str] = []
    total = 0
    for prefix in WARM_ORDER:
        for rel in sorted(r for r in sizes if r.split("/")[0].split(".")[0].startswith(prefix)):
            total += sizes[rel]
            if total > budget:
                return hinted
            try:
                fd = os.open(generation / rel, os.O_RDONLY)
                try:
                    for offset in range(0, sizes[rel], WARM_STEP):  # one hint reads ahead WARM_STEP at most
                        os.posix_fadvise(fd, offset, WARM_STEP, os.POSIX_FADV_WILLNEED)
                finally:
                    os.close(fd)
            except (OSError, AttributeError):  # gone (a newer build cleaned up), or no such hint here
                return hinted
            hinted.append(rel)
    return hinted


def available_memory() -> int:
    """MemAvailable from /proc/meminfo, in bytes (0 where it cannot be read)."""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


class Index:
    """Everything retrieval needs, read from one generation of ``index/``."""

    def __init__(self, generation: Path, manifest: Manifest, files: Iterable[str]) -> None:
        self.generation = generation
        self.manifest = manifest
        try:
            #: the passages, as records made on demand from memory-mapped columns
            self.chunks = read_passages(generation)
            #: passage and sentence vectors, read by row as questions need them
            self.vectors = Rows(generation / VECTORS_FILE)
            self.dense = dense.load(generation / DENSE_FILE, dict(manifest.dense))
            self.lexical = LexicalIndex.load(generation / LEXICAL_DIR, len(self.chunks))
            #: sentence level: vectors, FAISS and BM25 over every passage's sentences, in passage order
            self.first_sentence = self.chunks.first_sentence
            self.owner = np.repeat(np.arange(len(self.chunks)), np.diff(self.first_sentence))
            self.sentence_vectors = Rows(generation / SENTENCE_VECTORS_FILE)
            #: each file of the generation as it was when mapped, to notice one changed underneath
            self._files = {name: _signature(generation / name) for name in files}
            #: per sentence row, its roles as bits (bit i = roles.ROLES[i])
            self.role_mask = self.chunks.role_bits
            self.sentence_lexical = LexicalIndex.load(generation / SENTENCE_LEXICAL_DIR, len(self.owner))
            self.lexicon = Lexicon.from_dicts(json.loads((generation / POSES_FILE).read_text(encoding="utf-8")))
            self.articles = manifest.articles
        except (KeyError, ValueError, TypeError, OSError, RuntimeError) as e:
            raise IndexCorruptError(
                f"index in {generation.parent} cannot be read ({type(e).__name__}); run 'yoga-assistant build'"
            ) from None
        sentences = len(self.owner)
        if not (
            len(self.chunks) == self.vectors.shape[0] == self.dense.ntotal == manifest.chunks
            and sentences == self.sentence_vectors.shape[0] == self.role_mask.shape[0]
            and self.vectors.shape[1:] == self.sentence_vectors.shape[1:] == (manifest.model.dim,)
        ):
            raise IndexCorruptError(
                f"index in {generation.parent} has passages and vectors that do not match; run 'yoga-assistant build'"
            )

    @classmethod
    def open(cls, settings: Settings, *, check: bool = True) -> Index:
        """The live generation, checked against its manifest and the settings' model."""
        generation, raw = store.open_generation(settings.index_dir, check=check)
        manifest = Manifest.from_dict(raw, generation)
        manifest.require(settings)
        index = cls(generation, manifest, raw["files"])
        sizes = {rel: int(meta.get("bytes", 0)) for rel, meta in raw["files"].items()}
        threading.Thread(
            target=warm, args=(generation, sizes, available_memory() // 2), name="index-warm", daemon=True
        ).start()
        return index

    def changed_files(self) -> list[str]:
        """The files of the generation that were replaced, removed or rewritten since it was opened."""
        return [name for name, was in self._files.items() if _signature(self.generation / name) != was]

    @cached_property
    def covered(self) -> tuple[Pose, ...]:
        """The poses the articles teach, in corpus order."""
        ids = dict.fromkeys(p for a in self.articles.values() for p in a.poses)
        return tuple(self.lexicon.poses[p] for p in ids if p in self.lexicon.poses)

    @cached_property
    def by_pose(self) -> dict[str, np.ndarray]:
        """Passage ids for each pose a passage is about."""
        return self.chunks.pose_rows()

    def uses_any(self, pose_id: str, tokens: Sequence[str]) -> bool:
        """Whether a passage about ``pose_id`` has one of ``tokens`` (tokenized as BM25's)."""
        about = self.by_pose.get(pose_id)
        return about is not None and self.lexical.used_among(tokens, about)

    def sentence_rows(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The sentence rows of passages ``ids`` (in order), and where each passage's rows begin."""
        starts = self.first_sentence[ids]
        lengths = self.first_sentence[ids + 1] - starts
        bounds = np.cumsum(lengths) - lengths
        rows = np.repeat(starts - bounds, lengths) + np.arange(int(lengths.sum()))
        return rows, bounds

    def title(self, article: str) -> str:
        info = self.articles.get(article)
        return info.title if info else article

    def sentence(self, row: int, cosine: float = 0.0, bm25: float = 0.0, passage_rank: int = 0) -> Sentence:
        """The sentence at ``row`` of the sentence arrays, as a record."""
        chunk_id = int(self.owner[row])
        chunk = self.chunks[chunk_id]
        at = row - int(self.first_sentence[chunk_id])
        s, e = chunk.sentences[at]
        roles = chunk.roles[at] if chunk.roles else ()
        return Sentence(
            chunk_id, chunk, (int(s), int(e)), chunk.sentence_text((s, e)), cosine, bm25, passage_rank, roles
        )

    def pose_sentences(self, poses: Iterable[str]) -> list[Sentence]:
        """Every sentence of the passages about ``poses`` (and their variants), in corpus order."""
        family = {f for p in poses for f in self.lexicon.family(p)}
        return self._sentences_of(sorted({int(i) for p in family for i in self.by_pose.get(p, ())}))

    @cached_property
    def by_article(self) -> dict[str, list[int]]:
        """Passage ids of each article, in order."""
        return self.chunks.article_rows()

    def article_sentences(self, article: str) -> list[Sentence]:
        """Every sentence of one article, in order."""
        return self._sentences_of(self.by_article.get(article, []))

    def _sentences_of(self, chunk_ids: Iterable[int]) -> list[Sentence]:
        """Every sentence of these passages, in the order given."""
        rows = (r for i in chunk_ids for r in range(int(self.first_sentence[i]), int(self.first_sentence[i + 1])))
        return [self.sentence(r) for r in rows]

    def family(self, pose_id: str) -> set[str]:
        return self.lexicon.family(pose_id)

    def previous(self, sentence: Sentence) -> Sentence | None:
        """The sentence before ``sentence`` in its article, or None for its first."""
        at = int(self.first_sentence[sentence.chunk_id]) + sentence.chunk.sentences.index(sentence.span)
        if at == 0 or self.chunks.article[int(self.owner[at - 1])] != self.chunks.article[sentence.chunk_id]:
            return None
        return self.sentence(at - 1)

    def article_poses(self, article: str) -> tuple[str, ...]:
        """The poses an article teaches."""
        info = self.articles.get(article)
        return info.poses if info else ()

    def names(self, pose_id: str) -> list[str]:
        """What people call the pose: its English and Sanskrit names and aliases."""
        return self.lexicon.names(pose_id)

    def label(self, pose_id: str) -> str:
        """'Hero Pose (Vīrāsana)' for a pose id the lexicon knows, else the id itself."""
        pose = self.lexicon.poses.get(pose_id)
        return pose.label if pose else pose_id

    def covered_labels(self) -> list[str]:
        return [p.label for p in self.covered]

    def titles(self) -> list[str]:
        return sorted(a.title for a in self.articles.values())
