"""The one web server: the chat and, beside it, the HTTP API, on one address and port.

``make_app`` puts them in one ASGI app: the guard (guard.py) in front of everything, the API
routes (api.py), and the Gradio chat mounted at ``/``. ``serve`` runs it with uvicorn until
interrupted. Beyond loopback the server does not start without a login and an API key.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from assistant.config import Settings, check_exposure
from assistant.errors import ConfigError
from assistant.pipeline import Assistant
from assistant.serve.gate import Gate
from assistant.serve.guard import Guard, allowed_hosts

log = logging.getLogger("assistant.serve.server")
#: what a multipart upload adds to its file: boundaries, headers, the title and poses fields
UPLOAD_FORM_BYTES = 64_000

try:
    __version__ = version("yoga-assistant")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0"


def make_app(assistant: Assistant, settings: Settings) -> Any:
    from fastapi import FastAPI

    from assistant.serve import ui
    from assistant.serve.api import add_api
    from assistant.serve.library import MAX_UPLOAD_BYTES
    from assistant.serve.library_api import add_library_api
    from assistant.serve.openai_api import add_openai_api

    auth = check_exposure(settings)
    app = FastAPI(
        title="Yoga pose assistant",
        summary="Cited answers from yoga pose articles; an OpenAI-compatible model under /v1.",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    gate = Gate()  # one line of answers for the chat and the API
    add_library_api(app, assistant, settings)  # before the API's catch-all for unknown /api routes
    add_openai_api(app, assistant, settings, gate)  # before the API's catch-all too
    add_api(app, assistant, settings, gate)  # before the chat: the chat's mount at / takes every other path
    uploads = {"/api/articles": MAX_UPLOAD_BYTES + UPLOAD_FORM_BYTES}
    app.add_middleware(Guard, hosts=allowed_hosts(settings.host, login=auth is not None), uploads=uploads)
    return ui.mount(app, ui.build_app(assistant, gate), auth)


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port`` for the server, taken before anything slow is done, or
    ``ConfigError`` in one line (a port in use, an address this machine does not have)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, IndexError):
        raise ConfigError(f"cannot listen on {host!r}: no such address here; use --host 127.0.0.1") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"port {port} on {host} is in use (is the chat already running?); stop that, or pick another "
                "port with --port"
            ) from None
        raise ConfigError(f"cannot listen on {host} port {port}: {error.strerror or error}") from None
    return sock


#: seconds the answers being sent get to finish when the server is told to stop
SHUTDOWN_SECONDS = 5


def serve(assistant: Assistant, settings: Settings, sock: socket.socket, *, said: str = "") -> None:
    """Serve on ``sock`` (from :func:`listen`) until interrupted, with bounded connections
    (connections.py) and the log set up by logs.py (uvicorn adds no handlers of its own).
    ``said`` is printed once the socket listens: from then a visitor waits, never is refused."""
    import uvicorn

    from assistant.serve.connections import BACKLOG, Bounded, cap_for, files_open, raise_file_limit

    app = make_app(assistant, settings)
    limit = raise_file_limit()
    cap = cap_for(limit, files_open())
    log.info("holding at most %d connections (open-file limit %d)", cap, limit)
    config = uvicorn.Config(
        app,
        http=Bounded.configure(cap),
        backlog=BACKLOG,
        ws="none",  # the chat uses none; an upgrade is answered as plain HTTP
        log_config=None,
        log_level="warning",
        access_log=False,
        # a stream a client keeps open (Gradio's clients keep one) would hold a stop forever
        timeout_graceful_shutdown=SHUTDOWN_SECONDS,
    )
    sock.listen(BACKLOG)
    if said:
        print(said, flush=True)
    uvicorn.Server(config).run(sockets=[sock])


def few_malloc_arenas() -> None:
    """glibc gives each of the server's many threads its own malloc arena, and long unique
    questions leave each one fragmented: two arenas keep the chat's memory flat (bench/memory.py).
    Must run before the server starts its threads; elsewhere it does nothing."""
    import ctypes
    import ctypes.util

    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt(-8, 2)  # M_ARENA_MAX
