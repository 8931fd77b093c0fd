"""What the chat server lets in, checked before Gradio sees a request.

Gradio serves more than this app needs, and some of it reaches out or writes: its file route
fetches URLs, its upload route stores files, its run history uploads to the Hugging Face Hub.
``Guard`` is a small ASGI middleware in front of the whole app: it answers only requests for
a host name the server was started for (a DNS-rebinding page names its own), refuses those
routes outright, and caps the size of a request body. Each refusal is a short JSON error.

It is also the one origin policy for every route, Gradio's included: a request from a page of
another site (an ``Origin`` that is not the server's own, or ``Sec-Fetch-Site: cross-site``)
may read nothing and change nothing. Anything but GET and HEAD from there is refused with 403
(the login form, Gradio's queue, the API, a CORS preflight), and no response to it carries an
``Access-Control-Allow-*`` header, so the browser keeps it from the page. Clients that are not
browsers (curl, scripts, OpenAI clients) send no ``Origin`` and are not affected.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from assistant.config import LOOPBACK
from assistant.serve.wire import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: loopback names a browser or client on this machine uses (the ones the settings' login rule uses)
LOOPBACK_HOSTS = LOOPBACK
#: the largest request body: a question (2,000 characters) and a long chat's history fit many
#: times over; Gradio takes no files here
MAX_BODY_BYTES = 1_000_000
#: a body over the cap but under this is read (and dropped) before the 413, so the client hears it
DRAIN_BYTES = 8 * MAX_BODY_BYTES
#: the error codes the guard answers with (the status says the rest)
_CODES = {
    403: "other_origin",
    404: "not_found",
    413: "body_too_large",
    421: "wrong_host",
    429: "too_many_wrong_passwords",
}
#: methods a page of another site may send (its response still unreadable to that page)
_READ_METHODS = frozenset({"GET", "HEAD"})
#: routes the chat never uses and that must not serve: files by path or URL, uploads, run
#: history, the MCP server
_REFUSED = ("/file=", "/upload", "/gradio_api/runs", "run-history", "/gradio_api/mcp", "/mcp")


def host_name(header: str) -> str:
    """The host of a Host header, without its port: 'localhost:7860' -> 'localhost',
    '[::1]:7860' -> '::1'."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else ""
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def allowed_hosts(host: str, *, login: bool) -> frozenset[str] | None:
    """The Host names to answer: loopback ones; with a login, also the address the server listens
    on (None, any name, when it listens on all addresses: the login is then what protects it)."""
    name = host.strip().strip("[]").lower()
    if not login or name in LOOPBACK_HOSTS:
        return LOOPBACK_HOSTS
    if name in {"0.0.0.0", "::", ""}:
        return None
    return LOOPBACK_HOSTS | {name}


def same_origin(origin: str, host: str) -> bool:
    """An ``Origin`` header names the site the request's ``Host`` header does: same host and port
    (default ports filled in; the loopback names count as one host)."""
    try:
        parts = urlsplit(origin.strip().lower())
        origin_port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return False
    if not parts.hostname or parts.scheme not in ("http", "https"):
        return False  # 'null' (a sandboxed frame, a file), or not a web page at all
    name = host_name(host)
    port_text = host.strip().lower().rsplit("]", 1)[-1].rpartition(":")[2] if ":" in host else ""
    host_port = int(port_text) if port_text.isdigit() else {"http": 80, "https": 443}[parts.scheme]
    origin_name = parts.hostname
    if origin_name in LOOPBACK_HOSTS and name in LOOPBACK_HOSTS:
        origin_name = name
    return origin_name == name and origin_port == host_port


def foreign(headers: dict[str, str]) -> bool:
    """The request comes from a page of another site."""
    origin = headers.get("origin")
    if origin is not None:
        return not same_origin(origin, headers.get("host", ""))
    return headers.get("sec-fetch-site", "") == "cross-site"


def refused_route(path: str) -> bool:
    return any(part in path for part in _REFUSED)


