"""Composing an answer from the articles' own sentences, each cited to its passage.

Pure: takes the retrieval and returns an ``Answer``. Every [n] names a citation whose
span is an exact passage of an article, and the cited sentence lies inside that span,
so a citation is correct by construction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .index import Index
from .lexical import tokenize
from .records import Answer, Chunk, Citation, Hit
from .retrieval import Retrieval

MAX_SENTENCES = 4
PASSAGES_CONSIDERED = 4
NOT_MEDICAL_ADVICE = (
    "These articles are not medical advice: with pain, an injury, pregnancy or a medical condition, "
    "check with a doctor or physiotherapist."
)
_MEDICAL = re.compile(
    r"\b(pain\w*|hurt\w*|ache\w*|aching|sore\w*|injur\w*|pregnan\w*|expecting|medical|condition\w*|"
    r"surgery|arthritis|disease|blood pressure|hypertension|heart|asthma|diabet\w*|menopaus\w*|"
    r"headache\w*|migraine\w*|sciatica|hernia\w*|doctor|safe|unsafe|dangerous|contraindicat\w*)\b",
    re.I,
)
_CAUTION = re.compile(
    r"\b(pain|injur\w*|contraindicat\w*|caution\w*|never|avoid|don[’']?t push|do not|immediately|"
    r"right away|force|careful|strain|listen to your body|heart problems|back out)\b",
    re.I,
)
_HOW = re.compile(
    r"^(begin|start|kneel|sit|place|move|press|hold|keep|lean|push|bring|reach|walk|"
    r"straighten|seal|draw|use|let|stretch|lift|release|tense|allow|make sure|then|on an|"
    r"if|once|slowly|initially|to come out|to release)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Candidate:
    hit_rank: int
    hit: Hit
    span: tuple[int, int]  # absolute in the article body
    text: str
    score: float
    caution: bool


def wants_cautions(question: str) -> bool:
    """The question mentions pain, injury, pregnancy or a medical condition."""
    return bool(_MEDICAL.search(question))


def sentence_text(chunk: Chunk, span: tuple[int, int]) -> str:
    return chunk.text[span[0] - chunk.start : span[1] - chunk.start]


def candidates(retrieval: Retrieval, *, passages: int = PASSAGES_CONSIDERED) -> list[Candidate]:
    """Every usable sentence of the top passages, scored by overlap with the question and rank."""
    query = retrieval.query
    weights: dict[str, float] = {}
    for t in query.tokens:
        weights[t] = weights.get(t, 0.0) + (1.0 if t in query.content else 0.5)
    out = []
    for rank, hit in enumerate(retrieval.hits[:passages]):
        for span in hit.chunk.sentences:
            text = sentence_text(hit.chunk, span)
            words = tokenize(text)
            if len(text.split()) < 4 or not words:
                continue
            overlap = sum(weights.get(w, 0.0) for w in set(words))
            score = overlap / (len(set(words)) ** 0.5) + 1.5 / (rank + 1)
            out.append(Candidate(rank, hit, span, " ".join(text.split()), score, bool(_CAUTION.search(text))))
    return out


def _similar(a: str, b: str) -> bool:
    wa, wb = set(tokenize(a)), set(tokenize(b))
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) > 0.6


def select(cands: Sequence[Candidate], *, limit: int = MAX_SENTENCES, need_cautions: bool = False) -> list[Candidate]:
    """Best sentences without near-duplicates; the top passage always contributes; cautions kept
    when asked for. Returned in reading order: what to do, how, then cautions."""
    chosen: list[Candidate] = []
    ranked = sorted(cands, key=lambda c: -c.score)
    first = [c for c in ranked if c.hit_rank == 0][:1]
    cautions = [c for c in ranked if c.caution][:2] if need_cautions else []
    for c in [*first, *cautions, *ranked]:
        if len(chosen) >= limit:
            break
        if c in chosen or any(_similar(c.text, o.text) for o in chosen):
            continue
        chosen.append(c)
    return sorted(chosen, key=_reading_order)


def _reading_order(c: Candidate) -> tuple[int, int, int, int]:
    kind = 2 if c.caution else 1 if _HOW.match(c.text) else 0
    return (kind, c.hit_rank, c.span[0], 0)


def compose(retrieval: Retrieval, index: Index, *, limit: int = MAX_SENTENCES) -> Answer:
    """The extractive answer: chosen sentences, each followed by the [n] of its passage."""
    if retrieval.abstain or not retrieval.hits:
        return abstention(retrieval, index)
    need_cautions = wants_cautions(retrieval.query.question)
    chosen = select(candidates(retrieval), limit=limit, need_cautions=need_cautions)
    if not chosen:
        return abstention(retrieval, index)
    numbers: dict[int, int] = {}
    highlights: dict[int, list[tuple[int, int]]] = {}
    parts = []
    for c in chosen:
        n = numbers.setdefault(c.hit.chunk_id, len(numbers) + 1)
        highlights.setdefault(c.hit.chunk_id, []).append(c.span)
        parts.append(f"{c.text} [{n}]")
    by_id = {c.hit.chunk_id: c.hit for c in chosen}
    citations = tuple(
        citation(n, by_id[cid].chunk, index, highlights[cid]) for cid, n in sorted(numbers.items(), key=lambda x: x[1])
    )
    text = " ".join(parts)
    if need_cautions:
        text += f"\n\n{NOT_MEDICAL_ADVICE}"
    return Answer(
        question=retrieval.query.question,
        text=text,
        citations=citations,
        abstained=False,
        hits=retrieval.hits,
        poses=retrieval.query.poses,
    )


def citation(n: int, chunk: Chunk, index: Index, highlights: Sequence[tuple[int, int]] = ()) -> Citation:
    return Citation(
        n=n,
        article=chunk.article,
        title=index.title(chunk.article),
        start=chunk.start,
        end=chunk.end,
        text=chunk.text,
        poses=chunk.poses,
        highlights=tuple(sorted(highlights)),
    )


def coverage_line(index: Index) -> str:
    labels = [p.label for p in index.covered]
    if not labels:
        titles = sorted(a.title for a in index.articles.values())
        return "They are about: " + "; ".join(titles[:8]) + "."
    return "They cover " + _join(labels) + "."


def abstention(retrieval: Retrieval, index: Index) -> Answer:
    if retrieval.abstain == "uncovered":
        names = [index.lexicon.poses[p].label for p in retrieval.uncovered if p in index.lexicon.poses]
        head = f"The articles here don't teach {_join(names)}, so I can't answer that from them."
    else:
        head = "The articles here don't answer that."
    return Answer(
        question=retrieval.query.question,
        text=f"{head} {coverage_line(index)}",
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
