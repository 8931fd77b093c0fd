"""Composing an answer from the articles' own sentences, each cited to its passage.

Pure: takes a retrieval and a ``Library`` (titles, a pose's sentences, what is covered; a loaded
``Index`` is one) and returns an ``Answer``. Every [n] names a citation
whose span is an exact passage of an article, and every cited sentence lies inside that
passage, so citations are correct by construction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from .lexical import tokenize
from .records import Answer, Chunk, Citation, Sentence
from .retrieval import Retrieval

MIN_SENTENCES = 2
MAX_SENTENCES = 4
#: room for the cautions a pain or health question gets
MAX_WITH_CAUTIONS = 6
#: a further sentence must score at least this share of the best one
RELATIVE_FLOOR = 0.6
#: sentence score = cosine/best + BM25/best + PASSAGE_PRIOR/passage rank (+ STEP_BONUS)
PASSAGE_PRIOR = 0.6
STEP_BONUS = 0.4
NOT_MEDICAL_ADVICE = (
    "Note: these articles are not medical advice; with pain, an injury, pregnancy or a health "
    "condition, ask a doctor or physiotherapist."
)
_MEDICAL = re.compile(
    r"\b(pain\w*|hurt\w*|ache\w*|aching|sore\w*|injur\w*|pregnan\w*|expecting|medical|condition\w*|"
    r"surgery|arthritis|disease|blood pressure|hypertension|heart|asthma|diabet\w*|menopaus\w*|"
    r"headache\w*|migraine\w*|sciatica|hernia\w*|doctor|safe|unsafe|dangerous|contraindicat\w*)\b",
    re.IGNORECASE,
)
_CAUTION = re.compile(
    r"\b(pain|painful|injur\w*|contraindicat\w*|caution\w*|never|avoid|don[’']?t push|immediately|"
    r"right away|aggressively|force|careful|strain|listen to your body|back out)\b",
    re.IGNORECASE,
)
_HOW_TO = re.compile(
    r"\b(how (do|should|can|would) (i|you|we)\b(?! (know|tell))|how to|steps?|instructions?|get into|set up)",
    re.IGNORECASE,
)
_STEP = re.compile(
    r"((so|now|and|then),? )*(you[’']?re going to |you want to |you (can|should) )?"
    r"(begin|start|kneel|sit|place|move|press|hold|keep|lean|push|bring|reach|walk|straighten|seal|draw|"
    r"let|lift|release|tense|allow|make sure|then|on an exhale|slowly|once|initially|to come out|repeat|"
    r"follow|put|extend|inhale|exhale|lay|rest|lower|raise)\b",
    re.IGNORECASE,
)
#: sentences about the article rather than the pose
_META = re.compile(
    r"(going to show you|just showed you|here[’']?s (a|an|how|what)\b|"
    r"\b(this|the)( free| short| quick| following)? (article|video|post|clip|video clip)\b|"
    r"step-by-step introduction|help you get started|read my article|let us know|visual learners|"
    r"\bsubscribe\b|\bnewsletter\b|\bcomments?\b)",
    re.IGNORECASE,
)
#: sentences that name contraindications outright come first among the cautions
_EXPLICIT = re.compile(r"\b(contraindicat\w*|caution\w*)\b", re.IGNORECASE)


class Library(Protocol):
    """What composing needs beyond the retrieval (a loaded ``Index`` is one)."""

    def title(self, article: str) -> str: ...
    def pose_sentences(self, poses: Iterable[str]) -> list[Sentence]: ...
    def label(self, pose_id: str) -> str: ...
    def covered_labels(self) -> list[str]: ...
    def titles(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Candidate:
    """A sentence that could go into the answer, and how well it answers."""

    sentence: Sentence
    score: float = 0.0

    @property
    def text(self) -> str:
        return self.sentence.text

    @property
    def span(self) -> tuple[int, int]:
        return self.sentence.span

    @property
    def place(self) -> tuple[str, int]:
        return self.sentence.place

    @property
    def caution(self) -> bool:
        return bool(_CAUTION.search(self.text))


def wants_cautions(question: str) -> bool:
    """The question mentions pain, injury, pregnancy or a health condition."""
    return bool(_MEDICAL.search(question))


def usable(text: str) -> bool:
    """A sentence that can stand in an answer: some words, not a heading (a short line without
    an end mark), not a question, not talk about the article itself ("I'm going to show you")."""
    n = len(text.split())
    ends = text[-1] in ".!…)\"'’”"
    return n >= 4 and (ends or n >= 9) and not text.endswith("?") and bool(tokenize(text)) and not _META.search(text)


def candidates(retrieval: Retrieval) -> list[Candidate]:
    """The usable sentences of the top passages, best first. A sentence scores its cosine and
    BM25 relative to the best of each, plus a little for its passage's rank, plus a bonus for
    instructions when the question asks how to do something."""
    found = retrieval.sentences
    if not found:
        return []
    top_cosine = max(max(s.cosine for s in found), 1e-6)
    top_bm25 = max(max(s.bm25 for s in found), 1e-6)
    how_to = bool(_HOW_TO.search(retrieval.query.question))
    out = []
    for sentence in found:
        if not usable(sentence.text):
            continue
        score = max(sentence.cosine, 0.0) / top_cosine + sentence.bm25 / top_bm25
        score += PASSAGE_PRIOR / sentence.passage_rank
        if how_to and _STEP.match(sentence.text):
            score += STEP_BONUS
        out.append(Candidate(sentence, score))
    return sorted(out, key=lambda c: (-c.score, c.place))


def neighbours(candidate: Candidate) -> list[Candidate]:
    """The usable sentences just after and just before ``candidate`` in its passage."""
    sentence = candidate.sentence
    chunk = sentence.chunk
    spans = list(chunk.sentences)
    at = spans.index(sentence.span)
    near = []
    for j in (at + 1, at - 1):
        if 0 <= j < len(spans):
            s, e = spans[j]
            text = " ".join(chunk.text[s - chunk.start : e - chunk.start].split())
            if usable(text):
                near.append(Candidate(Sentence(sentence.chunk_id, chunk, (s, e), text)))
    return near


def cautions_for(library: Library, poses: Iterable[str]) -> list[Candidate]:
    """Caution and contraindication sentences from the passages about ``poses``, in article order."""
    found = [Candidate(s) for s in library.pose_sentences(poses) if usable(s.text)]
    return sorted((c for c in found if c.caution), key=lambda c: (not _EXPLICIT.search(c.text), c.place))


def _near_duplicate(a: str, b: str) -> bool:
    wa, wb = set(tokenize(a)), set(tokenize(b))
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) > 0.6


def select(
    ranked: Sequence[Candidate],
    cautions: Sequence[Candidate] = (),
    context: Sequence[Candidate] = (),
    *,
    steps: bool = False,
) -> list[Candidate]:
    """The best sentences (up to 4, each within RELATIVE_FLOOR of the best; ``context`` fills up
    to 2), plus up to 2 ``cautions``; no near-duplicates; in reading order: the best one first
    (for ``steps``, every sentence in the articles' order), then the rest in the articles'
    order, cautions last."""
    chosen: list[Candidate] = []

    def fresh(s: Candidate) -> bool:
        return not any(s.span == o.span or _near_duplicate(s.text, o.text) for o in chosen)

    for s in ranked:
        if len(chosen) >= MAX_SENTENCES or (chosen and s.score < RELATIVE_FLOOR * chosen[0].score):
            break
        if fresh(s):
            chosen.append(s)
    for s in context:
        if len(chosen) >= MIN_SENTENCES:
            break
        if fresh(s):
            chosen.append(s)
    added = 0
    for c in cautions:
        if len(chosen) >= MAX_WITH_CAUTIONS or added == 2:
            break
        if fresh(c):
            chosen.append(c)
            added += 1
    if not chosen:
        return []
    if steps:  # instructions read best in the articles' own order
        return sorted(chosen, key=lambda s: (s.caution, s.place))
    return [chosen[0], *sorted(chosen[1:], key=lambda s: (s.caution, s.place))]


def compose(retrieval: Retrieval, library: Library) -> Answer:
    """The extractive answer: chosen sentences, each followed by the [n] of its passage."""
    if retrieval.abstain or not retrieval.hits:
        return abstention(retrieval, library)
    medical = wants_cautions(retrieval.query.question)
    cautions = cautions_for(library, retrieval.query.poses) if medical and retrieval.query.poses else []
    ranked = candidates(retrieval)
    how_to = bool(_HOW_TO.search(retrieval.query.question))
    chosen = select(ranked, cautions, neighbours(ranked[0]) if ranked else (), steps=how_to)
    if not chosen:
        return abstention(retrieval, library)
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


def abstention(retrieval: Retrieval, library: Library) -> Answer:
    if retrieval.abstain == "uncovered":
        names = [library.label(p) for p in retrieval.uncovered]
        head = f"The articles here don't teach {_join(names)}, so I can't answer that from them."
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
