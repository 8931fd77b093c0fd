"""Whether the articles answer a question at all: pure decisions over the retrieval's results.

A question naming no pose is off-topic when its best passage is only weakly similar, or
middling while the question's own key words (or their bridges) are missing from the top
passages. A question about a pose the articles teach is off-topic only when it asks about
something no passage of the pose mentions; how much of what it asks they never mention is also
measured (``unsaid``), for the answer stage's scorer to weigh. Thresholds were calibrated with `eval` and
`eval --answers` on our question sets (docs/answers.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.index.reader import Index
from assistant.language.intent import good_for, health_words
from assistant.language.text import tokenize, words
from assistant.records import Hit
from assistant.retrieval.query import ASKING, Query, bridge, key_words

#: below MIN_DENSE cosine between question and best passage or sentence, the articles are
#: off-topic; below MIN_DENSE_CONFIDENT too, unless MIN_SUPPORT of the question's key words are
#: in the top passages
MIN_DENSE = 0.45
MIN_DENSE_CONFIDENT = 0.53
MIN_SUPPORT = 0.6
#: a question about a pose the articles teach is off-topic only with no key word in common
MIN_DENSE_WITH_POSE = 0.30
#: the passages whose words count as support
SUPPORT_HITS = 3


def off_topic(
    index: Index, query: Query, hits: Sequence[Hit], best: float | None, focus: np.ndarray | None, *, lexical: bool
) -> bool:
    """Whether the articles do not answer: weak similarity, or middling similarity while
    the question's own key words (or their bridges) are missing from the top passages.

    ``best`` is the best cosine (None for the bm25 mode, which decides by words alone);
    without ``lexical`` (the dense mode) the cosine alone decides."""
    if not hits:
        return True
    if not lexical:
        return best is not None and best < (MIN_DENSE_WITH_POSE if query.poses else MIN_DENSE)
    support = _support(index, query, hits[:SUPPORT_HITS])
    if query.poses:  # about a pose the articles teach: off-topic only when the question asks about
        # something no passage of the pose mentions: a condition it may help ("good for sciatica?"),
        # a detail of it ("should my eyes be closed?"), anything at all ("can I do it on a bed?")
        asked = _asked(index, query)
        if query.intent.kind == "benefits":  # what it should help: a condition, else what it is "good for"
            conditions = health_words(query.topic)
            wanted = set(words(good_for(query.topic)))
            target = tokenize(" ".join(conditions)) if conditions else [w for w in asked if w in wanted]
            if conditions or target:
                return len(_unmentioned(index, target, focus)) == len(target)
        if query.intent.specific and not (query.intent.kind == "steps" and not query.intent.procedure):
            return False
        unmentioned = _unmentioned(index, asked, focus)
        weak = support == 0.0 and (best is None or best < MIN_DENSE_WITH_POSE)
        return weak or (bool(asked) and len(unmentioned) == len(asked))
    if best is None:
        return support < MIN_SUPPORT
    return best < MIN_DENSE or (best < MIN_DENSE_CONFIDENT and support < MIN_SUPPORT)


def unsaid(index: Index, query: Query, focus: np.ndarray | None) -> float:
    """For a question about a pose the articles teach: the share of what it asks about that no
    passage of the pose mentions (directly, through a bridge, or as a compound written apart):
    a condition it may help ("good for sciatica?"), a detail ("should my eyes be closed?"),
    anything ("can I do it on a bed?"). 0 when it asks about nothing in particular."""
    if focus is None or not query.poses:
        return 0.0
    asked = _asked(index, query)
    if query.intent.kind == "benefits":  # what it should help: a condition, else what it is "good for"
        conditions = health_words(query.topic)
        wanted = set(words(good_for(query.topic)))
        target = tokenize(" ".join(conditions)) if conditions else [w for w in asked if w in wanted]
        asked = target or asked
    return len(_unmentioned(index, asked, focus)) / len(asked) if asked else 0.0


def _asked(index: Index, query: Query) -> list[str]:
    """The words of what the question asks about: its key words beyond the pose's names and
    the words of asking ('hold', 'avoid', ...)."""
    asked = key_words(query.topic) - name_words(index, query) - ASKING
    return [w for w in words(query.topic) if tokenize(w) and set(tokenize(w)) <= asked]


def _unmentioned(index: Index, asked: Sequence[str], among: np.ndarray | None) -> list[str]:
    """The words of ``asked`` that no passage ``among`` these mentions: directly, through a
    bridge, or as a compound written apart ('backbend' and 'back-bend')."""
    if among is None:
        return []

    def found(tokens: Sequence[str]) -> bool:
        return bool(tokens) and index.lexical.used_among(tokens, among)

    def mentioned(word: str) -> bool:
        halves = ((word[:i], word[i:]) for i in range(3, len(word) - 2))
        return any(found([t]) for t in [*tokenize(word), *bridge(word)]) or any(
            all(found(tokenize(h)) for h in pair) for pair in halves
        )

    return [w for w in asked if not mentioned(w)]


def _support(index: Index, query: Query, hits: Sequence[Hit]) -> float:
    """Share of the question's key words found in ``hits`` (directly or through a bridge)."""
    key = key_words(query.topic) - name_words(index, query)
    if not key:
        return 1.0
    found = {w for h in hits for w in tokenize(h.chunk.text)}
    return sum(1 for w in key if w in found or found & set(bridge(w))) / len(key)


def name_words(index: Index, query: Query) -> set[str]:
    """The words of every name of the poses the question is about."""
    return {w for p in query.poses for w in tokenize(" ".join(index.names(p)) or p)}
