"""What a question asks for: kinds on hand-made questions, pose names read apart, the labelled set."""

from __future__ import annotations

import json

import pytest

from assistant.language.intent import ANSWERED_BY, KINDS, good_for, understand
from assistant.language.lexicon_file import load_lexicon

from ..conftest import ROOT


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("how many breaths in warrior two?", "hold"),
        ("is it safe to do plough pose with glaucoma?", "condition"),
        ("can I do pigeon pose after hip surgery?", "condition"),  # not "which pose comes after"
        ("which pose should I do after pigeon?", "naming"),
        ("my wrists ache in plank", "pain"),
        ("any way to make crow less scary for a beginner?", "easier"),
        ("how do I take camel further?", "deeper"),
        ("who should skip shoulder stand?", "cautions"),
        ("what does the word tadasana mean?", "naming"),
        ("how is cobra different from upward dog?", "comparison"),
        ("what is a kriya?", "definition"),
        ("where do my elbows go in sphinx?", "steps"),
        ("tell me something nice", "general"),
    ],
)
def test_kinds_of_questions_no_article_was_tuned_on(question: str, kind: str) -> None:
    intent = understand(question)
    assert intent.kind == kind
    assert intent.roles == ANSWERED_BY[kind]


def test_a_definition_keeps_its_term_and_health_words_ask_for_the_note() -> None:
    assert understand("What are the sitting bones?").term == "sitting bones"
    assert understand("what is the point of savasana?").kind == "benefits"  # about a pose, not a term
    assert understand("I'm pregnant, can I do twists?").medical
    assert not understand("how long do I hold it?").medical


def test_pose_names_are_blanked_so_they_do_not_read_as_props() -> None:
    lexicon = load_lexicon()
    assert lexicon.blank("What's the first step of Chair Pose?") == "what's the first step of pose?"
    assert lexicon.blank("how long in virasna?") == "how long in pose?"
    assert understand(lexicon.blank("what's the first step of chair pose?")).kind == "steps"


def test_labelled_questions_get_their_kind() -> None:
    """A floor under eval/intents.py (docs/answers.md has the figures)."""
    lexicon = load_lexicon()
    rows = [json.loads(line) for line in (ROOT / "eval" / "intents.jsonl").read_text().splitlines()]
    assert {r["intent"] for r in rows} <= set(KINDS)
    right = sum(understand(lexicon.blank(r["question"])).kind == r["intent"] for r in rows)
    assert right / len(rows) >= 0.95


def test_what_a_pose_is_asked_to_be_good_for() -> None:
    assert good_for("is pose good for balance?") == "balance"
    assert good_for("does it help my lower back?") == "lower back"
    assert good_for("will it improve my posture") == "posture"
    assert good_for("what does pose do for the body?") == ""
