"""Bounded connections and a bounded log, with a small app behind uvicorn (no model): the cap,
the request deadline, and repeated log records said once with their count. The flood against
the real app is in test_server.py."""

from __future__ import annotations

import logging
import socket
import sys
import threading
from collections.abc import Iterator

import pytest

from assistant.serve.connections import MAX_CONNECTIONS, MIN_CONNECTIONS, Bounded, cap_for
from assistant.serve.logs import Repeats

PARTIAL = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
WHOLE = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def test_the_cap_keeps_a_quarter_of_the_free_files_and_stays_within_its_bounds() -> None:
    assert cap_for(1024, 60) == 339
    assert cap_for(1_048_576, 60) == MAX_CONNECTIONS
    assert cap_for(64, 60) == MIN_CONNECTIONS


class Server:
    """uvicorn with ``Bounded`` on a free loopback port, in a thread, answering every request at
    once except ``/slow``, which answers when ``release`` is set."""

    def __init__(self, cap: int, request_seconds: float) -> None:
        import uvicorn

        self.release = threading.Event()
        self.arrived = threading.Semaphore(0)  # one per request that reached /slow
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            http=Bounded.configure(cap, request_seconds),
            ws="none",
            log_config=None,
            lifespan="off",
            interface="asgi3",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    async def app(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        import anyio

        if scope["path"] == "/slow":
            self.arrived.release()
            await anyio.to_thread.run_sync(self.release.wait)
        while (await receive()).get("more_body"):  # the whole body first, as every route here does
            pass
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})

    def connect(self, data: bytes) -> socket.socket:
        s = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        s.sendall(data)
        return s


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    cap, seconds = request.param
    s = Server(cap, seconds)
    s.thread.start()
    while not s.server.started:
        s.thread.join(0.05)
    yield s
    s.release.set()
    s.server.should_exit = True
    s.thread.join(30)


def status(s: socket.socket) -> int:
    """The status of the response on ``s`` (0: closed with none)."""
    first = s.recv(4096).split(b"\r\n", 1)[0]
    return int(first.split()[1]) if first.startswith(b"HTTP/1.1") else 0


@pytest.mark.parametrize("server", [(8, 600.0)], indirect=True)
def test_over_the_cap_a_new_connection_takes_the_place_of_the_oldest_unfinished_one(server: Server) -> None:
    held = [server.connect(PARTIAL) for _ in range(20)]  # more than the cap, none finishing its request
    for s in held[:12]:  # the oldest gave way (the last 8 may still be open)
        assert status(s) == 408
    with server.connect(WHOLE) as s:  # a client sending its request at once is served
        assert status(s) == 200
    for s in held:
        s.close()


@pytest.mark.parametrize("server", [(8, 600.0)], indirect=True)
def test_when_every_connection_is_busy_answering_a_new_one_gets_503(server: Server) -> None:
    busy = [server.connect(b"GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") for _ in range(8)]
    for _ in busy:
        assert server.arrived.acquire(timeout=30)
    refused = server.connect(WHOLE)
    assert status(refused) == 503
    server.release.set()
    assert [status(s) for s in busy] == [200] * 8
    with server.connect(WHOLE) as s:
        assert status(s) == 200


@pytest.mark.parametrize("server", [(64, 0.5)], indirect=True)
def test_a_request_not_all_sent_by_the_deadline_gets_408_and_is_closed(server: Server) -> None:
    with server.connect(PARTIAL) as s:
        assert status(s) == 408
        assert s.recv(4096) == b""  # and closed
    with server.connect(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nabc") as s:
        assert status(s) == 408  # a body that stops half-way too


def test_a_repeated_record_is_written_once_a_window_with_the_count_of_the_others() -> None:
    now = [0.0]
    repeats = Repeats(window=60, clock=lambda: now[0])
    logger = logging.getLogger("test.repeats")

    def record(message: str, error: BaseException | None = None) -> logging.LogRecord:
        info = (type(error), error, error.__traceback__) if error else None
        return logger.makeRecord(logger.name, logging.ERROR, __file__, 1, message, (), info)

    try:
        raise OSError(24, "Too many open files")
    except OSError as e:
        error = e
    kept = []
    for _ in range(5000):
        r = record("socket.accept() out of system resource", error)
        if repeats.filter(r):
            kept.append(r)
        now[0] += 0.01  # 5,000 in 50 s
    assert len(kept) == 1 and kept[0].exc_info is None  # one line, no traceback
    assert kept[0].getMessage() == "socket.accept() out of system resource: OSError: [Errno 24] Too many open files"
    assert repeats.filter(record("another kind"))  # other kinds are not held back
    now[0] += 20
    again = record("socket.accept() out of system resource", error)
    assert repeats.filter(again) and "(and 4,999 more like it in 70 s)" in again.getMessage()
    repeats.filter(record("socket.accept() out of system resource", error))
    assert repeats.left_out() == "1 like 'socket.accept() out of system resource' (test.repeats)"


def test_a_client_gone_mid_answer_is_one_quiet_line() -> None:
    repeats = Repeats()
    try:
        try:
            raise ConnectionResetError("reset by peer")
        except ConnectionResetError as gone:
            raise RuntimeError("Caught handled exception, but response already started.") from gone
    except RuntimeError:
        info = sys.exc_info()
    r = logging.getLogger("uvicorn.error").makeRecord(
        "uvicorn.error", logging.ERROR, __file__, 1, "Exception in ASGI application\n", (), info
    )
    assert repeats.filter(r)
    assert r.levelno == logging.INFO and r.exc_info is None
    assert r.getMessage() == "a client went away before its answer was sent (RuntimeError from ConnectionResetError)"
