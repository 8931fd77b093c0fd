"""Sentence roles: cue words on hand-made sentences, the classifier on toy vectors, roles kept in
the index across builds, and accuracy on the labelled sentences with the real model."""

from __future__ import annotations

import json

from assistant.config import Settings
from assistant.index.reader import Index
from assistant.language import roles

from ..conftest import ROOT


def test_labelled_corpus_sentences_get_their_roles(real_settings: Settings) -> None:
    """A floor under eval/roles.py's figures for the corpus (docs/answers.md has them all)."""
    index = Index.open(real_settings)
    stored = {(s.chunk.article, s.text): set(s.roles) for s in map(index.sentence, range(len(index.owner)))}
    rows = [json.loads(line) for line in (ROOT / "eval" / "roles.jsonl").read_text().splitlines()]
    rows = [r for r in rows if r["set"] == "corpus"]
    f1 = []
    for role in roles.ROLES:
        tp = sum(role in stored[(r["article"], r["text"])] and role in r["roles"] for r in rows)
        fp = sum(role in stored[(r["article"], r["text"])] and role not in r["roles"] for r in rows)
        fn = sum(role not in stored[(r["article"], r["text"])] and role in r["roles"] for r in rows)
        f1.append(2 * tp / max(1, 2 * tp + fp + fn))
    assert sum(f1) / len(f1) >= 0.65, dict(zip(roles.ROLES, f1, strict=True))
    none = [r for r in rows if "none" in stored[(r["article"], r["text"])]]
    assert sum("none" in r["roles"] for r in none) / len(none) >= 0.75  # content is rarely silenced
