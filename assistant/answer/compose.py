"""Composing an answer from the articles' own sentences, each cited to its passage.

Every usable sentence retrieval found is a candidate (scoring.pool); the learned scorer
(scorer.py) gives each the probability that it belongs in a good answer. When no candidate
reaches the policy's ``decline`` probability the articles don't answer, and the answer says so
with what they do cover. Otherwise every candidate from ``include`` (and ``relative`` of the
best) goes in, best first, up to ``cap``, without saying the same thing twice; a question naming
several poses gets each pose's best sentence; a sentence that leans on the one before it ("If
this is you, ...") brings that one; steps read in their article's order. docs/answers.md has the
measurements behind each of these.

Pure: takes a retrieval and a ``Library`` (titles, a pose's and an article's sentences, what is
covered; a loaded ``Index`` is one) and returns an ``Answer``. Every [n] names a citation whose
span is an exact passage of an article, and every cited sentence lies inside that passage.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from assistant.answer import features
from assistant.answer.scorer import Policy, Scorer, shipped
from assistant.language import roles
from assistant.language.text import tokenize
from assistant.records import Answer, Chunk, Citation, Sentence
from assistant.retrieval.query import Query
from assistant.retrieval.retriever import Retrieval
from assistant.retrieval.scoring import Candidate, Library, leans_back, pool, usable

NOT_MEDICAL_ADVICE = (
    "Note: these articles are not medical advice; with pain, an injury, pregnancy or a health "
    "condition, ask a doctor or physiotherapist."
)
#: two sentences sharing more than this share of their words (Jaccard) say the same thing: articles
#: repeat a cue ("Hold for 30 seconds." / "Hold the pose for 30 seconds.") in steps and in a summary
NEAR_DUPLICATE = 0.6
#: sentences that are not instructions, between two that are, in one procedure
RUN_GAP = 2
#: "what's the first step?" is answered by the procedure's first sentences
START_STEPS = 2
#: a procedure starts at its first sentence that starts the pose ("Begin by kneeling"), if any
START_PATTERN = True
_START = re.compile(
    r"^(?:(?:so|now|first|okay|ok|alright|slowly|gently),? )*(?:let['’]?s )?"
    r"(?:begin|start|kneel|stand|lie|sit|come (?:on)?to|from (?:a|an|the) \w+ (?:position|pose|stance)|step)\b",
    re.IGNORECASE,
)


def _near_duplicate(a: str, b: str) -> bool:
    wa, wb = _words_of(a), _words_of(b)
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) > NEAR_DUPLICATE


@lru_cache(maxsize=20_000)
def _words_of(text: str) -> frozenset[str]:
    return frozenset(tokenize(text))


def rank(retrieval: Retrieval, library: Library, scorer: Scorer) -> list[Candidate]:
    """The candidates, each with the scorer's probability, most likely first. A question in several
    parts ("how long do I hold it and how do I come up?") is also scored part by part, and a
    sentence keeps its best probability: each part's answer can go in."""
    sentences = pool(retrieval, library)
    probabilities = max_by_part(scorer, features.by_part(retrieval, library, sentences))
    ranked = [Candidate(s, float(p)) for s, p in zip(sentences, probabilities, strict=True)]
    return sorted(ranked, key=lambda c: (-c.p, c.place))


def max_by_part(scorer: Scorer, rows: Sequence[np.ndarray]) -> np.ndarray:
    """Each candidate's highest probability over the question and its parts."""
    return np.max(np.vstack([scorer.probabilities(r) for r in rows]), axis=0) if len(rows[0]) else np.zeros(0)


