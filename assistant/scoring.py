"""How well each retrieved sentence answers the question: the scores composing starts from.

A sentence's *relevance* is its cosine and BM25 against the question (each relative to the
best of the retrieved sentences) plus a little for its passage's rank. Its *score* adds what
makes it the kind of answer asked for: a role the question's kind wants, a prop for "it hurts",
a number for "how long", the sentence that says what a pose is, the variant asked about, the
passage the conversation is about. docs/answers.md has the measurements behind each weight.

Pure: retrieved sentences and a ``Library`` (a loaded ``Index`` is one) in, ``Candidate``
records out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from .query import ASKING, DOMAIN, GENERIC, bridge
from .records import Sentence
from .retrieval import Retrieval
from .roles import is_heading
from .text import fold, tokenize, words

#: relevance = cosine/best + BM25_WEIGHT * BM25/best + PASSAGE_PRIOR/passage rank
BM25_WEIGHT = 0.5
PASSAGE_PRIOR = 0.3
#: added to the relevance of a sentence whose role answers the question (its first role / another)
ROLE_BONUS = (0.5, 0.25)
#: for "what is <pose>?", added for a sentence that says what the pose is ("<pose> is a ...")
DESCRIBES_BONUS = 0.5
#: taken from a hold time given for a variation when the question is not about one; added to a
#: sentence about the variant a question names ("reclining hero")
VARIATION_PENALTY = 0.5
#: words of a question about a harder or other version of a pose
_VARIATION = re.compile(
    r"\b(deep\w*|harder|advanced|intens\w*|variation|version|reclin\w*|challeng\w*)\b", re.IGNORECASE
)


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


#: "what does <pose> mean?" is answered by where the name comes from
_ASKS_MEANING = re.compile(r"\b(mean|means|meaning|translat\w*|stand for|name|named|called|sanskrit)\b", re.IGNORECASE)
_ETYMOLOGY = re.compile(
    r"\b(means?|meaning|translat\w*|comes? from|derived from|literally|sanskrit (word|name|for)|named (after|for))\b",
    re.IGNORECASE,
)
#: for "it hurts" and "make it easier" questions, added for a sentence that names a prop
PROP_BONUS = 0.3
_PROP = re.compile(
    r"\b(blocks?|blankets?|bolsters?|towels?|straps?|cushions?|pillows?|books?|chairs?|wall|props?|padding)\b",
    re.IGNORECASE,
)
#: a hold time given as a number
_DURATION = re.compile(
    r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|sixty)\b[^.]{0,20}"
    r"\b(seconds?|minutes?|breaths?)\b",
    re.IGNORECASE,
)
#: in a follow-up, added for a passage like what the earlier question asked (times its share of the best)
CONTEXT_BONUS = 0.6
#: a lead whose role is not what was asked must be at least this close to the question and share a
#: word with it, or be CLOSE_COSINE close (calibrated with eval --answers on our three sets)
MIN_LEAD_COSINE = 0.25
CLOSE_COSINE = 0.6
#: sentences about the article rather than the pose (a guard beside the 'none' role)
_META = re.compile(
    r"(here[’']?s (a|an|how|what)\b|"
    r"\b(this|the)( free| short| quick| following)? (article|video|post|clip|video clip)\b|"
    r"read my (article|post)|let us know|\bsubscribe\b|\bnewsletter\b|\bcomments?\b)",
    re.IGNORECASE,
)
#: cautions that name contraindications outright lead a health-condition answer
CONTRAINDICATION = re.compile(
    r"\b(contraindicat\w*|cautions?|avoid\w*|should not|shouldn[’']?t|skip|not (advised|recommended))\b",
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
    """A sentence that could go into the answer: how relevant it is, and how well it answers."""

    sentence: Sentence
    relevance: float = 0.0
    score: float = 0.0  # relevance + role and follow-up bonuses
    match: int = 0  # 2: its role is the question's first; 1: another of the question's roles; 0: none

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
    text = sentence.text
    return not is_heading(text) and bool(tokenize(text)) and not _META.search(text) and "none" not in sentence.roles


def candidates(retrieval: Retrieval, library: Library) -> list[Candidate]:
    """The usable sentences retrieval found, best first: when the question names poses, those of
    articles that teach them (else of passages that mention them). Relevance is cosine and BM25
    relative to the best of each, plus a little for
    the passage's rank; the score adds ROLE_BONUS for a role that answers the question and, in a
    follow-up, CONTEXT_BONUS for a passage like what the earlier question asked."""
    query = retrieval.query
    found = [s for s in dict((s.span, s) for s in retrieval.sentences).values() if usable(s)]
    family = {f for p in query.poses for f in library.family(p)}
    taught = [s for s in found if family & set(library.article_poses(s.chunk.article))]
    found = taught or [s for s in found if family & set(s.chunk.poses)] or found
    if not found:
        return []
    top_cosine = max(max(s.cosine for s in found), 1e-6)
    top_bm25 = max(max(s.bm25 for s in found), 1e-6)
    top_context = max(max(s.context for s in found), 1e-6)
    roles = query.intent.roles
    primary = 2 if query.intent.kind == "pain" else 1  # for pain, what to do and when to stop weigh alike
    asked = set(tokenize(query.topic)) - GENERIC - DOMAIN
    names = [n for p in query.poses for n in library.names(p)]
    naming = query.intent.kind in {"naming", "comparison"}
    etymology = bool(_ASKS_MEANING.search(query.question))
    varied = bool(_VARIATION.search(f"{query.topic} {query.context}"))
    variant = {t for w in query.variant for t in tokenize(w)}
    remedy = query.intent.kind in {"easier", "pain"}
    out = []
    for s in found:
        relevance = max(s.cosine, 0.0) / top_cosine + BM25_WEIGHT * s.bm25 / top_bm25
        relevance += PASSAGE_PRIOR / s.passage_rank if s.passage_rank else 0.0
        match = 2 if set(roles[:primary]) & set(s.roles) else 1 if set(roles[primary:]) & set(s.roles) else 0
        if query.intent.kind == "pain" and CONTRAINDICATION.search(s.text):
            # who should avoid the pose is no answer to "it hurts here", unless it names the place
            match = min(match, 1) if asked & set(tokenize(s.text)) else 0
        score = relevance + (ROLE_BONUS[0] if match == 2 else ROLE_BONUS[1] if match else 0.0)
        if naming and (_ETYMOLOGY.search(s.text) if etymology else describes(s.text, names)):
            match, score = 2, score + DESCRIBES_BONUS  # "<pose> is a ...", or for "what does it mean", "comes from"
        if remedy and _PROP.search(s.text):  # a block, blanket or towel: the usual answer to "it hurts"
            score += PROP_BONUS
        if query.intent.kind == "hold" and _DURATION.search(s.text):  # "one to two minutes", not "a while"
            score += PROP_BONUS
        if query.intent.kind == "hold" and not varied and ("deeper" in s.roles or after_variation(s, library)):
            score -= VARIATION_PENALTY  # a hold time given for a variation answers the plain question second
        if variant and near(s, variant, library):
            score += VARIATION_PENALTY  # about the variant asked for: it, or just after it is introduced
        score += CONTEXT_BONUS * max(s.context, 0.0) / top_context if query.context else 0.0
        out.append(Candidate(s, relevance, score, match))
    # "If this is you, ..." is as relevant as the sentence it leans on (which is quoted with it)
    by_span = {c.span: c for c in out}
    for i, c in enumerate(out):
        earlier = library.previous(c.sentence) if leans_back(c.sentence) else None
        before = by_span.get(earlier.span) if earlier else None
        if before is not None and before.relevance > c.relevance:
            lift = before.relevance - c.relevance
            out[i] = Candidate(c.sentence, before.relevance, c.score + lift, c.match)
    return sorted(out, key=lambda c: (-c.score, c.place))


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


def weak(lead: Candidate, topic: str) -> bool:
    """A lead for a question that asks for no particular kind of sentence does not answer it when
    it is far in meaning (MIN_LEAD_COSINE) or about something else (:func:`answers_anyway`)."""
    return lead.sentence.cosine < MIN_LEAD_COSINE or not answers_anyway(lead, topic)


def answers_anyway(lead: Candidate, topic: str) -> bool:
    """Whether a sentence is about what was asked: it shares a word of what was asked about (not
    of how it was asked), or is very close in meaning (CLOSE_COSINE)."""
    return shared(lead, topic) > 0 or lead.sentence.cosine >= CLOSE_COSINE


def shared(candidate: Candidate, topic: str) -> int:
    """How many words of what was asked about the sentence says (directly, through a bridge, or as
    a compound written apart: 'backbend', 'back-bend'); one when nothing in particular was asked."""
    asked = set(tokenize(topic)) - GENERIC - DOMAIN - ASKING
    if not asked:
        return 1
    said = set(tokenize(candidate.text))
    said |= {a + b for a, b in zip(words(candidate.text), words(candidate.text)[1:], strict=False)}
    return sum(1 for w in asked if w in said or said & set(bridge(w)))
