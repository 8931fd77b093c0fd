"""Passage and sentence vectors for a build: copied from the live index for every passage whose
text (and cut into sentences) was embedded before by the same model, computed for the rest."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.embed.embedders import CHOOSE_FROM, SAMPLE
from assistant.embed.embedding import Embedder, Spans
from assistant.index.columns import first_sentence_rows
from assistant.index.generation import SENTENCE_VECTORS_FILE, VECTORS_FILE
from assistant.records import Chunk

OldVectors = tuple[dict[tuple[str, tuple[tuple[int, int], ...]], int], np.ndarray, np.ndarray, np.ndarray]


def _relative(chunk: Chunk) -> tuple[tuple[int, int], ...]:
    """The passage's sentence spans, from its own start: a passage's sentence vectors are reused
    only when its text is cut into the same sentences."""
    return tuple((s - chunk.start, e - chunk.start) for s, e in chunk.sentences)


@dataclass(frozen=True, slots=True)
class Embedded:
    vectors: np.ndarray
    sentence_vectors: np.ndarray
    todo: list[int]  # the passages embedded (the rest were copied)
    embedder: Embedder  # what embedded them
    speeds: dict[str, float] = field(default_factory=dict)  # passages/s of each precision measured


#: given some passages and their sentence spans: the fastest embedder and the speeds measured
Chooser = Callable[[Sequence[str], Sequence[Spans]], tuple[Embedder, dict[str, float]]]


def embed(
    chunks: list[Chunk],
    embedder: Embedder,
    old: OldVectors | None,
    progress: Callable[[int], Callable[[int], None]] | None,
    choose: Chooser | None = None,
) -> Embedded:
    """Passage and sentence vectors: copied from the live index where the same passage was embedded
    by the same model, computed for the rest; by the embedder ``choose`` measures fastest when
    nothing is copied and there are at least CHOOSE_FROM passages to embed."""
    first = first_sentence_rows(chunks)
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    sentence_vectors = np.zeros((int(first[-1]), embedder.dim), dtype=np.float32)
    todo = []
    for i, chunk in enumerate(chunks):
        row = old[0].get((chunk.digest, _relative(chunk))) if old is not None else None
        if old is not None and row is not None:  # the same text, cut into the same sentences
            old_first, old_vectors, old_sentences = old[1], old[2], old[3]
            vectors[i] = old_vectors[row]
            sentence_vectors[first[i] : first[i + 1]] = old_sentences[old_first[row] : old_first[row + 1]]
        else:
            todo.append(i)
    texts = [chunks[i].text for i in todo]
    spans = [_relative(chunks[i]) for i in todo]
    speeds: dict[str, float] = {}
    if choose is not None and len(todo) == len(chunks) and len(todo) >= CHOOSE_FROM:
        spread = np.linspace(0, len(todo) - 1, SAMPLE).astype(int)  # from all over the corpus
        embedder, speeds = choose([texts[i] for i in spread], [spans[i] for i in spread])
    if todo:
        tick = progress(len(todo)) if progress else None
        new, new_sentences = embedder.encode_passages(texts, spans, progress=tick)
        vectors[todo] = new
        new_first = first_sentence_rows([chunks[i] for i in todo])
        for n, i in enumerate(todo):
            sentence_vectors[first[i] : first[i + 1]] = new_sentences[new_first[n] : new_first[n + 1]]
    return Embedded(vectors, sentence_vectors, todo, embedder, speeds)


def vectors_of(live: Path, old_chunks: list[Chunk]) -> OldVectors:
    """The live index's vectors by passage hash and sentence cut (the caller checked they came from
    the same model)."""
    return (
        {(c.digest, _relative(c)): i for i, c in enumerate(old_chunks)},
        first_sentence_rows(old_chunks),
        np.load(live / VECTORS_FILE, mmap_mode="r"),
        np.load(live / SENTENCE_VECTORS_FILE, mmap_mode="r"),
    )
