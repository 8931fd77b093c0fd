"""The chat so far as turns: what each earlier question was about.

A chat keeps each answer's ``Turn`` (the poses it was about, whether it was declined). An
earlier question given as bare text (the command line, ``/v1``, the question sets) is answered
here, in order, to learn the same, once per index: ``TurnCache`` remembers it.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence

from cachetools import LRUCache

from assistant.answer.compose import compose
from assistant.answer.scorer import Scorer
from assistant.config import Retriever as Mode
from assistant.errors import QuestionError
from assistant.index.reader import Index
from assistant.records import Answer, Turn
from assistant.retrieval.query import clean_question
from assistant.retrieval.retriever import Retriever

#: earlier turns read; older ones are left out
MAX_HISTORY = 8
#: passages an earlier question is answered from (as the question itself was)
HITS = 10


class TurnCache:
    """What earlier questions sent as bare text were about, so a chat sent whole with each
    request has each earlier question answered once, not on every request. Keyed by the turns
    before a question and the question; the least recently used go first."""

    SIZE = 2048

    def __init__(self) -> None:
        self._turns: LRUCache[bytes, Turn] = LRUCache(self.SIZE)
        self._lock = threading.Lock()

    @staticmethod
    def key(mode: str, before: Sequence[Turn], question: str) -> bytes:
        said = repr((mode, [(t.question, t.poses, t.declined) for t in before], question))
        return hashlib.blake2b(said.encode(), digest_size=16).digest()

    def get(self, key: bytes) -> Turn | None:
        with self._lock:
            return self._turns.get(key)

    def put(self, key: bytes, turn: Turn) -> None:
        with self._lock:
            self._turns[key] = turn


def about(index: Index, answer: Answer) -> tuple[str, ...]:
    """The poses an answer is about: the question's, else the pose its first cited article teaches."""
    if answer.poses or not answer.citations:
        return answer.poses
    article = index.articles.get(answer.citations[0].article)
    return article.poses[:1] if article else ()


def read_turns(
    history: Sequence[str | Turn],
    retriever: Retriever,
    scorer: Scorer,
    cache: TurnCache,
    *,
    mode: Mode,
    max_chars: int,
) -> list[Turn]:
    """The last MAX_HISTORY items of ``history`` as turns; unusable questions are left out, and
    a kept turn's poses the index does not know."""
    index = retriever.index
    turns: list[Turn] = []
    for item in list(history)[-MAX_HISTORY:]:
        text = item.question if isinstance(item, Turn) else item
        try:
            question = clean_question(text, max_chars=max_chars)
        except QuestionError:
            continue
        if isinstance(item, Turn):
            turns.append(Turn(question, tuple(p for p in item.poses if p in index.lexicon.poses), item.declined))
            continue
        key = TurnCache.key(mode, turns, question)
        turn = cache.get(key)
        if turn is None:
            earlier = compose(retriever.search(question, turns, k=HITS, mode=mode), index, scorer)
            turn = Turn(question, about(index, earlier), earlier.abstained)
            cache.put(key, turn)
        turns.append(turn)
    return turns
