"""From a question (and the chat so far) to ranked passages and the sentences to answer from,
or a reasoned abstention.

The stages are each a module of their own: understand the question (query.py; the poses the
chat was about are carried over here), rank passages (ranking.py), decide whether the
articles answer at all (abstention.py). This module runs them over one loaded index and
gathers the sentences an answer is composed from. docs/retrieval.md has the measurements.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Protocol

import numpy as np
from cachetools import LRUCache, cachedmethod

from assistant.config import Retriever as Mode
from assistant.index import dense
from assistant.index.reader import Index
from assistant.language.roles import ROLES
from assistant.language.text import tokenize, words
from assistant.records import Hit, Sentence, Turn
from assistant.retrieval.abstention import off_topic, unsaid
from assistant.retrieval.query import Query, QueryReader, follows_on, key_words
from assistant.retrieval.ranking import DEPTH, SCORE_ALL, Scores, candidates, rank, top_ids

#: passages whose sentences an answer is composed from
SENTENCE_POOL = 5
#: further sentences whose role answers the question, from the pose's passages
ROLE_POOL = 12
#: sentences containing the term of a "what is X?" question
TERM_POOL = 20
#: pose combinations whose passage ids are remembered
FOCUS_CACHE = 256
#: a follow-up naming no pose, with a subject of its own, is read on its own when a passage of
#: another article is this much closer to it (cosine) than the carried pose's best: on our 29
#: follow-ups none is, on 7 questions that change the subject 6 are (docs/retrieval.md)
NEW_SUBJECT = 0.1
#: two sentences of different articles whose vectors are this close say the same thing: an answer
#: quotes one of them (chosen with eval/train_scorer.py's held-out figures, docs/answers.md)
SAME_MEANING = 0.72


class QueryEncoder(Protocol):
    def encode_query(self, text: str) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class Retrieval:
    query: Query
    hits: tuple[Hit, ...]
    abstain: str = ""  # "", "uncovered" (a pose no article teaches) or "off-topic"
    uncovered: tuple[str, ...] = ()
    #: what the answer is composed from (see Retriever._sentences)
    sentences: tuple[Sentence, ...] = ()
    #: for "what is X?": the sentences that contain X
    term_sentences: tuple[Sentence, ...] = ()
    #: the share of what the question asks about that no passage of its pose mentions
    unsaid: float = 0.0
    #: pairs of sentences (by place) of different articles that say the same thing
    same: frozenset[tuple[tuple[str, int], tuple[str, int]]] = frozenset()


class Retriever:
    """Hybrid search over one loaded index.

    The keyword switches exist to measure what each component adds (``eval/ablation.py``):
    ``pose_focus`` ranks passages about the asked-about pose first, ``bridges`` adds the
    articles' words for colloquial ones, ``sentences`` adds the sentence-level signals, and
    ``strip_names`` ranks a pose's passages by the question without the pose's name.
    """

    def __init__(
        self,
        index: Index,
        encoder: QueryEncoder,
        *,
        pose_focus: bool = True,
        bridges: bool = True,
        sentences: bool = True,
        strip_names: bool = True,
    ) -> None:
        self.index = index
        self.encoder = encoder
        self.pose_focus, self.bridges, self.sentences, self.strip_names = pose_focus, bridges, sentences, strip_names
        covered = {p.id for p in index.covered}
        self._covered_family = {f for p in covered for f in index.lexicon.family(p)}
        self._focus_cache: LRUCache[frozenset[str], np.ndarray | None] = LRUCache(FOCUS_CACHE)
        self._focus_lock = threading.Lock()
        self._reader = QueryReader(
            index.lexicon, sorted(covered), bridges=bridges, strip_names=strip_names, known=index.lexical.knows
        )

    # -- understanding -------------------------------------------------------------------------
    def understand(self, question: str, history: Sequence[Turn] = ()) -> Query:
        """What ``question`` asks; one that names no pose is about the poses of the latest
        earlier turn whose answer was about one. It is read on its own instead right after a
        question declined for a pose no article teaches (or naming none), and when it names a
        subject of its own that another article answers clearly better (:meth:`_elsewhere`)."""
        reader = self._reader
        named, topic = reader.topic(question)
        if not named and history and history[-1].declined and not set(history[-1].poses) & self._covered_family:
            history = ()  # "how do I do crow pose?" was declined: the next question is not about crow
        carried = () if named else next((t.poses for t in reversed(history) if t.poses), ())
        query = reader.read(question, named, topic, carried, [t.question for t in history])
        if carried and not follows_on(question, query.topic) and self._elsewhere(query):
            query = reader.read(question, named, topic, (), ())
        return query

    def _elsewhere(self, query: Query) -> bool:
        """The question's best passage is in an article that does not teach the carried pose, and
        is at least NEW_SUBJECT closer to it (cosine) than any passage about that pose."""
        focus = self._focus(query.carried)
        if focus is None:  # no passage is about the carried pose
            return True
        index = self.index
        vector = self.encoder.encode_query(query.topic)
        ids, scores = dense.search(index.dense, vector, 1, vectors=index.vectors)
        if not len(ids):
            return False
        family = {f for p in query.carried for f in index.lexicon.family(p)}
        if family & set(index.article_poses(index.chunks[int(ids[0])].article)):
            return False
        if len(focus) <= SCORE_ALL:
            closest = float(np.max(index.vectors[focus] @ vector))
        else:  # too many to read them all: the nearest the index finds among them
            closest = float(dense.search(index.dense, vector, 1, focus, vectors=index.vectors)[1][0])
        return float(scores[0]) - closest >= NEW_SUBJECT

    def _focus(self, poses: Sequence[str]) -> np.ndarray | None:
        """Passage ids about ``poses`` (and their variants), or None when there are none."""
        return self._family_focus(frozenset(f for p in poses for f in self.index.lexicon.family(p)))

    # questions can name any combination of poses: the least recent go
    @cachedmethod(attrgetter("_focus_cache"), lock=attrgetter("_focus_lock"))
    def _family_focus(self, family: frozenset[str]) -> np.ndarray | None:
        parts = [self.index.by_pose[p] for p in sorted(family) if p in self.index.by_pose]
        return np.unique(np.concatenate(parts)) if parts else None

    # -- searching -----------------------------------------------------------------------------
    def search(self, question: str, history: Sequence[Turn] = (), *, k: int = 10, mode: Mode = "hybrid") -> Retrieval:
        """The ``k`` best passages for ``question`` (after the earlier turns ``history``),
        the sentences to answer from, or why the articles don't answer. ``mode`` chooses the
        signals everything is decided by (ranking, the sentences to answer from, abstention):
        the model's vectors (dense), words (bm25), or both (hybrid)."""
        query = self.understand(question, history)
        uncovered = tuple(p for p in query.poses if p not in self._covered_family)
        covered = [p for p in query.poses if p not in uncovered]
        focus = self._focus(covered) if self.pose_focus and covered else None
        scores = self._scores(query, mode)
        hits = tuple(rank(self.index, scores, focus, k, mode=mode, sentences=self.sentences))
        best = max((h.cosine for h in hits), default=0.0) if scores.vector is not None else None
        if query.poses and len(uncovered) == len(query.poses):
            return Retrieval(query, hits, "uncovered", uncovered)
        if query.unknown and not query.named:  # "gate pose": a pose no article teaches, nor the lexicon knows
            return Retrieval(query, hits, "uncovered", query.unknown)
        lexical = scores.passage_bm25 is not None
        terms = self._term_sentences(query) if lexical else ()
        # "what is X?" with X in the articles: whether an article says what X is decides
        if not terms and off_topic(self.index, query, hits, best, focus, lexical=lexical):
            return Retrieval(query, hits, "off-topic")
        sentences = self._sentences(query, scores, hits, focus)
        missing = unsaid(self.index, query, focus) if lexical else 0.0
        same = self._same(sentences)
        return Retrieval(query, hits, sentences=sentences, term_sentences=terms, unsaid=missing, same=same)

    def _same(self, sentences: Sequence[Sentence]) -> frozenset[tuple[tuple[str, int], tuple[str, int]]]:
        """The pairs of ``sentences`` from different articles whose vectors are SAME_MEANING close.
        (Within one article, sentences read in one passage share its context and look alike: 0.72
        there cost 0.06 of held-out must_recall.)"""
        if len(sentences) < 2 or SAME_MEANING >= 1:
            return frozenset()
        index = self.index
        rows = [int(index.first_sentence[s.chunk_id]) + s.chunk.sentences.index(s.span) for s in sentences]
        vectors = np.asarray(index.sentence_vectors[rows], dtype=np.float32)
        close = np.argwhere(np.triu(vectors @ vectors.T, 1) >= SAME_MEANING)
        return frozenset(
            (sentences[i].place, sentences[j].place)
            for i, j in close.tolist()
            if sentences[i].chunk.article != sentences[j].chunk.article
        )

    def _scores(self, query: Query, mode: Mode) -> Scores:
        """The question's vector (not in bm25 mode) and BM25 scores (not in dense mode)."""
        vector = None
        # the topic ranks a pose's passages; with nothing left in it ("what is <pose>?") the question does
        if mode != "bm25":
            vector = self.encoder.encode_query(query.topic if key_words(query.topic) else query.question)
        if mode == "dense":
            return Scores(vector, None, None)
        index = self.index
        return Scores(vector, index.lexical.scores(query.tokens), index.sentence_lexical.scores(query.tokens))

    def _sentences(
        self, query: Query, scores: Scores, hits: Sequence[Hit], focus: np.ndarray | None
    ) -> tuple[Sentence, ...]:
        """What the answer is composed from: every sentence of the top SENTENCE_POOL passages, and
        the ROLE_POOL best sentences whose role answers the question among the pose's passages
        (or the top passages, for a question naming none; the best SCORE_ALL candidates among
        more); each with its cosine and BM25, and in a
        follow-up its passage's similarity to what the earlier question asked."""
        index = self.index
        vector, sentence_bm25 = scores.vector, scores.sentence_bm25
        top = np.array([h.chunk_id for h in hits[:SENTENCE_POOL]], dtype=np.int64)
        rows = index.sentence_rows(top)[0] if len(top) else np.zeros(0, dtype=np.int64)
        if query.intent.roles and self.sentences:
            wanted = sum(1 << ROLES.index(r) for r in query.intent.roles)
            among = focus if focus is not None else np.array([h.chunk_id for h in hits], dtype=np.int64)
            if len(among) > SCORE_ALL:  # too many to read every sentence: the pose's best candidates
                among = candidates(index, scores, DEPTH, among)
            pool = index.sentence_rows(among)[0] if len(among) else np.zeros(0, dtype=np.int64)
            pool = pool[(index.role_mask[pool] & wanted) > 0]
            pool = pool[~np.isin(pool, rows)]
            if len(pool):
                score = np.zeros(len(pool))
                if vector is not None:
                    score += np.asarray(index.sentence_vectors[pool] @ vector)
                if sentence_bm25 is not None:
                    score += 0.1 * sentence_bm25[pool]
                rows = np.concatenate([rows, pool[np.argsort(-score, kind="stable")[:ROLE_POOL]]])
        if not len(rows):
            return ()
        rank_of = {h.chunk_id: r for r, h in enumerate(hits, start=1)}
        owners = index.owner[rows]
        cosine = np.zeros(len(rows)) if vector is None else np.asarray(index.sentence_vectors[rows] @ vector)
        bm25 = np.zeros(len(rows)) if sentence_bm25 is None else sentence_bm25[rows]
        context = np.zeros(len(rows))
        if query.context and vector is not None:
            context = np.asarray(index.vectors[owners] @ self.encoder.encode_query(query.context))
        neighbour = self._neighbours(rows, vector)
        return tuple(
            replace(index.sentence(int(r), float(c), float(b), rank_of.get(int(o), 0)), context=float(x), neighbour=n)
            for r, c, b, o, x, n in zip(
                rows, cosine.tolist(), bm25.tolist(), owners, context.tolist(), neighbour.tolist(), strict=True
            )
        )

    def _neighbours(self, rows: np.ndarray, vector: np.ndarray | None) -> np.ndarray:
        """For each sentence row, the higher cosine with the question of the sentences just before
        and after it in the same article (0 at an article's edge, or without a vector)."""
        index = self.index
        out = np.zeros(len(rows))
        if vector is None or not len(rows):
            return out
        article = index.chunks.article
        last = len(index.owner) - 1
        for step in (-1, 1):
            other = np.clip(rows + step, 0, last)
            same = (other != rows) & (article[index.owner[other]] == article[index.owner[rows]])
            cos = np.asarray(index.sentence_vectors[other] @ vector)
            out = np.maximum(out, np.where(same, cos, 0.0))
        return out

    def _term_sentences(self, query: Query) -> tuple[Sentence, ...]:
        """For "what is X?": the sentences that contain the term X (up to TERM_POOL)."""
        term = query.intent.term if query.intent.kind == "definition" else ""
        tokens = tokenize(term)
        if not tokens:
            return ()
        scores = self.index.sentence_lexical.scores(tokens)
        needle = " ".join(words(term))
        found = []
        for row in top_ids(scores, 10 * TERM_POOL):
            sentence = self.index.sentence(row)
            if f" {needle} " in f" {' '.join(words(sentence.text))} ":
                found.append(sentence)
        return tuple(found[:TERM_POOL])
