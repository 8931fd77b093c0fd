"""The columnar passage store: what is written is read back record for record."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.index.columns import Passages, write
from assistant.language.roles import ROLES
from assistant.records import Chunk

ARTICLES = ["hero", "pyramid", "ünïcode-✓"]
POSES = ["virasana", "parsvottanasana", "supta-virasana"]


@st.composite
def chunk(draw: st.DrawFn) -> Chunk:
    text = draw(st.text(min_size=0, max_size=40))
    start = draw(st.integers(0, 10_000))
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=4)))
    sentences = tuple((start + a, start + b) for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True) if a < b)
    roles = tuple(tuple(r for r in ROLES if r in draw(st.sets(st.sampled_from(ROLES), max_size=3))) for _ in sentences)
    return Chunk(
        draw(st.sampled_from(ARTICLES)),
        start,
        start + len(text),
        text,
        draw(st.integers(0, 500)),
        sentences,
        tuple(draw(st.lists(st.sampled_from(POSES), unique=True, max_size=3))),
        roles,
        draw(st.text("0123456789abcdef", min_size=32, max_size=32)),
    )


@settings(max_examples=60, deadline=None)
@given(chunks=st.lists(chunk(), max_size=12))
def test_columns_give_back_every_record(tmp_path_factory, chunks: list[Chunk]) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("columns") / "passages"
    write(folder, chunks)
    passages = Passages(folder)
    assert len(passages) == len(chunks)
    assert list(passages) == chunks
    assert passages[-1:] == chunks[-1:]
    for pose in POSES:  # the pose table agrees with a plain scan of the records
        expected = [i for i, c in enumerate(chunks) if pose in c.poses]
        assert passages.pose_rows().get(pose, np.zeros(0)).tolist() == expected
    for article in ARTICLES:
        expected = [i for i, c in enumerate(chunks) if c.article == article]
        assert passages.article_rows().get(article, []) == expected
    assert passages.first_sentence[-1] == sum(len(c.sentences) for c in chunks) == len(passages.role_bits)


def test_a_passage_out_of_range_is_an_index_error(tmp_path: Path) -> None:
    write(tmp_path / "p", [Chunk("a", 0, 4, "Sit.", 1, ((0, 4),), (), (("steps",),), "0" * 32)])
    passages = Passages(tmp_path / "p")
    assert passages[0].roles == (("steps",),) and passages[-1] == passages[0]
    with pytest.raises(IndexError):
        passages[1]


def test_columns_of_different_lengths_are_refused(tmp_path: Path) -> None:
    chunks = [Chunk("a", 0, 4, "Sit.", 1, ((0, 4),), (), ((),), "0" * 32)] * 3
    write(tmp_path / "p", chunks)
    np.save(tmp_path / "p" / "tokens.npy", np.zeros(2, dtype=np.int32))
    with pytest.raises(ValueError, match="different lengths"):
        Passages(tmp_path / "p")
