"""How many connections the server holds, and how long a request may take to arrive.

uvicorn accepts every connection and waits for its request as long as the client likes. A
thousand connections that each send half a request and stop use up the process's open files;
from then on every accept fails, logs a traceback, and nobody else gets in. ``Bounded`` is
uvicorn's own HTTP protocol with two limits added:

- **a cap on open connections** (``cap_for``: three quarters of the open files still free at
  start after a reserve for accepted connections not yet seen, at most MAX_CONNECTIONS), so the
  files never run out. (Each turn of the event loop accepts up to BACKLOG connections before
  any of them is seen here, and a closed one gives its file back a few turns later: the listen
  backlog is set to BACKLOG, so more wait in the kernel, which costs no open file, and four
  turns' worth of files are kept in reserve.) A new connection over the cap
  takes the place of the oldest one that has not finished sending its request (a flooder's,
  almost always: a browser sends its request at once); when every connection is busy with an
  answer, the new one gets a 503 and is closed.
- **a deadline for the request** (REQUEST_SECONDS): a connection that has not sent its whole
  request (headers and body) by then gets a 408 and is closed. Idle keep-alive connections
  are closed by uvicorn's own shorter timeout.

What it closes is counted and said in one line a minute (``Tally``), never a line per event.
``raise_file_limit`` lifts the process's soft open-file limit to its hard limit at start.
"""

from __future__ import annotations

import json
import logging
import os
import resource
from typing import Any, ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from assistant.serve.wire import error_body

log = logging.getLogger("assistant.serve.connections")

#: the most connections held open at once, whatever the open-file limit allows
MAX_CONNECTIONS = 4096
#: the fewest, however low the limit (a server that cannot hold this many cannot serve a chat)
MIN_CONNECTIONS = 32
#: connections accepted in one turn of the event loop (and the listen backlog): each takes an open
#: file before the cap sees it
BACKLOG = 128
#: seconds a connection has to send its whole request
REQUEST_SECONDS = 20.0
#: seconds between the lines that count what was closed
REPORT_SECONDS = 60.0
_WAITING = (h11.IDLE, h11.SEND_BODY)  # the client's states before its request is all here


def raise_file_limit() -> int:
    """Lift the soft open-file limit to the hard one (where the system allows); the soft limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):  # macOS caps it lower than it reports; keep what we have
            pass
    return soft


def files_open() -> int:
    """Files this process has open now (0 where the system does not say)."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 0


def cap_for(limit: int, in_use: int) -> int:
    """Connections to hold with ``limit`` open files of which ``in_use`` are taken: three quarters
    of the rest after four turns of accepted connections, the last quarter kept for the files an
    answer and a rebuild open."""
    return max(MIN_CONNECTIONS, min(MAX_CONNECTIONS, (limit - in_use - 4 * BACKLOG) * 3 // 4))


class Tally:
    """What the connection limits closed: the first one said at once, the rest counted and said
    in one line per REPORT_SECONDS."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.due = False

    def add(self, what: str, loop: Any) -> None:
        if not self.due:
            self.due = True
            log.warning("closed a connection: %s (more are counted, one line a minute)", what)
            loop.call_later(REPORT_SECONDS, self.report, loop)
            return
        self.counts[what] = self.counts.get(what, 0) + 1

    def report(self, loop: Any) -> None:
        if not self.counts:
            self.due = False
            return
        said = "; ".join(f"{what}: {n:,}" for what, n in sorted(self.counts.items()))
        log.warning("connections closed in the last %d s: %s", REPORT_SECONDS, said)
        self.counts = {}
        loop.call_later(REPORT_SECONDS, self.report, loop)


class Bounded(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a cap on connections and a deadline for each request;
    ``configure`` gives the class a server runs with."""

    cap: ClassVar[int] = MAX_CONNECTIONS
    request_seconds: ClassVar[float] = REQUEST_SECONDS
    tally: ClassVar[Tally] = Tally()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # connections still sending their request, oldest first (one table per server)
        self.waiting: dict[Bounded, None] = self.server_state.__dict__.setdefault("waiting", {})
        self.deadline: Any = None

    @classmethod
    def configure(cls, cap: int, request_seconds: float = REQUEST_SECONDS) -> type[Bounded]:
        """This protocol with these limits, for one server (a class: uvicorn makes one per connection)."""
        return type(cls.__name__, (cls,), {"cap": cap, "request_seconds": request_seconds, "tally": Tally()})

    def connection_made(self, transport: Any) -> None:
        if len(self.connections) >= self.cap:
            if not self.waiting:
                self.transport = transport  # connection_lost closes it
                self._close(transport, 503, "Service Unavailable", "over the cap, every connection busy")
                return
            oldest = next(iter(self.waiting))
            oldest.drop(408, "Request Timeout", "gave way to a new one before sending a request")
        super().connection_made(transport)
        self._wait()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state not in _WAITING or self.transport.is_closing():
            self._stop_waiting()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state in _WAITING:
            self._wait()  # the next request on this connection has its own deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def drop(self, status: int, reason: str, what: str) -> None:
        self._stop_waiting()
        if self.transport is not None and not self.transport.is_closing():
            self._close(self.transport, status, reason, what)

    def _wait(self) -> None:
        self._stop_waiting()
        self.waiting[self] = None
        self.deadline = self.loop.call_later(
            self.request_seconds, self.drop, 408, "Request Timeout", "no whole request in time"
        )

    def _stop_waiting(self) -> None:
        self.waiting.pop(self, None)
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def _close(self, transport: Any, status: int, reason: str, what: str) -> None:
        message = "the server is busy; try again" if status == 503 else "the request did not arrive in time"
        body = json.dumps(error_body("", status, reason.lower().replace(" ", "_"), message)).encode()
        head = f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
        transport.write(head.encode() + b"connection: close\r\n\r\n" + body)
        transport.close()
        self.tally.add(what, self.loop)
