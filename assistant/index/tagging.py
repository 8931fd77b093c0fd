"""Each sentence of each passage tagged at build time with what it is for (language/roles.py):
the classifier kept from the live index when it is the same one, else trained anew."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path

import numpy as np

from assistant.embed.embedding import Embedder
from assistant.index.columns import first_sentence_rows
from assistant.index.generation import ROLES_FILE
from assistant.language import roles
from assistant.records import Chunk


def role_model(live: Path | None, embedder: Embedder) -> roles.RoleModel:
    """The live index's sentence-role classifier when it is the same one, else one trained on
    data/roles.yaml's examples embedded by this model."""
    if live is not None and (live / ROLES_FILE).is_file():
        with contextlib.suppress(OSError, ValueError):
            return roles.RoleModel(np.load(live / ROLES_FILE))
    labels, texts = zip(*roles.examples(), strict=True)
    return roles.RoleModel.train(texts, labels, embedder.encode(list(texts)))


def with_roles(chunks: list[Chunk], sentence_vectors: np.ndarray, model: roles.RoleModel) -> list[Chunk]:
    """Every passage with each sentence's roles: kept where the passage already has them (same
    classifier), classified from the sentence vectors otherwise."""
    todo = [i for i, c in enumerate(chunks) if len(c.roles) != len(c.sentences)]
    if not todo:
        return chunks
    first = first_sentence_rows(chunks)
    rows = np.concatenate([np.arange(first[i], first[i + 1]) for i in todo])
    found = model.classify(
        [chunks[i].sentence_text(s) for i in todo for s in chunks[i].sentences], sentence_vectors[rows]
    )
    out = list(chunks)
    at = 0
    for i in todo:
        n = len(chunks[i].sentences)
        out[i] = replace(chunks[i], roles=tuple(found[at : at + n]))
        at += n
    return out
