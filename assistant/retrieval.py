"""From a question (and the chat so far) to ranked passages, or a reasoned abstention.

Stages: understand the question (poses named or carried over from the chat, colloquial
words bridged to the articles' words), search two ways (dense vectors with FAISS, BM25),
fuse the rankings (reciprocal-rank fusion), put passages about the asked-about pose
first, and decide whether the articles answer at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Protocol

import numpy as np
import yaml

from . import dense
from .config import Retriever as Mode
from .index import Index
from .lexical import tokenize
from .records import Hit, Pose

#: RRF constant: small, so first places count (chosen with `eval`, docs/retrieval.md)
RRF_K = 20
#: each retriever's candidates before fusion
DEPTH = 100
#: below this cosine between question and best passage, the articles are off-topic...
MIN_DENSE = 0.30
#: ...and below this one, unless the question's own words appear in the passage
MIN_DENSE_NO_WORDS = 0.45
#: question words that say nothing about the topic
GENERIC = frozenset(
    tokenize(
        "pose poses yoga asana posture do doing how what which why when where should can could would "
        "much many long good bad best better way ways thing things get make tell know need want like "
        "feel feeling help also just really about ok okay please thanks anyone someone"
    )
)


class QueryEncoder(Protocol):
    def encode_query(self, text: str) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class Query:
    """What the retriever understood of the question."""

    question: str
    named: tuple[str, ...]  # poses the question names
    carried: tuple[str, ...]  # poses of the conversation, when the question names none
    tokens: tuple[str, ...]  # BM25 query (question words twice, bridged words once)
    content: frozenset[str]  # the question's own topic words

    @property
    def poses(self) -> tuple[str, ...]:
        return self.named or self.carried


@dataclass(frozen=True, slots=True)
class Retrieval:
    query: Query
    hits: tuple[Hit, ...]
    abstain: str = ""  # "", "uncovered" (a pose no article teaches) or "off-topic"
    uncovered: tuple[str, ...] = ()
    best_dense: float = 0.0


@lru_cache(maxsize=1)
def expansions() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """(stemmed trigger phrase, stemmed words to add) pairs from data/expansions.yaml."""
    data = yaml.safe_load(resources.files("assistant").joinpath("data/expansions.yaml").read_text("utf-8"))
    rules = []
    for entry in data["expansions"]:
        add = tuple(t for phrase in entry["add"] for t in tokenize(str(phrase)))
        for phrase in entry["when"]:
            trigger = tuple(tokenize(str(phrase)))
            if trigger:
                rules.append((trigger, add))
    return tuple(rules)


def bridge(tokens: Sequence[str]) -> list[str]:
    """Words the articles use for what the question says ('feet hurt' -> towel, padding, ...)."""
    added: list[str] = []
    for trigger, add in expansions():
        n = len(trigger)
        if any(tuple(tokens[i : i + n]) == trigger for i in range(len(tokens) - n + 1)):
            added.extend(t for t in add if t not in added)
    return added


def rrf(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> dict[int, float]:
    """Reciprocal-rank fusion: sum of 1 / (k + rank) over the rankings an item appears in."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return fused


def top_ids(scores: np.ndarray, k: int, among: np.ndarray | None = None) -> list[int]:
    """Ids of the ``k`` highest positive scores (optionally only ``among`` these ids), best first."""
    ids = np.arange(len(scores)) if among is None else among
    values = scores[ids]
    keep = values > 0
    ids, values = ids[keep], values[keep]
    if len(ids) > k:
        part = np.argpartition(-values, k)[:k]
        ids, values = ids[part], values[part]
    order = np.lexsort((ids, -values))
    return [int(i) for i in ids[order]]


