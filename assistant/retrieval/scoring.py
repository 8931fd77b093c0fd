"""Which retrieved sentences could answer a question, and the tests the answer stage applies to
a sentence: is it quotable at all, does it lean on the sentence before it, does it say what a
pose or a term is, which of the question's words does it say.

How well each candidate answers is learned, not weighed here: features.py turns each candidate
into numbers and scorer.py gives it a probability of belonging in the answer.

Pure: retrieved sentences and a ``Library`` (a loaded ``Index`` is one) in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from assistant.language.intent import Intent
from assistant.language.roles import is_heading
from assistant.language.text import fold, tokenize, words
from assistant.language.vocabulary import CAUTIONS
from assistant.records import Sentence
from assistant.retrieval.query import ASKING, DOMAIN, GENERIC, bridge
from assistant.retrieval.retriever import Retrieval

#: sentences about the article rather than the pose (a guard beside the 'none' role)
_META = re.compile(
    r"(here[’']?s (a|an|how|what)\b|"
    r"\b(this|the)( free| short| quick| following)? (article|video|post|clip|video clip)\b|"
    r"read my (article|post)|let us know|\bsubscribe\b|\bnewsletter\b|\bcomments?\b)",
    re.IGNORECASE,
)


#: a sentence that says who should not do the pose ("Avoid this pose if ...", "contraindications")
CONTRAINDICATION = re.compile(
    rf"\b(?:{CAUTIONS}|skip)\b",
    re.IGNORECASE,
)


class Library(Protocol):
    """What composing needs beyond the retrieval (a loaded ``Index`` is one)."""

    def title(self, article: str) -> str: ...
    def pose_sentences(self, poses: Iterable[str]) -> list[Sentence]: ...
    def article_sentences(self, article: str) -> list[Sentence]: ...
    def family(self, pose_id: str) -> set[str]: ...
    def names(self, pose_id: str) -> list[str]: ...
    def article_poses(self, article: str) -> tuple[str, ...]: ...
    def previous(self, sentence: Sentence) -> Sentence | None: ...
    def label(self, pose_id: str) -> str: ...
    def covered_labels(self) -> list[str]: ...
    def titles(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Candidate:
    """A sentence that could go into the answer, and the scorer's probability that it belongs."""

    sentence: Sentence
    p: float = 0.0

    @property
    def text(self) -> str:
        return self.sentence.text

    @property
    def span(self) -> tuple[int, int]:
        return self.sentence.span

    @property
    def place(self) -> tuple[str, int]:
        return self.sentence.place

    def has(self, role: str) -> bool:
        return role in self.sentence.roles


def usable(sentence: Sentence) -> bool:
    """A sentence that can stand in an answer: some words, not a heading (a short line without
    an end mark), not a question, not talk about the article itself, and not a 'none' role."""
    return "none" not in sentence.roles and _quotable(sentence.text)


@lru_cache(maxsize=20_000)
def _quotable(text: str) -> bool:
    return not is_heading(text) and bool(tokenize(text)) and not _META.search(text)


def pool(retrieval: Retrieval, library: Library) -> list[Sentence]:
    """The usable sentences retrieval found, once each: when the question is about poses, those
    of articles that teach them (else of passages that mention them)."""
    query = retrieval.query
    found = [s for s in dict((s.span, s) for s in retrieval.sentences).values() if usable(s)]
    family = {f for p in query.poses for f in library.family(p)}
    taught = [s for s in found if family & set(library.article_poses(s.chunk.article))]
    return taught or [s for s in found if family & set(s.chunk.poses)] or found


def role_match(sentence: Sentence, intent: Intent) -> tuple[bool, bool]:
    """Whether the sentence's role is the first the question's kind asks for, or another it asks for."""
    mine = set(sentence.roles)
    return bool(set(intent.roles[:1]) & mine), bool(set(intent.roles[1:]) & mine)


def asked_share(topic: str) -> tuple[Callable[[str], float], bool]:
    """A function giving the share of what ``topic`` asks about (its words beyond how it asks and
    which pose) that a text says: directly, through a bridge, or as a compound written apart
    ('backbend', 'back-bend'); and whether it asks about nothing in particular."""
    asked = [w for w in dict.fromkeys(tokenize(topic)) if w not in GENERIC | DOMAIN | ASKING]
    bridges = {w: set(bridge(w)) for w in asked}

    def share(text: str) -> float:
        if not asked:
            return 1.0
        said = set(tokenize(text))
        said |= {a + b for a, b in zip(words(text), words(text)[1:], strict=False)}
        return sum(1 for w in asked if w in said or said & bridges[w]) / len(asked)

    return share, not asked


def after_variation(sentence: Sentence, library: Library, reach: int = 3) -> bool:
    """The sentence follows a description of a variation ("You can deepen the pose by ... Hold
    this position for 10 to 20 seconds."): one of the ``reach`` sentences before it is one."""
    earlier: Sentence | None = sentence
    for _ in range(reach):
        earlier = library.previous(earlier) if earlier else None
        if earlier is not None and "deeper" in earlier.roles:
            return True
    return False


def near(sentence: Sentence, tokens: set[str], library: Library, reach: int = 3) -> bool:
    """The sentence, or one of the ``reach`` before it, uses one of ``tokens``."""
    earlier: Sentence | None = sentence
    for _ in range(reach + 1):
        if earlier is None:
            return False
        if tokens & set(tokenize(earlier.text)):
            return True
        earlier = library.previous(earlier)
    return False


def names_any(text: str, names: Sequence[str]) -> bool:
    """The text names the pose by one of ``names`` (case and accents aside)."""
    plain = f" {_plain(text)} "
    return any(f" {_plain(n)} " in plain for n in names if n)


#: a sentence that leans on the one before it ("If this is you, ...")
_LEANS_BACK = re.compile(
    r"^(?:if (?:this|that) (?:is|sounds like) you|if so|in that case|this is why|that['’]s why|because of this|"
    r"for this reason|that way)\b",
    re.IGNORECASE,
)


def leans_back(sentence: Sentence) -> bool:
    return bool(_LEANS_BACK.match(sentence.text))


_IS_A = re.compile(r"\b(?:is|are)\s+(?:a|an|the|one of|such a|also|often|called|known as)\b", re.IGNORECASE)
_DEICTIC = re.compile(r"\b(?:this|it|the pose|this pose)\b")


def describes(text: str, names: Sequence[str]) -> bool:
    """The sentence says what a pose is: '<one of ``names``> is a ...', 'This is the ...'."""
    found = _IS_A.search(text)
    if not found or found.start() > 80:
        return False
    subject = fold(text[: found.start()])
    return bool(_DEICTIC.search(subject)) or any(fold(n) in subject for n in names if n)


#: how an article says what a term is
_DEFINES = (
    r"\b{t}\b,? (?:is|are|means|refers to|describes)\b",
    r"\({t}\)",
    r"\b{t} \(",
    r"\b{t}, (?:the|a|an|which|meaning|also)\b",
    r"\b(?:called|known as|named|meaning) (?:the |a |an )?{t}\b",
)


def defining(term: str, sentences: Sequence[Sentence]) -> list[Sentence]:
    """The sentences that say what ``term`` is: '<term> is ...', '... (<term>)', '<term>, the ...'."""
    t = re.escape(re.sub(r"^(?:the|a|an) ", "", _plain(term)))
    patterns = [re.compile(p.format(t=t)) for p in _DEFINES]
    return [s for s in sentences if any(p.search(_plain(s.text)) for p in patterns)]


def _plain(text: str) -> str:
    return " ".join(fold(text).split())