class Throttle:
    """Repeated wrong passwords from one client: after FREE_FAILURES, each further attempt waits
    twice as long as the one before (up to MAX_WAIT seconds); a right password clears it."""

    FREE_FAILURES = 5
    MAX_WAIT = 300.0
    CLIENTS = 10_000  # clients remembered; the oldest is forgotten

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()  # client -> (failures, blocked until)

    def wait(self, client: str) -> float:
        """Seconds the client must wait before trying again (0: it may try now)."""
        _, until = self._failures.get(client, (0, 0.0))
        return max(0.0, until - self.clock())

    def record(self, client: str, ok: bool) -> None:
        if ok:
            self._failures.pop(client, None)
            return
        failures = self._failures.pop(client, (0, 0.0))[0] + 1
        extra = failures - self.FREE_FAILURES
        until = self.clock() + min(self.MAX_WAIT, 2.0**extra) if extra >= 0 else 0.0
        self._failures[client] = (failures, until)
        if len(self._failures) > self.CLIENTS:
            self._failures.popitem(last=False)


class Guard:
    """ASGI middleware: foreign Host headers (421), writes from other sites (403; their reads get
    no CORS headers), refused routes (404), oversized bodies (413), repeated wrong passwords (429)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        hosts: Iterable[str] | None,
        max_body: int = MAX_BODY_BYTES,
        uploads: dict[str, int] | None = None,
    ) -> None:
        """``uploads``: paths that take larger bodies (an article file), and their limit."""
        self.app = app
        self.hosts = None if hosts is None else frozenset(hosts)
        self.max_body = max_body
        self.uploads = uploads or {}
        self.logins = Throttle()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if self.hosts is not None and host_name(headers.get("host", "")) not in self.hosts:
            return await _refuse(scope, send, 421, "this server answers only to the address it was started on")
        if foreign(headers):
            if scope["type"] == "websocket" or scope.get("method") not in _READ_METHODS:
                return await _refuse(scope, send, 403, "requests from pages of other sites are refused")
            send = _without_cors(send)
        if refused_route(scope.get("path", "")):
            return await _refuse(scope, send, 404, "not found")
        if scope["type"] == "websocket":
            return await self.app(scope, receive, send)
        if scope.get("path", "").rstrip("/").endswith("/login") and scope.get("method") == "POST":
            return await self._login(scope, receive, send)
        limit = (
            self.uploads.get(scope.get("path", ""), self.max_body) if scope.get("method") == "POST" else self.max_body
        )
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            if (
                int(length) <= DRAIN_BYTES + limit
            ):  # read it first: a client still sending would see a reset, not the 413
                await _drain(receive)
            return await _refuse(scope, send, 413, f"the request is over {limit:,} bytes")
        if headers.get("transfer-encoding", "").lower() == "chunked" or (not length and scope.get("method") == "POST"):
            body = await _read_body(receive, limit)
            if body is None:
                return await _refuse(scope, send, 413, f"the request is over {limit:,} bytes")
            return await self.app(scope, _replay(body), send)
        return await self.app(scope, receive, send)

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = (scope.get("client") or ("?", 0))[0]
        wait = self.logins.wait(client)
        if wait > 0:
            seconds = str(int(wait) + 1)
            return await _refuse(scope, send, 429, f"too many wrong passwords; try again in {seconds} s", seconds)
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        self.logins.record(client, ok=status < 400)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None once it passes ``limit`` bytes."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(parts)


async def _drain(receive: Receive) -> None:
    """Read the body to its end and drop it."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


def _without_cors(send: Send) -> Send:
    """``send`` with every Access-Control-Allow-* header taken out of the response."""

    async def stripped(message: Message) -> None:
        if message["type"] == "http.response.start":
            kept = [(k, v) for k, v in message.get("headers", []) if not k.lower().startswith(b"access-control-")]
            message["headers"] = kept
        await send(message)

    return stripped


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _refuse(scope: Scope, send: Send, status: int, message: str, retry_after: str = "") -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps(error_body(scope.get("path", ""), status, _CODES.get(status, str(status)), message)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if retry_after:
        headers.append((b"retry-after", retry_after.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
