"""Retrieval evaluation on a question set: quote location, per-question results, metrics.

A passage *covers* a quote when it overlaps at least half of the quote's characters in the
same article. Metric definitions are in docs/evaluation.md; they are pure functions over
per-question coverage lists so they can be checked by hand.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from assistant.errors import QuestionError, QuestionSetError
from assistant.language.text import collapse_for_match
from assistant.records import Chunk, Hit

Span = tuple[int, int]
TOKEN_BUDGET = 400


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    question: str
    evidence: tuple[str, ...]
    history: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Located:
    """Where each quote of a question occurs: per quote, (article, span) pairs."""

    places: tuple[tuple[tuple[str, Span], ...], ...]


@dataclass(frozen=True, slots=True)
class Result:
    id: str
    covers: tuple[frozenset[int], ...]  # per ranked passage: indices of the quotes it covers
    tokens: tuple[int, ...]  # per ranked passage: cl100k tokens
    quotes: int
    abstained: bool

    @property
    def first_rank(self) -> int | None:
        return next((r for r, c in enumerate(self.covers, start=1) if c), None)


def read_question_rows(path: Path) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, id, row) for each question of a JSONL set: ``where`` is 'file:line' for messages.
    Rows are checked for a question string and a unique id; an empty set is an error."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise QuestionSetError(f"question set {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as e:
        raise QuestionSetError(f"question set {path} cannot be read as UTF-8 text ({type(e).__name__})") from None
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise QuestionSetError(f"{where}: not a JSON object") from None
        if not isinstance(row, dict) or not isinstance(row.get("question"), str):
            raise QuestionSetError(f'{where}: needs a "question" string')
        qid = str(row.get("id", number))
        if qid in seen:
            raise QuestionSetError(f"{where}: id {qid!r} is used twice")
        seen.add(qid)
        history = row.get("history") or []
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            raise QuestionSetError(f'{where}: "history" must be a list of strings')
        yield where, qid, row
    if not seen:
        raise QuestionSetError(f"question set {path} has no questions")


def load_questions(path: Path) -> list[Question]:
    """Read a JSONL question set; every problem names its line and what to fix."""
    questions: list[Question] = []
    for where, qid, row in read_question_rows(path):
        evidence = row.get("evidence", [])
        if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
            raise QuestionSetError(f'{where}: "evidence" must be a list of strings')
        questions.append(Question(qid, row["question"], tuple(evidence), tuple(row.get("history") or [])))
    return questions


def locate(questions: Sequence[Question], bodies: dict[str, str]) -> dict[str, Located]:
    """Find every quote in the article bodies (whitespace collapsed, quotes straightened)."""
    collapsed = {aid: collapse_for_match(body) for aid, body in bodies.items()}
    out = {}
    for q in questions:
        places = []
        for quote in q.evidence:
            needle, _ = collapse_for_match(quote)
            found = []
            for aid, (hay, where) in collapsed.items():
                start = hay.find(needle) if needle else -1
                while start != -1:
                    found.append((aid, (where[start], where[start + len(needle) - 1] + 1)))
                    start = hay.find(needle, start + 1)
            if not found:
                raise QuestionSetError(f"question {q.id}: evidence {quote[:60]!r} is not in any article")
            places.append(tuple(found))
        out[q.id] = Located(tuple(places))
    return out


def covers(chunk: Chunk, located: Located) -> frozenset[int]:
    """Indices of the quotes this passage covers (at least half of the quote's characters)."""
    hit = set()
    for i, places in enumerate(located.places):
        for article, (s, e) in places:
            if article == chunk.article and min(e, chunk.end) - max(s, chunk.start) >= (e - s) / 2:
                hit.add(i)
                break
    return frozenset(hit)


# -- metrics: pure functions over Result ----------------------------------------------------------
def hit_at(r: Result, k: int) -> float:
    return float(any(r.covers[:k]))


def recall_at(r: Result, k: int) -> float:
    covered = set().union(*r.covers[:k]) if r.covers[:k] else set()
    return len(covered) / r.quotes


def mrr_at(r: Result, k: int) -> float:
    rank = r.first_rank
    return 1.0 / rank if rank is not None and rank <= k else 0.0


def ndcg_at(r: Result, k: int) -> float:
    import math

    seen: set[int] = set()
    dcg = 0.0
    for rank, c in enumerate(r.covers[:k], start=1):
        if c - seen:
            dcg += 1.0 / math.log2(rank + 1)
        seen |= c
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(r.quotes, k) + 1))
    return dcg / ideal


