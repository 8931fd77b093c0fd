"""Follow-up suggestions after an answer: other topics the articles cover for the same pose.

No LLM: a topic is offered for a pose when a passage about that pose uses the topic's words,
and no question of the chat already asked about it (the same kind of question, or its words).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from assistant.language.intent import understand
from assistant.language.text import tokenize
from assistant.language.vocabulary import PROP_WORDS
from assistant.records import Pose

#: (question template, words that show a passage covers the topic)
TOPICS: tuple[tuple[str, str], ...] = (
    ("How long do I hold {pose}?", "hold seconds minute minutes breaths"),
    ("How do I get into {pose}?", "begin kneel start step instructions"),
    ("What props help with {pose}?", " ".join(PROP_WORDS)),
    ("Who should avoid {pose}?", "contraindications cautions injuries"),
    ("What are the benefits of {pose}?", "benefits improve relief"),
    ("How do I come out of {pose}?", "come out release"),
    ("How can I go deeper in {pose}?", "deepen deeper intensity"),
    ("How should I breathe in {pose}?", "breathe breath inhale exhale breathing"),
)


#: template words that say nothing about the topic
_PLAIN = frozenset(tokenize("how what who get help should can go"))


def topic_words(index: int) -> set[str]:
    template, keys = TOPICS[index]
    return set(tokenize(keys)) | (set(tokenize(template.replace("{pose}", ""))) - _PLAIN)


def available(uses_any: Callable[[list[str]], bool]) -> list[int]:
    """Indices of TOPICS that the passages about a pose cover; ``uses_any(tokens)``: whether one
    of those passages has one of these tokens (:func:`tokenize`'s)."""
    return [i for i in range(len(TOPICS)) if uses_any(tokenize(TOPICS[i][1]))]


def _kind(question: str) -> tuple[str, str]:
    """What a question asks for, as a suggestion is compared with it: its kind and, for steps,
    which part of the procedure ("how do I get into X?" and "how do I come out of X?" differ)."""
    intent = understand(question)
    return intent.kind, intent.procedure


def suggest(pose: Pose, topics: Sequence[int], asked: Sequence[str], *, limit: int = 3) -> list[str]:
    """Up to ``limit`` questions about ``pose`` on covered topics that none of ``asked`` is about:
    none asks the same kind of thing, or uses the topic's words."""
    asked_words = {w for q in asked for w in tokenize(q)}
    asked_kinds = {_kind(q) for q in asked}
    fresh = [
        i
        for i in topics
        if not topic_words(i) & asked_words and _kind(TOPICS[i][0].format(pose="pose")) not in asked_kinds
    ]
    return [TOPICS[i][0].format(pose=pose.english) for i in fresh[:limit]]
