"""What the answer stage knows of each sentence it could quote: one row of numbers per sentence,
read by the learned scorer (scorer.py).

Every feature is relative to the question and general to any article: how close the sentence is
to the question in meaning (its cosine, also as a share of the best candidate's and as a rank),
in words (BM25 likewise, and the share of what the question asks about that it says), how its
passage ranked, whether its role is one the question's kind asks for, how close the sentences
around it are, whether it names the pose asked about, and the question's kind itself (so the
scorer can be stricter with some kinds of question than others). No list of words names an
answer; the weights come from labelled questions (eval/train_scorer.py).

Pure: a retrieval, its candidate sentences and a ``Library`` in, a matrix out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from assistant.language.intent import KINDS, understand
from assistant.language.roles import ROLES
from assistant.language.text import tokenize, words
from assistant.records import Sentence
from assistant.retrieval.retriever import Retrieval
from assistant.retrieval.scoring import (
    CONTRAINDICATION,
    Library,
    after_variation,
    asked_share,
    defining,
    describes,
    leans_back,
    names_any,
    near,
    role_match,
)

#: the sentence roles that are features of their own ('none' is never a candidate)
_ROLES = tuple(r for r in ROLES if r != "none")
FEATURES: tuple[str, ...] = (
    "cosine",
    "cosine_share",
    "cosine_rank",
    "bm25_share",
    "bm25_rank",
    "passage_prior",
    "top_passage",
    "role_first",
    "role_other",
    "has_role",
    "asked_share",
    "asks_nothing",
    "neighbour",
    "neighbour_share",
    "context_share",
    "leans_back",
    "words",
    "names_pose",
    "describes_pose",
    "defines_term",
    "after_variation",
    "about_variant",
    "best_article",
    "named_poses",
    "unsaid",
    "says_who_avoids",
    "who_avoids_for_pain",
    "who_avoids_for_condition",
    *(f"kind_{k}" for k in KINDS),
    *(f"role_{r}" for r in _ROLES),
)


def rows(retrieval: Retrieval, library: Library, sentences: Sequence[Sentence]) -> np.ndarray:
    """One row of FEATURES per sentence of ``sentences`` (the candidates, see ``scoring.pool``)."""
    out = np.zeros((len(sentences), len(FEATURES)), dtype=np.float64)
    if not sentences:
        return out
    query = retrieval.query
    cosine = np.array([s.cosine for s in sentences])
    bm25 = np.array([s.bm25 for s in sentences])
    top_cosine, top_bm25 = max(float(cosine.max()), 1e-6), max(float(bm25.max()), 1e-6)
    top_context = max(max(s.context for s in sentences), 1e-6)
    cosine_rank = _ranks(cosine)
    bm25_rank = _ranks(bm25)
    best_article = sentences[int(np.argmax(cosine))].chunk.article
    names = [n for p in query.poses for n in library.names(p)]
    variant = {t for w in query.variant for t in tokenize(w)}
    term = query.intent.term if query.intent.kind == "definition" else ""
    defined = {d.span for d in defining(term, sentences)} if term else set()
    asks, nothing = asked_share(query.topic)
    kind = f"kind_{query.intent.kind}"
    at = {name: i for i, name in enumerate(FEATURES)}
    for i, s in enumerate(sentences):
        first, other = role_match(s, query.intent)
        avoids = bool(CONTRAINDICATION.search(s.text))
        row = {
            "cosine": s.cosine,
            "cosine_share": max(s.cosine, 0.0) / top_cosine,
            "cosine_rank": 1.0 / cosine_rank[i],
            "bm25_share": s.bm25 / top_bm25,
            "bm25_rank": 1.0 / bm25_rank[i] if s.bm25 > 0 else 0.0,
            "passage_prior": 1.0 / s.passage_rank if s.passage_rank else 0.0,
            "top_passage": float(s.passage_rank == 1),
            "role_first": float(first),
            "role_other": float(other),
            "has_role": float(bool(s.roles)),
            "asked_share": asks(s.text),
            "asks_nothing": float(nothing),
            "neighbour": s.neighbour,
            "neighbour_share": max(s.neighbour, 0.0) / top_cosine,
            "context_share": max(s.context, 0.0) / top_context if query.context else 0.0,
            "leans_back": float(leans_back(s)),
            "words": math.log1p(len(s.text.split())),
            "names_pose": float(names_any(s.text, names)),
            "describes_pose": float(describes(s.text, names)),
            "defines_term": float(s.span in defined),
            "after_variation": float(after_variation(s, library)),
            "about_variant": float(bool(variant) and near(s, variant, library)),
            "best_article": float(s.chunk.article == best_article),
            "named_poses": float(min(len(query.named), 3)),
            "unsaid": retrieval.unsaid,
            "says_who_avoids": float(avoids),
            "who_avoids_for_pain": float(avoids and query.intent.kind == "pain"),
            "who_avoids_for_condition": float(avoids and query.intent.kind in {"condition", "cautions"}),
            kind: 1.0,
            **{f"role_{r}": 1.0 for r in s.roles if r in _ROLES},
        }
        for name, value in row.items():
            out[i, at[name]] = value
    return out


#: where a question in several parts divides: "...hold it and how do I come up", "...? Also, ..."
_PARTS = re.compile(
    r"\?\s+|;\s+|,?\s+(?:and|also|plus|or)\s+(?=(?:how|what|where|when|why|which|who|should|can|could|do|does|is|"
    r"are|will|would)\b)|,\s+(?=(?:how|what|where|when|why|which|who|should|can|could|do|does)\b)",
    re.IGNORECASE,
)


def parts(question: str) -> list[str]:
    """The parts of a question that asks several things, each of two words or more ([] for one)."""
    pieces = [p.strip(" ?.!,") for p in _PARTS.split(question)]
    pieces = [p for p in pieces if len(p.split()) >= 2]
    return pieces if len(pieces) > 1 else []


def by_part(retrieval: Retrieval, library: Library, sentences: Sequence[Sentence]) -> list[np.ndarray]:
    """:func:`rows` for the whole question, then for each of its parts (read as its own question,
    about the same poses; the closeness in meaning stays the whole question's)."""
    out = [rows(retrieval, library, sentences)]
    names = {w for p in retrieval.query.poses for n in library.names(p) for w in words(n)}
    for part in parts(retrieval.query.question):
        topic = " ".join(w for w in words(part) if w not in names) or part
        query = replace(retrieval.query, intent=understand(part), topic=topic)
        out.append(rows(replace(retrieval, query=query), library, sentences))
    return out


def _ranks(values: np.ndarray) -> np.ndarray:
    """1 for the highest value, 2 for the next, ... (ties share the better rank)."""
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    for value in set(values.tolist()):
        same = values == value
        ranks[same] = ranks[same].min()
    return ranks
