"""Reading a question: what it asks for, about which pose, and what a follow-up carries over."""

from __future__ import annotations

import pytest

from assistant.language.lexicon_file import load_lexicon
from assistant.language.poses import Lexicon
from assistant.retrieval.query import QueryReader


@pytest.fixture(scope="module")
def reader() -> QueryReader:
    lexicon: Lexicon = load_lexicon()
    return QueryReader(lexicon, ["virasana", "supta-virasana", "parsvottanasana", "setu-bandha-sarvangasana"])


def read(reader: QueryReader, question: str, history: list[str] | None = None):  # type: ignore[no-untyped-def]
    named, topic = reader.topic(question)
    return reader.read(question, named, topic, (), history or [])


def test_the_intent_is_read_with_pose_names_blanked(reader: QueryReader) -> None:
    q = read(reader, "how long do I hold piramid pose?")
    assert q.named == ("parsvottanasana",) and q.intent.kind == "hold"
    assert read(reader, "what is parsvottanasana?").intent.kind == "naming"  # a pose, not a term
    assert read(reader, "what are the sitting bones?").intent.term == "sitting bones"


def test_an_elliptical_follow_up_asks_the_earlier_question_again(reader: QueryReader) -> None:
    q = read(reader, "and for pyramid pose?", ["how long do I hold hero pose?"])
    assert q.named == ("parsvottanasana",) and q.intent.kind == "hold" and "long" in q.topic
    follow = read(reader, "how long should I hold that?", ["how can I deepen hero pose?"])
    assert follow.intent.kind == "hold" and "deepen" in follow.context


def test_a_variant_brings_the_words_its_articles_use(reader: QueryReader) -> None:
    q = read(reader, "supta virasana instructions")
    assert q.named == ("supta-virasana",) and "reclining" in q.variant and "reclining" in q.topic


def test_a_taught_poses_one_word_name_and_an_unknown_pose(reader: QueryReader) -> None:
    q = read(reader, "is bridge easier than wheel pose?")
    assert q.named == ("setu-bandha-sarvangasana", "urdhva-dhanurasana")
    assert read(reader, "is gate pose good for tight hips?").unknown == ("Gate Pose",)


def test_a_taught_poses_name_misspelled_alone_but_not_a_word_the_articles_use() -> None:
    lexicon = load_lexicon()
    reader = QueryReader(lexicon, ["parsvottanasana", "janu-sirsasana"], known=lambda w: w.startswith("hamstring"))
    assert reader.topic("how long do I hold piramid?")[0] == ("parsvottanasana",)
    assert reader.topic("what can I do for tight hamstrings?")[0] == ()  # 'hamstring' is in a name, and a word
    assert reader.topic("is it a danger?")[0] == ()  # near Dancer's Pose, which is not taught
