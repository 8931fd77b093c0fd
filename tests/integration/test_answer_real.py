"""Composing answers: on toy records (what each rule does), and with the real model on the real corpus."""

from __future__ import annotations

import re

import pytest

from assistant.answer.compose import NOT_MEDICAL_ADVICE
from assistant.pipeline import Assistant

QUESTIONS = [
    "how long do I hold pyramid pose?",
    "what if my feet hurt in Hero?",
    "how do I get into hero pose?",
    "my hamstrings are tight, what stretch can I do?",
    "where do the blocks go in pyramid pose",
    "can I do hero pose when pregnant?",
    "how should I breathe in pyramid pose?",
    "what are the benefits of hero pose?",
]


def pieces(answer_text: str) -> list[str]:
    body = answer_text.partition("\n\n")[0]
    return [p for p in re.split(r"(?<=\])\s+", body) if p]


@pytest.mark.parametrize("question", QUESTIONS)
def test_answers_are_short_cited_sentences_of_the_articles_and_never_filler(
    real_assistant: Assistant, question: str
) -> None:
    answer = real_assistant.ask(question)
    parts = pieces(answer.text)
    assert 1 <= len(parts) <= 7, answer.text  # the policy's cap, and a sentence leant on
    assert all(re.search(r"\[\d+\]$", p) for p in parts)
    texts = [re.sub(r"\s*\[\d+\]$", "", p) for p in parts]
    assert len(set(texts)) == len(texts)
    index = real_assistant.index
    roles = {index.sentence(r).text: index.sentence(r).roles for r in range(len(index.owner))}
    assert all("none" not in roles[t] for t in texts), answer.text


def test_the_direct_answer_comes_first_even_misspelled(real_assistant: Assistant) -> None:
    assert real_assistant.ask("how long do I hold pyramid pose?").text.startswith("Hold for 5-8 breaths. [1]")
    assert real_assistant.ask("how long do I hold piramid pose?").text.startswith("Hold for 5-8 breaths. [1]")
    assert real_assistant.ask("how long do I hold piramid?").text.startswith("Hold for 5-8 breaths. [1]")


def test_a_procedure_follows_one_articles_order(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("how do I get into hero pose?")
    assert answer.text.startswith(("Begin by kneeling", "Kneel down"))
    starts = [h[0] for c in answer.citations for h in c.highlights]
    assert starts == sorted(starts) and len({c.article for c in answer.citations}) == 1


def test_sore_feet_in_hero_lead_with_the_top_of_the_feet_and_get_every_prop(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("what if my feet hurt in Hero?")
    first = pieces(answer.text)[0]
    assert first.startswith("One beginner’s tip is to help ward off the problem of the inner part of the top feet")
    props = ("thick blanket as padding", "rolling up a towel and placing under your ankles", "block under the hips")
    for prop in props:
        assert prop in answer.text, prop
    assert NOT_MEDICAL_ADVICE in answer.text


def test_a_health_condition_gets_the_contraindications_and_no_benefit_claim(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("can I do hero pose with a knee injury?")
    assert "Some contraindications and cautions for this pose include" in answer.text
    assert NOT_MEDICAL_ADVICE in answer.text
    claimed = real_assistant.ask("can I do hero pose with high blood pressure?")
    assert "therapeutic" not in claimed.text  # a benefit claim is no answer to "is it safe with ..."
    assert NOT_MEDICAL_ADVICE not in real_assistant.ask("how long do I hold pyramid pose?").text


def test_a_follow_up_answers_about_the_variation_under_discussion(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("how long should I hold that?", ["how can I deepen hero pose?"])
    assert pieces(answer.text)[0].startswith("Hold this position for 10 to 20 seconds.")


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("how do I do crow pose?", "don't teach Crow Pose"),
        ("is gate pose good for tight hips?", "don't teach Gate Pose"),
        ("what are the sitting bones?", "mention sitting bones but don't explain it"),
        ("what's a good sourdough recipe?", "don't answer that"),
        ("can I practise hero pose on a trampoline?", "don't answer that"),  # nothing on trampolines
        ("where should my eyebrows be in pyramid pose?", "don't answer that"),  # a detail never mentioned
        ("is pyramid pose good for migraines?", "don't answer that"),  # a condition never mentioned
    ],
)
def test_questions_the_articles_do_not_answer_are_declined_with_what_they_cover(
    real_assistant: Assistant, question: str, says: str
) -> None:
    answer = real_assistant.ask(question)
    assert answer.abstained and not answer.citations and not re.search(r"\[\d+\]", answer.text)
    assert says in answer.text
    assert "Hero Pose" in answer.text and "Pyramid Pose" in answer.text
