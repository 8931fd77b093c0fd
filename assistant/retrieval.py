"""From a question (and the chat so far) to ranked passages, or a reasoned abstention.

Stages: understand the question (assistant/query.py; poses the chat was about are carried
over here), find candidates (FAISS, BM25 over passages and over
sentences), rank passages about the asked-about pose first, each group by reciprocal-rank
fusion of four signals (passage and best-sentence cosine, passage and best-sentence BM25),
and decide whether the articles answer at all. docs/retrieval.md has the measurements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from . import dense
from .config import Retriever as Mode
from .index import Index
from .intent import good_for, health_words
from .query import ASKING, Query, QueryReader, bridge, key_words
from .records import Hit, Sentence
from .roles import ROLES
from .text import tokenize, words

#: RRF constant (chosen with `eval`, docs/retrieval.md)
RRF_K = 10
#: a group of at most this many passages (a pose's) is scored whole, without a first search
SCORE_ALL = 2000
#: passages whose sentences an answer is composed from
SENTENCE_POOL = 5
#: further sentences whose role answers the question, from the pose's passages
ROLE_POOL = 12
#: sentences containing the term of a "what is X?" question
TERM_POOL = 20
#: each retriever's candidates before fusion
DEPTH = 100
#: Abstention for a question naming no pose (calibrated with `eval` and `eval --answers` on our
#: three question sets, docs/answers.md): below MIN_DENSE cosine between question and best passage
#: or sentence, the articles are off-topic; below MIN_DENSE_CONFIDENT too, unless MIN_SUPPORT of
#: the question's key words are in the top passages.
MIN_DENSE = 0.45
MIN_DENSE_CONFIDENT = 0.53
MIN_SUPPORT = 0.6
#: a question about a pose the articles teach is off-topic only with no key word in common
MIN_DENSE_WITH_POSE = 0.30


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


def rrf(rankings: Sequence[Sequence[int]], k: float | None = None) -> dict[int, float]:
    """Reciprocal-rank fusion: sum of 1 / (k + rank) over the rankings an item appears in."""
    k = RRF_K if k is None else k
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return fused


def top_ids(scores: np.ndarray, k: int, among: np.ndarray | None = None) -> list[int]:
    """Ids of the ``k`` highest positive scores (optionally only ``among`` these ids), best first."""
    if among is None:
        ids = np.flatnonzero(scores > 0)  # most passages share no word with the question
        values = scores[ids]
    else:
        values = scores[among]
        keep = values > 0
        ids, values = among[keep], values[keep]
    if len(ids) > k:
        part = np.argpartition(-values, k)[:k]
        ids, values = ids[part], values[part]
    return [int(i) for i in ids[np.lexsort((ids, -values))]]


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
        mode: Mode = "hybrid",
        pose_focus: bool = True,
        bridges: bool = True,
        sentences: bool = True,
        strip_names: bool = True,
    ) -> None:
        self.index = index
        self.encoder = encoder
        self.mode = mode
        self.pose_focus, self.bridges, self.sentences, self.strip_names = pose_focus, bridges, sentences, strip_names
        covered = {p.id for p in index.covered}
        self._covered_family = {f for p in covered for f in index.lexicon.family(p)}
        self._focus_cache: dict[frozenset[str], np.ndarray | None] = {}
        self._reader = QueryReader(
            index.lexicon, sorted(covered), bridges=bridges, strip_names=strip_names, known=index.lexical.knows
        )

    # -- understanding -------------------------------------------------------------------------
    def understand(self, question: str, history: Sequence[str] = ()) -> Query:
        reader = self._reader
        named, topic = reader.topic(question)
        carried = () if named else self._conversation_poses(history)
        return reader.read(question, named, topic, carried, history)

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
        family = frozenset(f for p in poses for f in self.index.lexicon.family(p))
        if family not in self._focus_cache:
            parts = [self.index.by_pose[p] for p in sorted(family) if p in self.index.by_pose]
            self._focus_cache[family] = np.unique(np.concatenate(parts)) if parts else None
        return self._focus_cache[family]

    # -- searching -----------------------------------------------------------------------------
    def search(self, question: str, history: Sequence[str] = (), *, k: int = 10) -> Retrieval:
        query = self.understand(question, history)
        uncovered = tuple(p for p in query.poses if p not in self._covered_family)
        # the topic ranks a pose's passages; with nothing left in it ("what is <pose>?") the question does
        vector = self.encoder.encode_query(query.topic if key_words(query.topic) else query.question)
        covered = [p for p in query.poses if p not in uncovered]
        focus = self._focus(covered) if self.pose_focus and covered else None
        passage_bm25 = self.index.lexical.scores(query.tokens)
        sentence_bm25 = self.index.sentence_lexical.scores(query.tokens)
        lexical = None if self.mode == "dense" else (passage_bm25, sentence_bm25)
        hits = tuple(self._rank(vector, lexical, focus, k))
        best = max((h.cosine for h in hits), default=0.0)
        if query.poses and len(uncovered) == len(query.poses):
            return Retrieval(query, hits, "uncovered", uncovered)
        if query.unknown and not query.named:  # "gate pose": a pose no article teaches, nor the lexicon knows
            return Retrieval(query, hits, "uncovered", query.unknown)
        terms = self._term_sentences(query)
        if not terms and self._off_topic(
            query, hits, best, focus
        ):  # "what is X?" with X in the articles: the answer decides
            return Retrieval(query, hits, "off-topic")
        sentences = self._sentences(query, vector, sentence_bm25, hits, focus)
        return Retrieval(query, hits, sentences=sentences, term_sentences=terms)

    def _sentences(
        self, query: Query, vector: np.ndarray, sentence_bm25: np.ndarray, hits: Sequence[Hit], focus: np.ndarray | None
    ) -> tuple[Sentence, ...]:
        """What the answer is composed from: every sentence of the top SENTENCE_POOL passages, and
        the ROLE_POOL best sentences whose role answers the question among the pose's passages
        (or the top passages, for a question naming none); each with its cosine and BM25, and in a
        follow-up its passage's similarity to what the earlier question asked."""
        index = self.index
        top = np.array([h.chunk_id for h in hits[:SENTENCE_POOL]], dtype=np.int64)
        rows = index.sentence_rows(top)[0] if len(top) else np.zeros(0, dtype=np.int64)
        if query.intent.roles and self.sentences:
            wanted = sum(1 << ROLES.index(r) for r in query.intent.roles)
            among = focus if focus is not None else np.array([h.chunk_id for h in hits], dtype=np.int64)
            pool = index.sentence_rows(among)[0] if len(among) else np.zeros(0, dtype=np.int64)
            pool = pool[(index.role_mask[pool] & wanted) > 0]
            pool = pool[~np.isin(pool, rows)]
            if len(pool):
                score = np.asarray(index.sentence_vectors[pool] @ vector) + 0.1 * sentence_bm25[pool]
                rows = np.concatenate([rows, pool[np.argsort(-score, kind="stable")[:ROLE_POOL]]])
        if not len(rows):
            return ()
        rank_of = {h.chunk_id: r for r, h in enumerate(hits, start=1)}
        cosine = np.asarray(index.sentence_vectors[rows] @ vector).tolist()
        owners = index.owner[rows]
        context = np.zeros(len(rows))
        if query.context:
            context = np.asarray(index.vectors[owners] @ self.encoder.encode_query(query.context))
        return tuple(
            replace(index.sentence(int(r), float(c), float(sentence_bm25[r]), rank_of.get(int(o), 0)), context=float(x))
            for r, c, o, x in zip(rows, cosine, owners, context.tolist(), strict=True)
        )

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

    def _off_topic(self, query: Query, hits: Sequence[Hit], best: float, focus: np.ndarray | None) -> bool:
        """Whether the articles do not answer: weak similarity, or middling similarity while
        the question's own key words (or their bridges) are missing from the top passages."""
        if not hits:
            return True
        support = self._support(query, hits[:3])
        if query.poses:  # about a pose the articles teach: off-topic only when the question asks about
            # something no passage of the pose mentions: a condition it may help ("good for sciatica?"),
            # a detail of it ("should my eyes be closed?"), anything at all ("can I do it on a bed?")
            asked = self._asked(query)
            if query.intent.kind == "benefits":  # what it should help: a condition, else what it is "good for"
                conditions = health_words(query.topic)
                wanted = set(words(good_for(query.topic)))
                target = tokenize(" ".join(conditions)) if conditions else [w for w in asked if w in wanted]
                if conditions or target:
                    return len(self._unmentioned(target, focus)) == len(target)
            if query.intent.kind == "steps" and not query.intent.procedure:
                return bool(self._unmentioned(asked, focus))
            if query.intent.specific:
                return False
            unmentioned = self._unmentioned(asked, focus)
            return (support == 0.0 and best < MIN_DENSE_WITH_POSE) or (bool(asked) and len(unmentioned) == len(asked))
        return best < MIN_DENSE or (best < MIN_DENSE_CONFIDENT and support < MIN_SUPPORT)

    def _asked(self, query: Query) -> list[str]:
        """The words of what the question asks about: its key words beyond the pose's names and
        the words of asking ('hold', 'avoid', ...)."""
        asked = key_words(query.topic) - self._name_words(query) - ASKING
        return [w for w in words(query.topic) if tokenize(w) and set(tokenize(w)) <= asked]

    def _unmentioned(self, asked: Sequence[str], among: np.ndarray | None) -> list[str]:
        """The words of ``asked`` that no passage ``among`` these mentions: directly, through a
        bridge, or as a compound written apart ('backbend' and 'back-bend')."""
        if among is None:
            return []

        def found(tokens: Sequence[str]) -> bool:
            return bool(tokens) and bool((self.index.lexical.scores(tokens)[among] > 0).any())

        def mentioned(word: str) -> bool:
            halves = ((word[:i], word[i:]) for i in range(3, len(word) - 2))
            return any(found([t]) for t in [*tokenize(word), *bridge(word)]) or any(
                all(found(tokenize(h)) for h in pair) for pair in halves
            )

        return [w for w in asked if not mentioned(w)]

    def _support(self, query: Query, hits: Sequence[Hit]) -> float:
        """Share of the question's key words found in ``hits`` (directly or through a bridge)."""
        key = key_words(query.topic) - self._name_words(query)
        if not key:
            return 1.0
        found = {w for h in hits for w in tokenize(h.chunk.text)}
        return sum(1 for w in key if w in found or found & set(bridge(w))) / len(key)

    def _rank(
        self, vector: np.ndarray, lexical: tuple[np.ndarray, np.ndarray] | None, focus: np.ndarray | None, k: int
    ) -> list[Hit]:
        """The ``k`` best passages: those about the question's pose first (when it names one),
        then everything else; each group ranked by fusing four signals (see :meth:`_signals`)."""
        index = self.index
        depth = max(DEPTH, 5 * k)
        hits: list[Hit] = []
        seen: set[int] = set()
        for about_pose in ([True] if focus is not None else []) + [False]:
            if len(hits) == k:  # the pose's own passages filled the list: no need to search the rest
                break
            group = self._candidates(vector, lexical, depth, focus if about_pose else None)
            for i, score, cosine in self._fuse(group, self._signals(group, vector, lexical)):
                if len(hits) == k:
                    break
                if i not in seen:
                    seen.add(i)
                    hits.append(Hit(i, index.chunks[i], score, cosine))
        return hits

    def _candidates(
        self,
        vector: np.ndarray,
        lexical: tuple[np.ndarray, np.ndarray] | None,
        depth: int,
        among: np.ndarray | None = None,
    ) -> np.ndarray:
        """Passage ids worth scoring: every one of ``among`` when there are few, else the best
        ``depth`` of each retriever (FAISS; BM25 of passages and of sentences), within ``among``."""
        index = self.index
        if among is not None and len(among) <= SCORE_ALL:
            return among
        found = [dense.search(index.dense, vector, depth, among)[0]]
        if lexical is not None:
            passage_bm25, sentence_bm25 = lexical
            rows = None if among is None else index.sentence_rows(among)[0]
            found.append(np.asarray(top_ids(passage_bm25, depth, among), dtype=np.int64))
            found.append(index.owner[np.asarray(top_ids(sentence_bm25, depth, rows), dtype=np.int64)])
        return np.unique(np.concatenate(found))

    def _signals(
        self, ids: np.ndarray, vector: np.ndarray, lexical: tuple[np.ndarray, np.ndarray] | None
    ) -> dict[str, np.ndarray]:
        """Per candidate passage: cosine of the passage and of its best sentence; BM25 of the
        passage and of its best sentence. Sentence-level signals let one precise sentence win."""
        index = self.index
        rows, bounds = index.sentence_rows(ids)
        signals = {
            "passage_cos": np.asarray(index.vectors[ids] @ vector, dtype=np.float32),
            "sentence_cos": np.maximum.reduceat(np.asarray(index.sentence_vectors[rows] @ vector), bounds),
        }
        if lexical is not None:
            passage_bm25, sentence_bm25 = lexical
            signals["passage_bm25"] = passage_bm25[ids]
            signals["sentence_bm25"] = np.maximum.reduceat(sentence_bm25[rows], bounds)
        return signals

    def _fuse(self, ids: np.ndarray, signals: dict[str, np.ndarray]) -> list[tuple[int, float, float]]:
        """(passage id, fused score, cosine), best first, by RRF over the signals this retriever
        mode uses (lexical signals count only where they are positive)."""
        names = {"dense": ["passage_cos", "sentence_cos"], "bm25": ["passage_bm25", "sentence_bm25"]}.get(
            self.mode, ["passage_cos", "sentence_cos", "passage_bm25", "sentence_bm25"]
        )
        if not self.sentences:
            names = [n for n in names if n.startswith("passage")]
        rankings: dict[str, list[int]] = {}
        for name in names:
            values = signals[name]
            order = np.lexsort((ids, -values))
            if name.endswith("bm25"):
                order = order[values[order] > 0]
            rankings[name] = order.tolist()
        fused = rrf(list(rankings.values()))
        best = sorted(fused, key=lambda p: (-fused[p], int(ids[p])))
        cos = np.maximum(signals["passage_cos"], signals["sentence_cos"])
        return [(int(ids[p]), fused[p], float(cos[p])) for p in best]

    def _name_words(self, query: Query) -> set[str]:
        """The words of every name of the poses the question is about."""
        return {w for p in query.poses for w in tokenize(" ".join(self.index.names(p)) or p)}
