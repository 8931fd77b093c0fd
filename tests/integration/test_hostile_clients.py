"""The running app against clients that mean harm: a flood of held-open partial requests with
the open-file limit at a common default, and pages of other sites, with and without a login.
(bench/flood.py runs the flood for a set time and reports its figures.)"""

from __future__ import annotations

import json
import resource
import shutil
import socket
import struct
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..apps import start_app, stop_app

PARTIAL = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
EVIL = "https://evil.example"
LOGIN = ("yogi", "s3cret-word")
KEY = "test-key-0123456789abcdef"
JSON = "application/json"


def fetch(
    url: str, *, method: str = "GET", data: bytes | None = None, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        url, data=data, method=method, headers={k.replace("_", "-"): v for k, v in headers.items()}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory, real_settings) -> Iterator[tuple[str, Path]]:  # type: ignore[no-untyped-def]
    """The app with at most 1,024 open files, soft and hard (a common default)."""
    tmp = tmp_path_factory.mktemp("limited")
    shutil.copytree(real_settings.index_dir, tmp / "index")
    proc, url = start_app(tmp, files=1024)
    yield url, tmp
    assert proc.poll() is None, "the server died"
    stop_app(proc)


@pytest.fixture(scope="module")
def with_login(tmp_path_factory: pytest.TempPathFactory, real_settings) -> Iterator[tuple[str, Path]]:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("login")
    shutil.copytree(real_settings.index_dir, tmp / "index")
    env = {"ASSISTANT_AUTH": ":".join(LOGIN), "ASSISTANT_API_KEY": KEY}
    proc, url = start_app(tmp, host="0.0.0.0", env=env)
    yield url, tmp
    stop_app(proc)


def test_a_flood_of_held_open_partial_requests_leaves_the_server_serving_and_its_log_small(limited) -> None:  # type: ignore[no-untyped-def]
    url, tmp = limited
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    log = tmp / "app.log"
    before = log.stat().st_size
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < 1200:
        pytest.skip(f"this test needs to open 1,100 sockets; the hard open-file limit here is {hard}")
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    held: list[socket.socket] = []
    try:
        for _ in range(1100):  # more than the server can hold open files for
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            s.sendall(PARTIAL)
            held.append(s)
        # while they are held, a person asking gets an answer: the oldest unfinished ones gave way
        status, _, body = fetch(
            url + "api/ask", method="POST", data=b'{"question": "how long do I hold pyramid pose?"}', Content_Type=JSON
        )
        assert status == 200 and json.loads(body)["citations"]
        refused = sum(s.recv(64).startswith(b"HTTP/1.1 408") for s in held[:300])
        assert refused == 300  # told, not left hanging
    finally:
        for s in held:
            s.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert fetch(url + "api/health")[0] == 200
    grown = log.read_bytes()[before:].decode(errors="replace")
    assert "Traceback" not in grown and "Too many open files" not in grown
    assert len(grown) < 2_000, grown[-2000:]  # a line a minute at most


#: what a page of another site might call: Gradio's routes, the API, the login form
ROUTES = [
    ("GET", "gradio_api/info", None),
    ("GET", "config", None),
    ("GET", "api/health", None),
    ("POST", "gradio_api/call/ask", b'{"data": ["hero pose?", []]}'),
    ("POST", "gradio_api/queue/join", b'{"data": ["hero pose?", []], "fn_index": 0, "session_hash": "abc"}'),
    ("POST", "api/ask", b'{"question": "hero pose?"}'),
    ("POST", "v1/chat/completions", b'{"model": "yoga-assistant", "messages": [{"role": "user", "content": "hero?"}]}'),
    ("POST", "login", b"username=yogi&password=s3cret-word"),
    ("OPTIONS", "api/ask", None),
    ("OPTIONS", "gradio_api/call/ask", None),
]


def check_foreign(url: str, **credentials: str) -> None:
    for method, path, data in ROUTES:
        kind = "application/x-www-form-urlencoded" if path == "login" else "application/json"
        extra = {"Access-Control-Request-Method": "POST"} if method == "OPTIONS" else {}
        status, headers, body = fetch(
            url + path, method=method, data=data, Origin=EVIL, Content_Type=kind, **extra, **credentials
        )
        assert not any(h.startswith("access-control-allow") for h in headers), (method, path, headers)
        if method != "GET":
            assert status == 403 and b"other sites" in body, (method, path, status)


def test_no_route_lets_another_site_read_or_change_anything(limited) -> None:  # type: ignore[no-untyped-def]
    url, tmp = limited
    check_foreign(url)
    assert not (tmp / "feedback.jsonl").exists()
    status, _, body = fetch(
        url + "api/ask", method="POST", data=b'{"question": "hero pose?"}', Origin=url.rstrip("/"), Content_Type=JSON
    )
    assert status == 200 and json.loads(body)["citations"]  # the chat's own page is served


def test_with_a_login_no_route_lets_another_site_read_or_change_anything(with_login) -> None:  # type: ignore[no-untyped-def]
    url, _ = with_login
    form = {"Content_Type": "application/x-www-form-urlencoded"}
    status, headers, _ = fetch(
        url + "login", method="POST", data=b"username=yogi&password=s3cret-word", Origin=url.rstrip("/"), **form
    )
    assert status == 200
    cookie = "; ".join(
        c.split(";", 1)[0] for c in headers.get("set-cookie", "").split(", ") if "=" in c.split(";", 1)[0]
    )
    assert fetch(url + "gradio_api/info", Cookie=cookie)[0] == 200  # logged in
    check_foreign(url, Cookie=cookie, Authorization=f"Bearer {KEY}")


def test_clients_that_leave_mid_answer_or_ask_for_websockets_are_a_line_or_two_not_tracebacks(limited) -> None:  # type: ignore[no-untyped-def]
    url, tmp = limited
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    log = tmp / "app.log"
    before = log.stat().st_size
    chat = json.dumps({"model": "yoga-assistant", "stream": True, "messages": [{"role": "user", "content": "hero?"}]})
    requests = [
        (  # a streamed answer, left after its first bytes
            f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(chat)}\r\n\r\n{chat}"
        ),
        f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    ]
    for _ in range(20):
        for request in requests:
            with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
                s.sendall(request.encode())
                s.recv(16)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset, not a clean close
    assert fetch(url + "api/health")[0] == 200
    grown = log.read_bytes()[before:].decode(errors="replace").splitlines()
    assert not any("Traceback" in line or line.startswith(" ") for line in grown), grown
    assert len(grown) <= 4, grown  # each kind once a minute at most
