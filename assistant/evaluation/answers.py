"""Answer-quality evaluation: does the answer a person reads say the right thing, and first?

A question set in this format (docs/evaluation.md) gives, per question, the key facts a good
answer must contain (each a list of alternative exact article substrings) and every article
sentence acceptable in a good answer. The metrics are pure functions over the answer text,
so they can be checked by hand and computed the same way for any answerer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import QuestionSetError
from assistant.evaluation.retrieval import read_question_rows
from assistant.language.text import collapse_for_match

#: the share of the longer text the shorter must cover for two sentences to match
MATCH_SHARE = 0.8
_MARKER = re.compile(r"\[\d+\]")


@dataclass(frozen=True, slots=True)
class AnswerQuestion:
    id: str
    question: str
    history: tuple[str, ...]
    answerable: bool
    must: tuple[tuple[str, ...], ...]  # key facts, each a tuple of alternatives
    relevant: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Graded:
    """One answer, graded: which key facts it has and which of its sentences are relevant."""

    id: str
    answerable: bool
    abstained: bool
    sentences: tuple[str, ...]
    relevant: tuple[bool, ...]  # per sentence
    facts: tuple[bool, ...]  # per key fact: found anywhere in the answer
    first_fact: bool  # the first sentence holds a key fact

    @property
    def must_recall(self) -> float:
        if self.abstained or not self.facts:
            return 0.0
        return sum(self.facts) / len(self.facts)

    @property
    def precision(self) -> float:
        return sum(self.relevant) / len(self.relevant) if self.relevant else 0.0


def fold(text: str) -> str:
    """Whitespace collapsed, quotes straightened, case folded: how answer text is compared."""
    return collapse_for_match(text)[0].casefold()


def same_sentence(a: str, b: str) -> bool:
    """One folded text contains the other, and the shorter is at least 80% of the longer."""
    a, b = fold(a), fold(b)
    short, long = sorted((a, b), key=len)
    return bool(short) and short in long and len(short) >= MATCH_SHARE * len(long)


def answer_sentences(text: str, note: str = "") -> list[str]:
    """The pieces of ``text`` between [n] markers, without the not-medical-advice ``note``."""
    if note:
        text = text.replace(note, " ")
    return [p for p in (" ".join(piece.split()) for piece in _MARKER.split(text)) if p]


def grade(q: AnswerQuestion, text: str, abstained: bool, *, note: str = "") -> Graded:
    sentences = () if abstained else tuple(answer_sentences(text, note))
    body = fold(" ".join(sentences))
    facts = tuple(any(fold(alt) in body for alt in fact) for fact in q.must)
    first = fold(sentences[0]) if sentences else ""
    return Graded(
        id=q.id,
        answerable=q.answerable,
        abstained=abstained,
        sentences=sentences,
        relevant=tuple(any(same_sentence(s, r) for r in q.relevant) for s in sentences),
        facts=facts,
        first_fact=bool(first) and any(fold(alt) in first for fact in q.must for alt in fact),
    )


def metrics(graded: Sequence[Graded]) -> dict[str, float]:
    """must_recall, first_sentence_key_fact and first_sentence_relevant over answerable questions
    (a declined one scores 0); precision over the answers given to them; the two decline counts."""
    answerable = [g for g in graded if g.answerable]
    answered = [g for g in answerable if not g.abstained and g.sentences]
    unanswerable = [g for g in graded if not g.answerable]

    def mean(values: Sequence[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    return {
        "must_recall": mean([g.must_recall for g in answerable]),
        "precision": mean([g.precision for g in answered]),
        "first_sentence_key_fact": mean([float(g.first_fact) for g in answerable]),
        "first_sentence_relevant": mean([float(bool(g.relevant) and g.relevant[0]) for g in answerable]),
        "wrongly_abstained": float(sum(g.abstained for g in answerable)),
        "answerable": float(len(answerable)),
        "unanswerable_abstained": float(sum(g.abstained for g in unanswerable)),
        "unanswerable": float(len(unanswerable)),
    }


def worst_first(graded: Sequence[Graded]) -> list[Graded]:
    """Wrong declines and answered unanswerables first, then by missed facts and off-topic sentences."""

    def badness(g: Graded) -> float:
        if not g.answerable:
            return 0.0 if g.abstained else 3.0
        if g.abstained:
            return 3.0
        first = 1.0 if g.first_fact else 0.0
        return (1 - g.must_recall) + (1 - g.precision) + 0.5 * (1 - first)

    return sorted((g for g in graded if badness(g) > 0), key=badness, reverse=True)


def load(path: Path) -> list[AnswerQuestion]:
    """Read a JSONL answer-quality set; every problem names its line and what to fix."""
    out: list[AnswerQuestion] = []
    for where, qid, row in read_question_rows(path):
        relevant, must = row.get("relevant") or [], row.get("must") or []
        if not _strings(relevant):
            raise QuestionSetError(f'{where}: "relevant" must be a list of strings')
        if not isinstance(must, list) or not all(isinstance(f, list) and f and _strings(f) for f in must):
            raise QuestionSetError(f'{where}: "must" must be a list of key facts, each a list of alternative strings')
        answerable = row.get("answerable", bool(must))
        if not isinstance(answerable, bool):
            raise QuestionSetError(f'{where}: "answerable" must be true or false')
        if answerable and not must:
            raise QuestionSetError(f'{where}: an answerable question needs at least one key fact in "must"')
        history = tuple(row.get("history") or [])
        out.append(AnswerQuestion(qid, row["question"], history, answerable, tuple(map(tuple, must)), tuple(relevant)))
    return out


def check_quotes(questions: Sequence[AnswerQuestion], bodies: Sequence[str]) -> None:
    """Every key fact and relevant sentence must be article text (after folding)."""
    folded = [fold(b) for b in bodies]
    for q in questions:
        for quote in [*(alt for fact in q.must for alt in fact), *q.relevant]:
            if not any(fold(quote) in body for body in folded):
                raise QuestionSetError(f"question {q.id}: {quote[:60]!r} is not in any article")


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