def recall_at_tokens(r: Result, budget: int = TOKEN_BUDGET) -> float:
    """Share of quotes covered by the top passages that fit together in ``budget`` tokens;
    the first passage always counts."""
    covered: set[int] = set()
    used = 0
    for rank, (c, t) in enumerate(zip(r.covers, r.tokens, strict=False)):
        if rank and used + t > budget:
            break
        used += t
        covered |= c
    return len(covered) / r.quotes


def abstain_accuracy(results: Sequence[Result]) -> float:
    """Mean of: share of evidence-less questions that abstained, share of the others that did not."""
    none = [r for r in results if r.quotes == 0]
    some = [r for r in results if r.quotes > 0]
    parts = []
    if none:
        parts.append(sum(r.abstained for r in none) / len(none))
    if some:
        parts.append(sum(not r.abstained for r in some) / len(some))
    return sum(parts) / len(parts) if parts else 0.0


METRICS: dict[str, Callable[[Result], float]] = {
    "hit@5": lambda r: hit_at(r, 5),
    "recall@5": lambda r: recall_at(r, 5),
    "mrr@10": lambda r: mrr_at(r, 10),
    "ndcg@10": lambda r: ndcg_at(r, 10),
    "recall@400t": recall_at_tokens,
}


def metrics(results: Sequence[Result]) -> dict[str, float]:
    answerable = [r for r in results if r.quotes]
    out = {
        name: (sum(f(r) for r in answerable) / len(answerable) if answerable else 0.0) for name, f in METRICS.items()
    }
    out["abstain_accuracy"] = abstain_accuracy(results)
    return out


def result_row(r: Result, question: Question) -> dict[str, object]:
    covered = set().union(*r.covers[:5]) if r.covers else set()
    return {
        "id": r.id,
        "hit": bool(any(r.covers[:5])),
        "first_rank": r.first_rank,
        "covered": [question.evidence[i] for i in sorted(covered)],
        "missed": [question.evidence[i] for i in range(r.quotes) if i not in covered],
        "abstained": r.abstained,
    }


class Retrieved(Protocol):
    """What a search returns, as far as evaluation looks (``retrieval.Retrieval`` is one)."""

    @property
    def hits(self) -> Sequence[Hit]: ...
    @property
    def abstain(self) -> str: ...


def run(
    questions: Sequence[Question],
    located: dict[str, Located],
    search: Callable[[str, Sequence[str]], Retrieved],
) -> list[Result]:
    """Search every question with ``search(question, history)``; a question the assistant
    refuses (too long, no words) counts as an abstention with no passages."""
    results = []
    for q in questions:
        try:
            found = search(q.question, q.history)
            chunks, abstained = [h.chunk for h in found.hits], bool(found.abstain)
        except QuestionError:
            chunks, abstained = [], True
        results.append(
            Result(
                id=q.id,
                covers=tuple(covers(c, located[q.id]) for c in chunks),
                tokens=tuple(c.tokens for c in chunks),
                quotes=len(q.evidence),
                abstained=abstained,
            )
        )
    return results


def worst_first(results: Sequence[Result]) -> list[Result]:
    """Answerable questions that did worst first (missed, then late), then wrong abstentions."""

    def badness(r: Result) -> tuple[float, float]:
        if not r.quotes:
            return (0.0 if r.abstained else 2.0, 0.0)
        return (
            3.0 - hit_at(r, 5) - recall_at_tokens(r) - mrr_at(r, 10) + (1.0 if r.abstained else 0.0),
            -recall_at(r, 5),
        )

    return sorted(results, key=badness, reverse=True)


def citations_cover(citations: Sequence[tuple[str, int, int]], located: Located) -> bool:
    """Whether any cited passage (article, start, end) covers any of the question's quotes."""
    return any(covers(Chunk(article, start, end, "", 0), located) for article, start, end in citations)


def answer_metrics(rows: Sequence[tuple[Question, bool, bool]]) -> dict[str, float]:
    """From (question, abstained, citations cover evidence) per question: the share of answerable
    questions whose answer cites covering evidence, and of unanswerable ones that abstained."""
    answerable = [covered for q, _, covered in rows if q.evidence]
    unanswerable = [abstained for q, abstained, _ in rows if not q.evidence]
    return {
        "cited_evidence": sum(answerable) / len(answerable) if answerable else 0.0,
        "abstained_unanswerable": sum(unanswerable) / len(unanswerable) if unanswerable else 0.0,
    }
