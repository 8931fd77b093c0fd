"""Extractive answers with the real model on the real corpus: short, cited, safe."""

from __future__ import annotations

import re

import pytest

from assistant.answer import NOT_MEDICAL_ADVICE, select, wants_cautions
from assistant.pipeline import Assistant

pytestmark = pytest.mark.slow

QUESTIONS = [
    "how long do I hold pyramid pose?",
    "what if my feet hurt in Hero?",
    "how do I get into hero pose?",
    "my hamstrings are tight, what stretch can I do?",
    "where do the blocks go in pyramid pose",
    "can I do hero pose when pregnant?",
]


def sentences(answer_text: str) -> list[str]:
    body = answer_text.partition("\n\n")[0]
    return [p for p in re.split(r"(?<=\])\s+", body) if p]


@pytest.mark.parametrize("question", QUESTIONS)
def test_answers_are_two_to_six_cited_sentences_without_near_duplicates(
    real_assistant: Assistant, question: str
) -> None:
    answer = real_assistant.ask(question)
    parts = sentences(answer.text)
    assert 2 <= len(parts) <= 6, answer.text
    assert all(re.search(r"\[\d+\]$", p) for p in parts)
    texts = [re.sub(r"\s*\[\d+\]$", "", p) for p in parts]
    assert len(set(texts)) == len(texts)


def test_the_direct_answer_comes_first(real_assistant: Assistant) -> None:
    assert real_assistant.ask("how long do I hold pyramid pose?").text.startswith("Hold for 5-8 breaths. [1]")


def test_how_to_answers_follow_the_articles_order(real_assistant: Assistant) -> None:
    text = real_assistant.ask("how do I get into hero pose?").text
    assert text.startswith("Begin by kneeling")


def test_pain_questions_get_the_poses_cautions_and_a_note(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("my knees hurt in hero pose, what should I do?")
    assert NOT_MEDICAL_ADVICE in answer.text
    assert "contraindications" in answer.text or "pain in your knees" in answer.text
    body = answer.text.partition("\n\n")[0]
    assert all(re.search(r"\[\d+\]$", p) for p in sentences(body))  # cautions are cited too
    assert NOT_MEDICAL_ADVICE not in real_assistant.ask("how long do I hold pyramid pose?").text


def test_questions_the_articles_do_not_answer_get_what_they_cover(real_assistant: Assistant) -> None:
    for question in ["how do I do crow pose?", "what's a good sourdough recipe?"]:
        answer = real_assistant.ask(question)
        assert answer.abstained and not answer.citations and not re.search(r"\[\d+\]", answer.text)
        assert "Hero Pose" in answer.text and "Pyramid Pose" in answer.text


def test_wants_cautions_recognises_health_words() -> None:
    assert wants_cautions("is it safe when pregnant?") and wants_cautions("my knee hurts")
    assert not wants_cautions("how long do I hold it?")


def test_select_keeps_order_and_drops_near_duplicates() -> None:
    from assistant.answer import Candidate
    from assistant.records import Chunk, Sentence

    chunk = Chunk("a", 0, 100, "x" * 100, 10)

    def s(text: str, score: float, at: int, caution: bool = False) -> Candidate:
        return Candidate(Sentence(0, chunk, (at, at + 5), text + (" never force it." if caution else ".")), score)

    best = s("Hold the pose for thirty seconds", 3.0, 50)
    dup = s("Hold the pose for thirty seconds please", 2.9, 60)
    early = s("Kneel on the floor with knees together", 2.5, 10)
    weak = s("Something barely related to anything here", 0.5, 70)
    warn = s("Listen to your body and", 0.1, 5, caution=True)
    chosen = select([best, dup, early, weak], [warn])
    assert chosen == [best, early, warn]