def choose(
    ranked: Sequence[Candidate],
    query: Query,
    library: Library,
    policy: Policy,
    same: frozenset[tuple[tuple[str, int], tuple[str, int]]] = frozenset(),
) -> list[Candidate]:
    """The sentences of the answer, in the order they are read ([] to decline). ``same``: pairs
    of sentences (by place) that say the same thing; an answer quotes one of each."""
    if query.intent.kind == "condition":  # "can I ... with <condition>?": a benefit claim is no answer to that
        ranked = [c for c in ranked if not c.has("benefits")]
    ranked = leaning_pairs(ranked, library)
    if not ranked or ranked[0].p < policy.decline:
        return []
    if query.intent.kind == "steps" and query.intent.procedure:  # the way into the pose, from its start
        return procedure(ranked, library, policy.cap if query.intent.procedure == "whole" else START_STEPS)
    floor = max(policy.include, policy.relative * ranked[0].p)
    chosen = [ranked[0]]

    def add(c: Candidate) -> None:
        if not any(
            c.span == o.span
            or _near_duplicate(c.text, o.text)
            or (c.place, o.place) in same
            or (o.place, c.place) in same
            for o in chosen
        ):
            chosen.append(c)

    if len(query.named) > 1:  # "which do I hold longer, A or B?" needs both
        for pose in query.named:
            family = library.family(pose)
            best = next((c for c in ranked if family & set(library.article_poses(c.sentence.chunk.article))), None)
            if best is not None:
                add(best)
    for c in ranked[1:]:
        if len(chosen) >= max(policy.cap, len(query.named)) or c.p < floor:
            break
        add(c)
    alone = next((c for c in chosen if not leans_back(c.sentence)), chosen[0])
    chosen = with_antecedents([alone, *(c for c in chosen if c is not alone)], library)  # a lead that stands alone
    if query.intent.kind == "steps":  # steps read in their article's order
        lead = chosen[0].sentence.chunk.article
        own = sorted((c for c in chosen if c.sentence.chunk.article == lead), key=lambda c: c.place)
        chosen = own + [c for c in chosen if c.sentence.chunk.article != lead]
    return chosen


def procedure(ranked: Sequence[Candidate], library: Library, limit: int) -> list[Candidate]:
    """A whole procedure: the instructions of the article of the best candidate (else of the best
    instruction), in the article's own order: the run of instructions around it (an explanation or two between
    them does not end it, and is left out), from the run's start, up to ``limit``."""
    steps = [c for c in ranked if _instruction(c.sentence)]
    if not steps:
        return list(ranked[:1])
    lead = ranked[0].sentence.chunk.article  # the article the best answer is in, if it has instructions
    best = next((c for c in steps if c.sentence.chunk.article == lead), steps[0]).sentence
    article = [s for s in library.article_sentences(best.chunk.article) if usable(s) or s.span == best.span]
    marks = [_instruction(s) for s in article]
    at = next((i for i, s in enumerate(article) if s.span == best.span), 0)
    first = last = at
    while any(marks[max(0, first - 1 - RUN_GAP) : first]):
        first = max(i for i in range(max(0, first - 1 - RUN_GAP), first) if marks[i])
    while any(marks[last + 1 : last + 2 + RUN_GAP]):
        last = min(i for i in range(last + 1, min(len(marks), last + 2 + RUN_GAP)) if marks[i])
    run = [s for s, mark in zip(article[first : last + 1], marks[first : last + 1], strict=True) if mark]
    start = next((i for i, s in enumerate(run) if START_PATTERN and _START.match(s.text)), 0)
    by_span = {c.span: c for c in ranked}
    return [by_span.get(s.span, Candidate(s, steps[0].p)) for s in run[start : start + limit]]


def _instruction(sentence: Sentence) -> bool:
    """Part of a procedure: an instruction, or a hold time, breath, prop or variation within it."""
    return _is_instruction(sentence.text, sentence.roles)


@lru_cache(maxsize=20_000)
def _is_instruction(text: str, kinds: tuple[str, ...]) -> bool:
    if "steps" in kinds or roles.cues(text)[roles.ROLES.index("steps")]:
        return True
    return bool(set(kinds) & {"hold", "breathing", "easier", "deeper"})


