"""Earlier questions of a chat sent as bare text, remembered with what they were about."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

from assistant.records import Turn


class TurnCache:
    """What earlier questions sent as bare text were about, so a chat sent whole with each
    request (the HTTP API) has each earlier question answered once, not on every request.
    Keyed by the turns before a question and the question; the least recently used go first."""

    SIZE = 2048

    def __init__(self) -> None:
        self._turns: OrderedDict[bytes, Turn] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(mode: str, before: Sequence[Turn], question: str) -> bytes:
        said = repr((mode, [(t.question, t.poses, t.declined) for t in before], question))
        return hashlib.blake2b(said.encode(), digest_size=16).digest()

    def get(self, key: bytes) -> Turn | None:
        with self._lock:
            turn = self._turns.get(key)
            if turn is not None:
                self._turns.move_to_end(key)
            return turn

    def put(self, key: bytes, turn: Turn) -> None:
        with self._lock:
            self._turns[key] = turn
            while len(self._turns) > self.SIZE:
                self._turns.popitem(last=False)
