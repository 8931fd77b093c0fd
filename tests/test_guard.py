"""The server's guard, without a server: host names, routes, and wrong-password throttling."""

from __future__ import annotations

import pytest

from assistant.guard import LOOPBACK_HOSTS, Throttle, allowed_hosts, host_name, refused_route


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