def leaning_pairs(ranked: Sequence[Candidate], library: Library) -> list[Candidate]:
    """A sentence that leans on the one before it ("If this is you, ...") says one thing with it:
    its probability is that either of the two answers (the two taken as independent evidence)."""
    by_span = {c.span: c for c in ranked}
    out = []
    for c in ranked:
        before = library.previous(c.sentence) if leans_back(c.sentence) else None
        other = by_span.get(before.span) if before is not None else None
        out.append(Candidate(c.sentence, 1 - (1 - c.p) * (1 - other.p)) if other is not None else c)
    return sorted(out, key=lambda c: (-c.p, c.place))


def with_antecedents(chosen: Sequence[Candidate], library: Library) -> list[Candidate]:
    """``chosen``, each sentence that leans on the one before it ("If this is you, ...") preceded
    by that one."""
    known = {c.span: c for c in chosen}
    out: list[Candidate] = []
    for c in chosen:
        before = library.previous(c.sentence) if leans_back(c.sentence) else None
        if before is not None and known.get(before.span, Candidate(before, c.p)) not in out:
            out.append(known.get(before.span, Candidate(before, c.p)))
        if c not in out:
            out.append(c)
    return out


def compose(retrieval: Retrieval, library: Library, scorer: Scorer | None = None) -> Answer:
    """The extractive answer: chosen sentences, each followed by the [n] of its passage."""
    if retrieval.abstain or not retrieval.hits:
        return abstention(retrieval, library)
    scorer = scorer or shipped()
    query = retrieval.query
    chosen = choose(rank(retrieval, library, scorer), query, library, scorer.policy, retrieval.same)
    if not chosen:
        term = query.intent.term if query.intent.kind == "definition" else ""
        return abstention(retrieval, library, mentioned=term if term and retrieval.term_sentences else "")
    return _answer(retrieval, library, chosen, query.intent.medical)


def _answer(retrieval: Retrieval, library: Library, chosen: Sequence[Candidate], medical: bool) -> Answer:
    numbers: dict[int, int] = {}
    marked: dict[int, list[tuple[int, int]]] = {}
    parts = []
    for c in chosen:
        n = numbers.setdefault(c.sentence.chunk_id, len(numbers) + 1)
        marked.setdefault(c.sentence.chunk_id, []).append(c.span)
        parts.append(f"{c.text} [{n}]")
    chunks = {c.sentence.chunk_id: c.sentence.chunk for c in chosen}
    citations = tuple(citation(n, chunks[cid], library, marked[cid]) for cid, n in numbers.items())
    text = " ".join(parts) + (f"\n\n{NOT_MEDICAL_ADVICE}" if medical else "")
    return Answer(
        question=retrieval.query.question,
        text=text,
        citations=citations,
        abstained=False,
        hits=retrieval.hits,
        poses=retrieval.query.poses,
    )


def citation(n: int, chunk: Chunk, library: Library, highlights: Sequence[tuple[int, int]] = ()) -> Citation:
    return Citation(
        n=n,
        article=chunk.article,
        title=library.title(chunk.article),
        start=chunk.start,
        end=chunk.end,
        text=chunk.text,
        poses=chunk.poses,
        highlights=tuple(sorted(highlights)),
    )


def coverage_line(library: Library) -> str:
    labels = library.covered_labels()
    if not labels:
        return "They are about: " + "; ".join(library.titles()[:8]) + "."
    return "They cover " + _join(labels) + "."


def abstention(retrieval: Retrieval, library: Library, *, mentioned: str = "") -> Answer:
    if retrieval.abstain == "uncovered":
        names = [library.label(p) for p in retrieval.uncovered]
        head = f"The articles here don't teach {_join(names)}, so I can't answer that from them."
    elif mentioned:
        head = f"The articles here mention {mentioned} but don't explain it."
    else:
        head = "The articles here don't answer that."
    return Answer(
        question=retrieval.query.question,
        text=f"{head} {coverage_line(library)}",
        citations=(),
        abstained=True,
        hits=retrieval.hits,
        poses=retrieval.query.poses,
    )


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
