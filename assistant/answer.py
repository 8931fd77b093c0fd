"""Composing an answer from the articles' own sentences, each cited to its passage.

Pure: takes a retrieval and the index and returns an ``Answer``. Every [n] names a citation
whose span is an exact passage of an article, and every cited sentence lies inside that
passage, so citations are correct by construction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .index import Index
from .lexical import tokenize
from .records import Answer, Chunk, Citation
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


@dataclass(frozen=True, slots=True)
class Sentence:
    chunk_id: int
    chunk: Chunk
    span: tuple[int, int]  # absolute in the article body
    text: str  # whitespace collapsed
    score: float

    @property
    def caution(self) -> bool:
        return bool(_CAUTION.search(self.text))

    @property
    def place(self) -> tuple[str, int]:
        return (self.chunk.article, self.span[0])


def wants_cautions(question: str) -> bool:
    """The question mentions pain, injury, pregnancy or a health condition."""
    return bool(_MEDICAL.search(question))


def usable(text: str) -> bool:
    """A sentence that can stand in an answer: some words, not a heading (a short line without
    an end mark), not a question, not talk about the article itself ("I'm going to show you")."""
    n = len(text.split())
    ends = text[-1] in ".!…)\"'’”"
    return n >= 4 and (ends or n >= 9) and not text.endswith("?") and bool(tokenize(text)) and not _META.search(text)


def _sentence(index: Index, row: int, score: float) -> Sentence:
    chunk_id = int(index.owner[row])
    chunk = index.chunks[chunk_id]
    span = chunk.sentences[row - int(index.first_sentence[chunk_id])]
    text = " ".join(chunk.text[span[0] - chunk.start : span[1] - chunk.start].split())
    return Sentence(chunk_id, chunk, (int(span[0]), int(span[1])), text, score)


def candidates(retrieval: Retrieval, index: Index) -> list[Sentence]:
    """The usable sentences of the top passages, best first. A sentence scores its cosine and
    BM25 relative to the best of each, plus a little for its passage's rank, plus a bonus for
    instructions when the question asks how to do something."""
    signals = retrieval.sentences
    if not signals:
        return []
    top_cosine = max(max(s.cosine for s in signals.values()), 1e-6)
    top_bm25 = max(max(s.bm25 for s in signals.values()), 1e-6)
    how_to = bool(_HOW_TO.search(retrieval.query.question))
    found = []
    for row, signal in signals.items():
        sentence = _sentence(index, row, 0.0)
        if not usable(sentence.text):
            continue
        score = max(signal.cosine, 0.0) / top_cosine + signal.bm25 / top_bm25 + PASSAGE_PRIOR / signal.passage_rank
        if how_to and _STEP.match(sentence.text):
            score += STEP_BONUS
        found.append(Sentence(sentence.chunk_id, sentence.chunk, sentence.span, sentence.text, score))
    return sorted(found, key=lambda s: (-s.score, s.place))


def neighbours(index: Index, sentence: Sentence) -> list[Sentence]:
    """The usable sentences just after and just before ``sentence`` in its passage."""
    spans = list(sentence.chunk.sentences)
    at = spans.index(sentence.span)
    first = int(index.first_sentence[sentence.chunk_id])
    near = [_sentence(index, first + j, 0.0) for j in (at + 1, at - 1) if 0 <= j < len(spans)]
    return [s for s in near if usable(s.text)]


def cautions_for(index: Index, poses: Iterable[str]) -> list[Sentence]:
    """Caution and contraindication sentences from the passages about ``poses``, in article order."""
    family = {f for p in poses for f in index.lexicon.family(p)}
    ids = sorted({int(i) for p in family for i in index.by_pose.get(p, ())})
    rows = (r for i in ids for r in range(int(index.first_sentence[i]), int(index.first_sentence[i + 1])))
    found = [s for s in (_sentence(index, r, 0.0) for r in rows) if usable(s.text) and s.caution]
    return sorted(found, key=lambda s: (not _EXPLICIT.search(s.text), s.place))


def _near_duplicate(a: str, b: str) -> bool:
    wa, wb = set(tokenize(a)), set(tokenize(b))
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) > 0.6


def select(
    ranked: Sequence[Sentence],
    cautions: Sequence[Sentence] = (),
    context: Sequence[Sentence] = (),
    *,
    steps: bool = False,
) -> list[Sentence]:
    """The best sentences (up to 4, each within RELATIVE_FLOOR of the best; ``context`` fills up
    to 2), plus up to 2 ``cautions``; no near-duplicates; in reading order: the best one first
    (for ``steps``, every sentence in the articles' order), then the rest in the articles'
    order, cautions last."""
    chosen: list[Sentence] = []

    def fresh(s: Sentence) -> bool:
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


def compose(retrieval: Retrieval, index: Index) -> Answer:
    """The extractive answer: chosen sentences, each followed by the [n] of its passage."""
    if retrieval.abstain or not retrieval.hits:
        return abstention(retrieval, index)
    medical = wants_cautions(retrieval.query.question)
    cautions = cautions_for(index, retrieval.query.poses) if medical and retrieval.query.poses else []
    ranked = candidates(retrieval, index)
    how_to = bool(_HOW_TO.search(retrieval.query.question))
    chosen = select(ranked, cautions, neighbours(index, ranked[0]) if ranked else (), steps=how_to)
    if not chosen:
        return abstention(retrieval, index)
    numbers: dict[int, int] = {}
    marked: dict[int, list[tuple[int, int]]] = {}
    parts = []
    for s in chosen:
        n = numbers.setdefault(s.chunk_id, len(numbers) + 1)
        marked.setdefault(s.chunk_id, []).append(s.span)
        parts.append(f"{s.text} [{n}]")
    chunks = {s.chunk_id: s.chunk for s in chosen}
    citations = tuple(citation(n, chunks[cid], index, marked[cid]) for cid, n in numbers.items())
    text = " ".join(parts) + (f"\n\n{NOT_MEDICAL_ADVICE}" if medical else "")
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
