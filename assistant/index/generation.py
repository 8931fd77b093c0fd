"""The files of one index generation: their names, and writing and reading them.

A generation is a folder: ``passages/`` (every passage's article, span, text, token count,
sentence spans, poses, each sentence's roles and its content hash, as memory-mapped columns:
columns.py), passage and sentence vectors (``.npy``, memory-mapped when read), the FAISS index,
two BM25 indexes (passages and sentences), the pose lexicon it was tagged with, and the
sentence-role classifier's weights.
``store`` publishes and checks generations; ``build`` fills them; ``index`` reads them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from assistant.index import columns, dense, store
from assistant.index.bm25 import LexicalIndex
from assistant.language.poses import Lexicon
from assistant.records import Chunk

PASSAGES_DIR = "passages"
VECTORS_FILE = "vectors.npy"
SENTENCE_VECTORS_FILE = "sentence-vectors.npy"
DENSE_FILE = "dense.faiss"
LEXICAL_DIR = "lexical"
SENTENCE_LEXICAL_DIR = "lexical-sentences"
POSES_FILE = "poses.json"
#: the sentence-role classifier the passages were tagged with (kept so a later build need not retrain)
ROLES_FILE = "roles.npy"


def read_passages(generation: Path) -> columns.Passages:
    return columns.Passages(generation / PASSAGES_DIR)


def write_generation(
    folder: Path,
    chunks: list[Chunk],
    vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    lexicon: Lexicon,
    params: dict[str, Any],
    *,
    lexical: tuple[LexicalIndex, LexicalIndex] | None = None,
    role_weights: np.ndarray | None = None,
) -> None:
    """Write every index file into ``folder`` (BM25 indexes built here unless ``lexical`` gives them)."""
    columns.write(folder / PASSAGES_DIR, chunks)
    np.save(folder / VECTORS_FILE, vectors)
    store.crash_point("writing")
    np.save(folder / SENTENCE_VECTORS_FILE, sentence_vectors)
    dense.save(dense.build(vectors, params), folder / DENSE_FILE)
    if lexical is None:
        sentences = [c.text[s - c.start : e - c.start] for c in chunks for s, e in c.sentences]
        lexical = (LexicalIndex.build([c.text for c in chunks]), LexicalIndex.build(sentences))
    for name, index in zip((LEXICAL_DIR, SENTENCE_LEXICAL_DIR), lexical, strict=True):
        (folder / name).mkdir()
        index.save(folder / name)
    (folder / POSES_FILE).write_text(json.dumps(lexicon.to_dicts(), ensure_ascii=False), encoding="utf-8")
    if role_weights is not None:
        np.save(folder / ROLES_FILE, role_weights)
