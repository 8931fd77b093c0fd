"""Composing an answer from the articles' own sentences, each cited to its passage.

What the question asks for (``query.intent``) decides which sentences answer it: those whose
role (assistant/roles.py) matches come first, the single best direct answer leads, and a
sentence that is no answer (a heading, a greeting, a bio, a call to subscribe) is never
quoted. Steps of a whole procedure read in the article's order; cautions come last, except
for "can I ... with <condition>" questions, where the contraindication leads and no benefit
claim follows. Two to four sentences that answer are preferred over six that might; when
nothing answers well enough the answer says so. docs/answers.md has the measurements.

Pure: takes a retrieval and a ``Library`` (titles, a pose's and an article's sentences, what is
covered; a loaded ``Index`` is one) and returns an ``Answer``. Every [n] names a citation whose
span is an exact passage of an article, and every cited sentence lies inside that passage.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from . import roles
from .intent import health_words, understand
from .query import DOMAIN, GENERIC
from .records import Answer, Chunk, Citation, Sentence
from .retrieval import Retrieval
from .scoring import (
    CONTRAINDICATION,
    Candidate,
    Library,
    answers_anyway,
    candidates,
    defining,
    describes,
    leans_back,
    usable,
    weak,
)
from .text import tokenize

#: sentences in an answer, by what the question asks for (a whole procedure gets more)
MAX_SENTENCES = 3
MAX_STEPS = 5
#: sentences that are not instructions, between two that are, in one procedure
RUN_GAP = 2
LIMITS = {"naming": 1, "general": 2, "steps": 2, "condition": 2, "definition": 1, "hold": 4, "pain": 4}
#: a further sentence must score at least this share of the lead (relevance plus bonuses); hold
#: times are all answers to "how long", however they are worded; a question about one detail of
#: a pose is answered by one sentence unless another is nearly as good
RELATIVE_FLOOR = 0.8
FLOORS = {"hold": 0.5}
#: answers that must not mix poses (a hold time or a step of another pose would mislead)
ONE_POSE = frozenset({"hold", "steps", "breathing", "deeper", "easier", "naming"})

NOT_MEDICAL_ADVICE = (
    "Note: these articles are not medical advice; with pain, an injury, pregnancy or a health "
    "condition, ask a doctor or physiotherapist."
)
#: the first instruction of a procedure ("Begin by kneeling", "So, start on all fours")
_START = re.compile(
    r"^(?:(?:so|now|first|okay|ok|alright|slowly|gently),? )*(?:let['’]?s )?"
    r"(?:begin|start|kneel|stand|lie|sit|come (?:on)?to|from (?:a|an|the) \w+ (?:position|pose|stance)|step)\b",
    re.IGNORECASE,
)


def wants_cautions(question: str) -> bool:
    """The question mentions pain, injury, pregnancy or a health condition."""
    return understand(question).medical


#: two sentences sharing more than this share of their words (Jaccard) say the same thing: articles
#: repeat a cue ("Hold for 30 seconds." / "Hold the pose for 30 seconds.") in steps and in a summary
NEAR_DUPLICATE = 0.6


def _near_duplicate(a: str, b: str) -> bool:
    wa, wb = set(tokenize(a)), set(tokenize(b))
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) > NEAR_DUPLICATE


def select(
    ranked: Sequence[Candidate],
    limit: int = MAX_SENTENCES,
    *,
    cautions_last: bool = True,
    floor: float = RELATIVE_FLOOR,
    one_pose: bool = True,
) -> list[Candidate]:
    """The lead (the best sentence whose role answers, else the best), then up to ``limit`` - 1
    more whose role answers (any, if none does), that score nearly as well (``floor``) and, with
    ``one_pose``, are about the lead's pose; no near-duplicates. The rest follow the lead best
    first, cautions last unless the question is about them."""
    if not ranked:
        return []
    matched = [c for c in ranked if c.match]
    if not matched:  # nothing is the kind of sentence asked for: the closest one, alone
        limit = 1
    lead = (matched or ranked)[0]
    pool = [c for c in (matched or ranked) if c is not lead]
    chosen = [lead]
    lead_poses = set(lead.sentence.chunk.poses)
    for c in pool:
        if len(chosen) >= limit:
            break
        off_pose = one_pose and lead_poses and not lead_poses & set(c.sentence.chunk.poses)
        if c.score < floor * lead.score or off_pose:
            continue
        if not any(c.span == o.span or _near_duplicate(c.text, o.text) for o in chosen):
            chosen.append(c)
    rest = chosen[1:]
    if cautions_last:
        rest.sort(key=lambda c: c.has("cautions") and not c.match)
    return [lead, *rest]


def with_antecedents(chosen: Sequence[Candidate], ranked: Sequence[Candidate], library: Library) -> list[Candidate]:
    """``chosen``, each sentence that leans on the one before it ("If this is you, ...") preceded
    by that one, when that one also answers the question (its role is one the question asks for)."""
    answering = {c.span: c for c in ranked if c.match} | {c.span: c for c in chosen}
    out: list[Candidate] = []
    for c in chosen:
        if c in out:
            continue
        before = library.previous(c.sentence) if leans_back(c.sentence) else None
        if before is not None and before.span in answering and answering[before.span] not in out:
            out.append(answering[before.span])
        out.append(c)
    return out


def procedure(ranked: Sequence[Candidate], library: Library, limit: int = MAX_STEPS) -> list[Candidate]:
    """A whole procedure: the instructions of the article whose instructions answer best, in its
    own order: the run of instructions around the best one (an explanation or two between them
    does not end it, and is left out), from its first sentence that starts the pose ("Begin by
    kneeling") or else its first, up to ``limit``."""
    steps = [c for c in ranked if c.has("steps") and c.sentence.passage_rank]
    if not steps:
        return select(ranked)
    best = steps[0].sentence
    article = [s for s in library.article_sentences(best.chunk.article) if usable(s) or s.span == best.span]
    marks = [_instruction(s) for s in article]
    at = next((i for i, s in enumerate(article) if s.span == best.span), 0)
    first = last = at
    while any(marks[max(0, first - 1 - RUN_GAP) : first]):
        first = max(i for i in range(max(0, first - 1 - RUN_GAP), first) if marks[i])
    while any(marks[last + 1 : last + 2 + RUN_GAP]):
        last = min(i for i in range(last + 1, min(len(marks), last + 2 + RUN_GAP)) if marks[i])
    run = [s for s, mark in zip(article[first : last + 1], marks[first : last + 1], strict=True) if mark]
    start = next((i for i, s in enumerate(run) if _START.match(s.text)), 0)
    by_span = {c.span: c for c in ranked}
    return [by_span.get(s.span, Candidate(s)) for s in run[start : start + limit]]


def _instruction(sentence: Sentence) -> bool:
    """Part of a procedure: an instruction, or a hold time, breath, prop or variation within it."""
    if "steps" in sentence.roles or roles.cues(sentence.text)[roles.ROLES.index("steps")]:
        return True
    return bool(set(sentence.roles) & {"hold", "breathing", "easier", "deeper"})


def for_condition(ranked: Sequence[Candidate], library: Library, poses: Sequence[str], topic: str) -> list[Candidate]:
    """'Can I ... with <condition>?': the contraindication leads (one naming a word of the question,
    else the pose's explicit contraindications), then at most one more caution that names the
    condition; no benefit claim."""
    cautions = [c for c in ranked if c.has("cautions")]
    known = {c.span for c in cautions}
    extra = [Candidate(s) for s in library.pose_sentences(poses) if "cautions" in s.roles and usable(s)]
    cautions += [c for c in extra if c.span not in known]
    cautions = [c for c in cautions if not c.has("benefits")] or cautions
    if not cautions:
        return [c for c in select(ranked, LIMITS["condition"]) if not c.has("benefits")]
    asked = set(tokenize(topic)) - GENERIC - DOMAIN
    condition = set(tokenize(" ".join(health_words(topic))))

    def names(c: Candidate, words: set[str]) -> bool:
        return bool(words & set(tokenize(c.text)))

    lead = max(cautions, key=lambda c: (names(c, asked), bool(CONTRAINDICATION.search(c.text)), c.relevance))
    others = [c for c in cautions if c is not lead and names(c, condition) and not c.has("benefits")]
    return [lead, *others[: LIMITS["condition"] - 1]]


def compare(ranked: Sequence[Candidate], library: Library, poses: Sequence[str]) -> list[Candidate]:
    """'How is X different from Y?': for each pose, the sentence that best says what it is."""
    chosen: list[Candidate] = []
    for pose in poses:
        family = library.family(pose)
        own = [Candidate(s) for s in library.pose_sentences([pose]) if usable(s) and family & set(s.chunk.poses)]
        scored = {c.span: c for c in ranked}
        own = [scored.get(c.span, c) for c in own]
        names = library.names(pose)
        described = [c for c in own if describes(c.text, names) or c.has("naming") or c.has("benefits")]
        if described:
            best = max(described, key=lambda c: (describes(c.text, names), c.relevance, -c.place[1]))
            if best.span not in {o.span for o in chosen}:
                chosen.append(best)
    return chosen


def compose(retrieval: Retrieval, library: Library) -> Answer:
    """The extractive answer: chosen sentences, each followed by the [n] of its passage."""
    if retrieval.abstain or not retrieval.hits:
        return abstention(retrieval, library)
    query = retrieval.query
    intent = query.intent
    if intent.kind == "definition":
        found = defining(intent.term, retrieval.term_sentences)
        if not found:
            return abstention(retrieval, library, mentioned=intent.term if retrieval.term_sentences else "")
        chosen = [Candidate(found[0])]
    else:
        ranked = candidates(retrieval, library)
        limit = LIMITS.get(intent.kind, MAX_SENTENCES)
        if intent.kind == "condition" and query.poses:
            chosen = for_condition(ranked, library, query.poses, query.topic)
        elif intent.kind == "steps" and intent.procedure:
            chosen = procedure(ranked, library, MAX_STEPS if intent.procedure == "whole" else 2)
        elif intent.kind == "comparison" and len(query.named) >= 2:
            chosen = compare(ranked, library, query.named) or select(ranked, limit)
        else:
            floor = FLOORS.get(intent.kind, RELATIVE_FLOOR)
            if intent.kind == "steps" or not intent.specific:  # a detail, or no kind asked: about what was asked
                ranked = [c for c in ranked if answers_anyway(c, query.topic)]
            chosen = select(
                ranked,
                limit,
                cautions_last=intent.kind not in {"pain", "cautions"},
                floor=floor,
                one_pose=intent.kind in ONE_POSE,
            )
            if chosen and not intent.specific and weak(chosen[0], query.topic):
                chosen = []  # nothing answers what was asked
        if not chosen:
            return abstention(retrieval, library)
        chosen = with_antecedents(chosen, ranked, library)
    return _answer(retrieval, library, chosen, intent.medical)


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
