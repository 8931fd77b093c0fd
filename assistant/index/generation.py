"""The files of one index generation: their names, and writing and reading them.

A generation is a folder: ``chunks.jsonl`` (one passage per line: article, span, text,
token count, sentence spans, poses, each sentence's roles, content hash), passage and sentence
vectors (``.npy``, memory-mapped when read), each sentence's roles as bits, the FAISS index, two
BM25 indexes (passages and sentences), the pose lexicon it was tagged with, and the
sentence-role classifier's weights.
``store`` publishes and checks generations; ``build`` fills them; ``index`` reads them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from assistant.index import dense, store
from assistant.index.bm25 import LexicalIndex
from assistant.language.poses import Lexicon
from assistant.language.roles import ROLES
from assistant.records import Chunk

CHUNKS_FILE = "chunks.jsonl"
VECTORS_FILE = "vectors.npy"
SENTENCE_VECTORS_FILE = "sentence-vectors.npy"
#: each sentence's roles as bits (bit i = roles.ROLES[i]), for picking sentences by role fast
SENTENCE_ROLES_FILE = "sentence-roles.npy"
DENSE_FILE = "dense.faiss"
LEXICAL_DIR = "lexical"
SENTENCE_LEXICAL_DIR = "lexical-sentences"
POSES_FILE = "poses.json"
#: the sentence-role classifier the passages were tagged with (kept so a later build need not retrain)
ROLES_FILE = "roles.npy"


def read_chunks(path: Path) -> list[Chunk]:
    chunks = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            sentences = tuple((int(s), int(e)) for s, e in r["sentences"])
            roles = tuple(tuple(str(x) for x in rs) for rs in r.get("roles", ()))
            chunks.append(
                Chunk(
                    r["article"],
                    r["start"],
                    r["end"],
                    r["text"],
                    r["tokens"],
                    sentences,
                    tuple(r["poses"]),
                    roles,
                    str(r["hash"]),
                )
            )
    return chunks


def role_bits(chunks: list[Chunk]) -> np.ndarray:
    """Per sentence row, its roles as bits (bit i = roles.ROLES[i]); 0 for one without a role."""
    bits = {role: 1 << i for i, role in enumerate(ROLES)}
    rows = (rs for c in chunks for rs in (c.roles or ((),) * len(c.sentences)))
    return np.fromiter((sum(bits.get(r, 0) for r in rs) for rs in rows), dtype=np.uint16)


def first_sentence_rows(chunks: list[Chunk]) -> np.ndarray:
    """Row of each passage's first sentence in the sentence arrays (plus the total at the end)."""
    return np.concatenate([[0], np.cumsum([len(c.sentences) for c in chunks])]).astype(np.int64)


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
    with (folder / CHUNKS_FILE).open("w", encoding="utf-8") as f:
        for chunk in chunks:
            record = {
                "article": chunk.article,
                "start": chunk.start,
                "end": chunk.end,
                "text": chunk.text,
                "tokens": chunk.tokens,
                "sentences": chunk.sentences,
                "poses": chunk.poses,
                "roles": chunk.roles,
                "hash": chunk.digest,
            }
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    np.save(folder / VECTORS_FILE, vectors)
    store.crash_point("writing")
    np.save(folder / SENTENCE_VECTORS_FILE, sentence_vectors)
    np.save(folder / SENTENCE_ROLES_FILE, role_bits(chunks))
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