class Retriever:
    """Hybrid search over one loaded index."""

    def __init__(self, index: Index, encoder: QueryEncoder, *, mode: Mode = "hybrid") -> None:
        self.index = index
        self.encoder = encoder
        self.mode = mode
        covered = {p.id for p in index.covered}
        self._covered_family = {f for p in covered for f in index.lexicon.family(p)}

    # -- understanding -------------------------------------------------------------------------
    def understand(self, question: str, history: Sequence[str] = ()) -> Query:
        words = tokenize(question)
        named = self.index.lexicon.find(question)
        carried: tuple[str, ...] = ()
        if not named:
            carried = self._conversation_poses(history)
        content = frozenset(w for w in words if w not in GENERIC)
        tokens = tuple(words * 2) + tuple(bridge(words))
        return Query(question, named, carried, tokens, content)

    def _conversation_poses(self, history: Sequence[str]) -> tuple[str, ...]:
        """The poses of the latest earlier turn that names one; else those its top passage is about."""
        for turn in reversed(history):
            named = self.index.lexicon.find(turn)
            if named:
                return named
        for turn in reversed(history):
            if tokenize(turn):
                earlier = self.search(turn)
                if earlier.hits and not earlier.abstain:
                    article = self.index.articles.get(earlier.hits[0].chunk.article)
                    return article.poses[:1] if article else ()
                return ()
        return ()

    def _focus(self, poses: Sequence[str]) -> np.ndarray | None:
        """Passage ids about ``poses`` (and their variants), or None when there are none."""
        family = {f for p in poses for f in self.index.lexicon.family(p)}
        parts = [self.index.by_pose[p] for p in sorted(family) if p in self.index.by_pose]
        return np.unique(np.concatenate(parts)) if parts else None

    # -- searching -----------------------------------------------------------------------------
    def search(self, question: str, history: Sequence[str] = (), *, k: int = 10) -> Retrieval:
        query = self.understand(question, history)
        uncovered = tuple(p for p in query.poses if p not in self._covered_family)
        vector = self.encoder.encode_query(self._dense_text(query))
        focus = self._focus(query.poses) if not uncovered else None
        ranked = self._rank(query, vector, focus, k)
        best = max((h.dense_score or 0.0 for h in ranked[:k]), default=0.0)
        hits = tuple(ranked[:k])
        if query.poses and len(uncovered) == len(query.poses):
            return Retrieval(query, hits, "uncovered", uncovered, best)
        if not hits or best < MIN_DENSE or (best < MIN_DENSE_NO_WORDS and not self._shares_words(query, hits)):
            return Retrieval(query, hits, "off-topic", (), best)
        return Retrieval(query, hits, "", (), best)

    def _dense_text(self, query: Query) -> str:
        if query.carried:
            labels = "; ".join(
                self.index.lexicon.poses[p].label for p in query.carried if p in self.index.lexicon.poses
            )
            return f"{query.question} ({labels})"
        return query.question

    def _rank(self, query: Query, vector: np.ndarray, focus: np.ndarray | None, k: int) -> list[Hit]:
        index = self.index
        depth = max(DEPTH, 5 * k)
        lexical = index.lexical.scores(query.tokens) if self.mode != "dense" else None
        cosine: dict[int, float] = {}
        tiers: list[list[int]] = []
        if focus is not None:
            sims = np.asarray(index.vectors[focus] @ vector, dtype=np.float32)
            cosine.update(zip(focus.tolist(), sims.tolist(), strict=False))
            dense_rank = [int(focus[i]) for i in np.argsort(-sims, kind="stable")]
            lex_rank = top_ids(lexical, depth, focus) if lexical is not None else []
            tiers.append(self._fuse(dense_rank, lex_rank))
        ids, sims = dense.search(index.dense, vector, depth)
        cosine.update(zip(ids.tolist(), sims.tolist(), strict=False))
        lex_rank = top_ids(lexical, depth) if lexical is not None else []
        tiers.append(self._fuse(ids.tolist(), lex_rank))
        seen: set[int] = set()
        hits: list[Hit] = []
        dense_pos = {i: r for r, i in enumerate(ids.tolist(), start=1)}
        lex_pos = {i: r for r, i in enumerate(lex_rank, start=1)}
        for tier in tiers:
            for i in tier:
                if i in seen:
                    continue
                seen.add(i)
                if i not in cosine:
                    cosine[i] = float(index.vectors[i] @ vector)
                hits.append(
                    Hit(
                        i,
                        index.chunks[i],
                        score=1.0 / (len(hits) + 1),
                        dense_rank=dense_pos.get(i),
                        lexical_rank=lex_pos.get(i),
                        dense_score=cosine[i],
                    )
                )
        return hits

    def _fuse(self, dense_rank: list[int], lex_rank: list[int]) -> list[int]:
        if self.mode == "dense":
            return dense_rank
        if self.mode == "bm25":
            return lex_rank
        fused = rrf([dense_rank, lex_rank])
        return sorted(fused, key=lambda i: (-fused[i], i))

    def _shares_words(self, query: Query, hits: Sequence[Hit]) -> bool:
        """Whether any of the question's topic words (not pose names) occur in the top passages."""
        names = {w for p in query.poses for w in tokenize(self._label(p))}
        topic = query.content - names
        if not topic:
            return True
        found = {w for h in hits[:3] for w in tokenize(h.chunk.text)}
        return bool(topic & found)

    def _label(self, pose_id: str) -> str:
        pose: Pose | None = self.index.lexicon.poses.get(pose_id)
        return " ".join([pose.english, pose.sanskrit, *pose.aliases]) if pose else pose_id
