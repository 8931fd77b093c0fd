"""One admission gate for every answer the server computes, the chat's and the API's alike.

An answer is a few milliseconds of CPU on one core; more at once than there are cores only
makes each slower. ``Gate`` lets WORKERS answers run at once and WAITING more wait in line,
and refuses the rest at once (``Busy``: the API answers 429 with Retry-After, the chat says
the server is busy). The chat and the API share one gate (server.make_app), so neither can
starve the other or run the machine over.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from assistant.errors import AssistantError

#: answers computed at once (2 cores: more only queue inside), and requests allowed to wait
WORKERS = 2
WAITING = 32


class Busy(AssistantError):
    """Every place in line is taken."""

    def __init__(self) -> None:
        super().__init__("the server is busy; try again shortly")


class Gate:
    """At most ``workers`` answers at once and ``waiting`` more in line; beyond that, ``Busy``.
    Used from worker threads (the API's and Gradio's)."""

    def __init__(self, workers: int = WORKERS, waiting: int = WAITING) -> None:
        self.limit = workers + waiting
        self.inside = 0
        self._running = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()

    @contextmanager
    def admitted(self) -> Iterator[None]:
        """Wait for a place to run; ``Busy`` at once when the line is full."""
        with self._lock:
            if self.inside >= self.limit:
                raise Busy()
            self.inside += 1
        try:
            with self._running:
                yield
        finally:
            with self._lock:
                self.inside -= 1
