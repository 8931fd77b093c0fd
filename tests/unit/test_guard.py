"""The server's guard, without a server: host names, routes, and wrong-password throttling."""

from __future__ import annotations

import pytest

from assistant.serve.guard import LOOPBACK_HOSTS, Guard, Throttle, allowed_hosts, host_name, refused_route, same_origin


def test_host_names_are_read_without_their_port() -> None:
    assert host_name("localhost:7860") == "localhost" and host_name("[::1]:7860") == "::1"
    assert host_name("127.0.0.1") == "127.0.0.1" and host_name("EVIL.example:80") == "evil.example"


def test_only_loopback_names_unless_a_login_guards_another_address() -> None:
    assert allowed_hosts("127.0.0.1", login=False) == LOOPBACK_HOSTS
    assert allowed_hosts("192.168.1.5", login=False) == LOOPBACK_HOSTS  # refused earlier: no login
    assert allowed_hosts("192.168.1.5", login=True) == LOOPBACK_HOSTS | {"192.168.1.5"}
    assert allowed_hosts("0.0.0.0", login=True) is None  # every address: the login is the guard


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ("/gradio_api/file=https://example.com/x", True),
        ("/file=/etc/passwd", True),
        ("/gradio_api/upload", True),
        ("/gradio_api/runs", True),
        ("/gradio_api/run-history/buckets", True),
        ("/gradio_api/queue/join", False),
        ("/gradio_api/info", False),
        ("/", False),
    ],
)
def test_routes_the_chat_does_not_use_are_refused(path: str, refused: bool) -> None:
    assert refused_route(path) is refused


def test_wrong_passwords_wait_twice_as_long_each_time_and_a_right_one_clears_it() -> None:
    now = [1000.0]
    throttle = Throttle(clock=lambda: now[0])
    for _ in range(Throttle.FREE_FAILURES - 1):
        throttle.record("1.2.3.4", ok=False)
        assert throttle.wait("1.2.3.4") == 0
    waits = []
    for _ in range(4):
        throttle.record("1.2.3.4", ok=False)
        waits.append(throttle.wait("1.2.3.4"))
        now[0] += waits[-1]  # the client waits as told, and fails again
    assert waits == [1.0, 2.0, 4.0, 8.0]
    assert throttle.wait("5.6.7.8") == 0  # per client
    for _ in range(30):
        throttle.record("1.2.3.4", ok=False)
    assert throttle.wait("1.2.3.4") == Throttle.MAX_WAIT
    throttle.record("1.2.3.4", ok=True)
    assert throttle.wait("1.2.3.4") == 0


@pytest.mark.parametrize(
    ("origin", "host", "same"),
    [
        ("http://127.0.0.1:7860", "127.0.0.1:7860", True),
        ("http://localhost:7860", "127.0.0.1:7860", True),  # both loopback: this machine, this port
        ("http://[::1]:7860", "[::1]:7860", True),
        ("https://yoga.studio", "yoga.studio", True),  # default ports
        ("https://evil.example", "127.0.0.1:7860", False),
        ("http://127.0.0.1:8000", "127.0.0.1:7860", False),  # another app on this machine
        ("http://yoga.studio", "yoga.studio:443", False),
        ("null", "127.0.0.1:7860", False),  # a sandboxed frame or a local file
        ("file://", "127.0.0.1:7860", False),
        ("http://[bad", "127.0.0.1:7860", False),
    ],
)
def test_an_origin_is_the_servers_own_only_with_the_same_host_and_port(origin: str, host: str, same: bool) -> None:
    assert same_origin(origin, host) is same


class Recorded:
    """An app behind the guard: records the requests that reach it, answers with CORS headers."""

    def __init__(self) -> None:
        self.reached: list[str] = []

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        self.reached.append(f"{scope['method']} {scope['path']}")
        headers = [
            (b"access-control-allow-origin", b"https://evil.example"),
            (b"access-control-allow-credentials", b"true"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": [*headers, (b"x-kept", b"1")]})
        await send({"type": "http.response.body", "body": b"{}"})


def through_guard(method: str, path: str, **headers: str) -> tuple[int, dict[str, str], list[str]]:
    import asyncio

    app = Recorded()
    guard = Guard(app, hosts=LOOPBACK_HOSTS)
    sent: list[dict] = []  # type: ignore[type-arg]
    raw = [(b"host", b"127.0.0.1:7860"), *((k.replace("_", "-").encode(), v.encode()) for k, v in headers.items())]
    scope = {"type": "http", "method": method, "path": path, "headers": raw, "client": ("127.0.0.1", 5)}

    async def receive() -> dict:  # type: ignore[type-arg]
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: dict) -> None:  # type: ignore[type-arg]
        sent.append(message)

    asyncio.run(guard(scope, receive, send))
    start = sent[0]
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, app.reached


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize(
    "path", ["/login", "/gradio_api/call/ask", "/gradio_api/queue/join", "/api/ask", "/v1/chat/completions"]
)
def test_a_write_from_another_site_is_refused_before_it_reaches_anything(method: str, path: str) -> None:
    for headers in ({"origin": "https://evil.example"}, {"origin": "null"}, {"sec_fetch_site": "cross-site"}):
        status, sent, reached = through_guard(method, path, **headers)
        assert (status, reached) == (403, [])
        assert not any(k.startswith("access-control-") for k in sent)


def test_a_read_from_another_site_gets_no_cors_headers_and_its_own_site_or_a_script_is_untouched() -> None:
    status, sent, reached = through_guard("GET", "/gradio_api/info", origin="https://evil.example", cookie="s=1")
    assert status == 200 and reached == ["GET /gradio_api/info"] and sent["x-kept"] == "1"
    assert not any(k.startswith("access-control-") for k in sent)  # the browser keeps the answer from the page
    for headers in ({"origin": "http://127.0.0.1:7860"}, {"sec_fetch_site": "same-origin"}, {}):
        status, sent, reached = through_guard("POST", "/api/ask", **headers)
        assert status == 200 and reached == ["POST /api/ask"]
