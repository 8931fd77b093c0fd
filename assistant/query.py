"""Understanding a question: which poses it names, what it asks about them, in the articles' words.

A pose the question names is handled by focusing on that pose's passages, so the text that
ranks them is the question without the pose's name (its *topic*); colloquial words are
bridged to the words articles use (data/expansions.yaml). Pure: needs only the pose lexicon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from .lexical import stems, tokenize
from .poses import Lexicon
from .text import words

#: words for "a pose": in every article, so they rank nothing (left out of the BM25 query)
POSE_WORDS = frozenset(tokenize("yoga pose poses posture postures asana asanas"))
#: words every question here could use; they say nothing about whether the articles answer it
DOMAIN = POSE_WORDS | frozenset(tokenize("stretch stretching exercise practice practise class"))
#: question words that say nothing about the topic
GENERIC = frozenset(
    tokenize(
        "pose poses yoga asana posture do doing how what which why when where should can could would "
        "much many long good bad best better way ways thing things get make tell know need want like "
        "feel feeling help also just really about ok okay please thanks anyone someone use used using one ones"
    )
)


@dataclass(frozen=True, slots=True)
class Query:
    """What the retriever understood of the question."""

    question: str
    named: tuple[str, ...]  # poses the question names
    carried: tuple[str, ...]  # poses of the conversation, when the question names none
    tokens: tuple[str, ...]  # BM25 query (question words twice, bridged words once)
    topic: str = ""  # the question without the pose's name, for ranking passages about the pose

    @property
    def poses(self) -> tuple[str, ...]:
        return self.named or self.carried


@lru_cache(maxsize=1)
def expansions() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """(trigger phrase, words to add) pairs from data/expansions.yaml, all stemmed. Triggers keep
    their function words, so "why should" does not fire on every "should"."""
    data = yaml.safe_load(resources.files("assistant").joinpath("data/expansions.yaml").read_text("utf-8"))
    rules = []
    for entry in data["expansions"]:
        add = tuple(t for phrase in entry["add"] for t in tokenize(str(phrase)) if t not in GENERIC | DOMAIN)
        for phrase in entry["when"]:
            trigger = tuple(stems(str(phrase)))
            if trigger:
                rules.append((trigger, add))
    return tuple(rules)


def bridge(text: str) -> list[str]:
    """Words the articles use for what ``text`` says ('feet hurt' -> towel, padding, ...)."""
    tokens = stems(text)
    added: list[str] = []
    for trigger, add in expansions():
        n = len(trigger)
        if any(tuple(tokens[i : i + n]) == trigger for i in range(len(tokens) - n + 1)):
            added.extend(t for t in add if t not in added)
    return added


def key_words(topic: str) -> set[str]:
    """The words of ``topic`` that say what is asked (not how, not which pose)."""
    return {w for w in tokenize(topic) if w not in GENERIC and w not in DOMAIN and not w.isdigit()}


class QueryReader:
    """Reads questions against one pose lexicon. ``bridges`` and ``strip_names`` exist to
    measure what each adds (eval/ablation.py)."""

    def __init__(self, lexicon: Lexicon, *, bridges: bool = True, strip_names: bool = True) -> None:
        self.lexicon = lexicon
        self.bridges = bridges
        self.strip_names = strip_names

    def read(
        self,
        question: str,
        named: tuple[str, ...],
        topic: str,
        carried: tuple[str, ...],
        history: Sequence[str] = (),
    ) -> Query:
        """The query for ``question`` whose poses and topic are ``named`` and ``topic`` (see
        :meth:`topic`), with ``carried`` the poses of the conversation."""
        if history and not key_words(topic):
            # an elliptical follow-up ("and for the pyramid one?") asks the earlier question again
            for turn in reversed(history):
                earlier = self.topic(turn)[1]
                if key_words(earlier):
                    topic = f"{topic} {earlier}"
                    break
        ranked = [w for w in tokenize(topic) if w not in POSE_WORDS]
        tokens = tuple(ranked * 2) + (tuple(bridge(topic)) if self.bridges else ())
        return Query(question, named, carried, tokens, topic)

    def topic(self, text: str) -> tuple[tuple[str, ...], str]:
        """The poses ``text`` names, and ``text`` without their names: a pose is handled by the
        focus on its passages, which are then ranked by what is asked about it."""
        mentions = self.lexicon.mentions(text)
        named = tuple(dict.fromkeys(m.pose for m in mentions))
        all_words = words(text.replace("-", " "))
        in_name = {i for m in mentions for i in range(m.first, m.last)}
        topic = [w for i, w in enumerate(all_words) if i not in in_name] if self.strip_names else all_words
        return named, " ".join(topic if tokenize(" ".join(topic)) else all_words)
