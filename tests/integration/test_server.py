"""The running app (``python app.py``): switching to a new build while serving, what it
exposes, and that nothing leaves the machine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..apps import ROOT, outside_connections, start_app, stop_app
from ..conftest import CORPUS

TREE = "Tree Pose Notes\n\nStand on one leg, foot to the inner thigh. Hold tree pose for ten slow breaths.\n"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, real_settings) -> Iterator[tuple[str, Path, Path]]:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("served")
    corpus = tmp / "corpus"
    shutil.copytree(CORPUS, corpus)
    shutil.copytree(real_settings.index_dir, tmp / "index")
    # a Hugging Face token and the hub allowed: what Gradio's run history would upload with
    env = {"HF_TOKEN": "hf_dummy_token_for_tests", "HF_HUB_OFFLINE": "0", "GRADIO_TEMP_DIR": str(tmp / "gradio-tmp")}
    proc, url = start_app(tmp, corpus=corpus, env=env)
    yield url, corpus, tmp
    stop_app(proc)
    assert not outside_connections(tmp), "the server tried to reach beyond loopback"


def ask(url: str, question: str) -> str:
    from gradio_client import Client

    chat = Client(url, verbose=False).predict(question, [], api_name="/ask")[1]
    content = chat[-1]["content"]
    return " ".join(part.get("text", "") for part in content) if isinstance(content, list) else str(content)


def get(url: str, *, method: str = "GET", data: bytes | None = None, **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_a_rebuild_while_serving_switches_without_failed_requests(served) -> None:  # type: ignore[no-untyped-def]
    url, corpus, tmp = served
    assert "ten slow breaths" not in ask(url, "how long should I hold tree pose?")
    failures: list[str] = []
    answered = [0, 0]
    progress = threading.Condition()
    stop = threading.Event()

    def keep_asking(n: int) -> None:
        while not stop.is_set():
            try:
                if "[1]" not in ask(url, "how long do I hold pyramid pose?"):
                    failures.append("answer without citation")
            except Exception as e:  # any failure of any request counts
                failures.append(repr(e))
            with progress:
                answered[n] += 1
                progress.notify_all()

    def each_answers_again() -> None:
        """Until both askers have had an answer after this moment."""
        with progress:
            seen = list(answered)
            progress.wait_for(lambda: all(a > s for a, s in zip(answered, seen, strict=True)) or bool(failures))

    threads = [threading.Thread(target=keep_asking, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    each_answers_again()  # requests are running while the build runs and the index switches
    before = json.loads(get(url + "api/health")[1])
    (corpus / "tree-notes.md").write_text(TREE)
    build = subprocess.run(
        [sys.executable, "-m", "assistant", "build", "--corpus", str(corpus), "--index", str(tmp / "index")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    health = json.loads(get(url + "api/health")[1])  # says the new build at once, not after the next question
    assert health["generation"] != before["generation"] and health["articles"] == before["articles"] + 1
    log = tmp / "app.log"
    for _ in range(1000):  # a bound in answers, not seconds: a broken reload fails here, not hangs
        if "switched to the index" in log.read_text() or "not switching" in log.read_text():
            break
        each_answers_again()  # the running requests make the app look for the new build
    assert "switched to the index" in log.read_text(), log.read_text()[-1000:]
    assert "ten slow breaths" in ask(url, "how long should I hold tree pose?")
    each_answers_again()  # and requests keep being answered after the switch
    stop.set()
    for t in threads:
        t.join()
    assert not failures


@pytest.mark.parametrize(
    "path",
    [
        "/file=../../../../etc/passwd",
        "/gradio_api/file=../../../../etc/passwd",
        "/gradio_api/file=/etc/passwd",
        "/gradio_api/file=%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/gradio_api/file=%252e%252e%252f%252e%252e%252fetc%252fpasswd",
        "/gradio_api/file=..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/gradio_api/file=/proc/self/environ",
        "/static/../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/assets/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/gradio_api/file=CORPUS",
        "/gradio_api/file=INDEX",
        "/gradio_api/file=https://example.com/x.png",  # fetched by the server, before
        "/gradio_api/file=http://10.1.2.3/x.png",  # a private address: a DNS-over-HTTPS lookup, before
        "/file=https://example.com/x.png",
        "/gradio_api/file=//example.com/x.png",
    ],
)
def test_no_file_route_serves_anything_outside_the_app(served, path: str) -> None:  # type: ignore[no-untyped-def]
    url, corpus, tmp = served
    path = path.replace("CORPUS", str(corpus / "hero-pose-step-by-step.md")).replace(
        "INDEX", str(tmp / "index" / "CURRENT")
    )
    status, body = get(url.rstrip("/") + path)
    assert status in {400, 403, 404, 405}, (path, status)
    assert b"root:" not in body and b"Kneel down" not in body and b"gen-" not in body


@pytest.mark.parametrize("size", [0, 1, 2048])
@pytest.mark.parametrize("route", ["gradio_api/upload", "upload"])
def test_uploads_are_refused_and_nothing_is_stored(served, size: int, route: str) -> None:  # type: ignore[no-untyped-def]
    url, _, tmp = served
    boundary = "xyzboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\n{'x' * size}\r\n--{boundary}--\r\n"
    ).encode()
    kind = f"multipart/form-data; boundary={boundary}"
    for origin in ({}, {"Origin": "https://evil.example"}):  # also from another site's page
        status, _ = get(url + route, method="POST", data=body, **{"Content-Type": kind, **origin})
        assert status in {403, 404, 405, 413}, status
    stored = [p for p in (tmp / "gradio-tmp").rglob("*") if p.is_file()] if (tmp / "gradio-tmp").exists() else []
    assert not stored


@pytest.mark.parametrize(
    "path", ["gradio_api/runs", "gradio_api/run-history/buckets", "gradio_api/runs/some-id", "gradio_api/mcp/sse"]
)
def test_run_history_and_other_unused_routes_are_gone(served, path: str) -> None:  # type: ignore[no-untyped-def]
    url, *_ = served
    assert get(url + path)[0] == 404
    assert get(url + path, method="POST", data=b"{}", **{"Content-Type": "application/json"})[0] == 404


def test_only_loopback_host_names_are_answered(served) -> None:  # type: ignore[no-untyped-def]
    """A DNS-rebinding page reaches 127.0.0.1 under its own name; the server does not answer it."""
    url, *_ = served
    port = url.rstrip("/").rsplit(":", 1)[1]
    for host in (f"evil.example:{port}", "evil.example", f"192.168.1.5:{port}", ""):
        status, body = get(url + "gradio_api/info", Host=host)
        assert status == 421 and b"named_endpoints" not in body, host
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost"):
        assert get(url + "gradio_api/info", Host=host)[0] == 200, host


def test_a_request_body_over_the_cap_is_refused(served) -> None:  # type: ignore[no-untyped-def]
    url, *_ = served
    big = b'{"data": ["' + b"x" * 2_000_000 + b'"]}'
    status, body = get(url + "gradio_api/queue/join", method="POST", data=big, **{"Content-Type": "application/json"})
    assert status == 413 and b"over 1,000,000 bytes" in body


def test_only_the_chat_is_an_api(served) -> None:  # type: ignore[no-untyped-def]
    import json

    url, *_ = served
    status, body = get(url + "gradio_api/info")
    info = json.loads(body)
    assert status == 200 and list(info["named_endpoints"]) == ["/ask"] and not info.get("unnamed_endpoints")


def test_a_long_question_is_refused_by_the_server(served) -> None:  # type: ignore[no-untyped-def]
    url, *_ = served
    assert "under 2&#44;000" in ask(url, "x" * 20_000)


def test_listening_beyond_loopback_needs_a_login(tmp_path: Path, real_settings) -> None:  # type: ignore[no-untyped-def]
    for env, missing in [({}, "ASSISTANT_AUTH"), ({"ASSISTANT_AUTH": "yogi:s3cret-word"}, "ASSISTANT_API_KEY")]:
        refused = subprocess.run(
            [sys.executable, str(ROOT / "app.py"), "--host", "0.0.0.0", "--port", "7999"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
            env={"PATH": "/usr/bin:/bin", **env},
        )
        assert refused.returncode == 1 and missing in refused.stderr and "Traceback" not in refused.stderr

    shutil.copytree(real_settings.index_dir, tmp_path / "index")
    key = "test-key-0123456789abcdef"
    proc, url = start_app(
        tmp_path, host="0.0.0.0", env={"ASSISTANT_AUTH": "yogi:s3cret-word", "ASSISTANT_API_KEY": key}
    )
    try:
        status, _ = get(url + "gradio_api/info")
        assert status == 401
        from gradio_client import Client

        with pytest.raises(Exception):  # noqa: B017 - any refusal will do
            Client(url, verbose=False).predict("hero?", [], api_name="/ask")
        chat = Client(url, auth=("yogi", "s3cret-word"), verbose=False).predict("hero pose?", [], api_name="/ask")[1]
        assert chat[-1]["role"] == "assistant"
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        guesses = [
            get(url + "login", method="POST", data=f"username=yogi&password=guess{n}".encode(), **form)
            for n in range(50)
        ]
        statuses = [status for status, _ in guesses]
        assert statuses[:5] == [400] * 5 and statuses.count(400) <= 8  # then each further guess waits longer
        assert statuses.count(429) >= 42 and b"too many wrong passwords" in guesses[-1][1]
        assert get(url + "api/health")[0] == 401
        assert get(url + "api/health", Authorization="Bearer wrong-key-0123456789")[0] == 401
        assert get(url + "api/health", Authorization=f"Bearer {key}")[0] == 200
    finally:
        stop_app(proc)
    assert key not in (tmp_path / "app.log").read_text()


def test_index_files_replaced_under_the_running_chat_do_not_disturb_it(tmp_path: Path, real_settings) -> None:  # type: ignore[no-untyped-def]
    """The chat maps the files of its generation; one replaced or deleted underneath it (as a
    sync tool or a person might) stays readable to it until it lets go: it keeps answering the
    same, and says once what happened."""
    shutil.copytree(real_settings.index_dir, tmp_path / "index")
    proc, url = start_app(tmp_path)
    try:
        before = ask(url, "how long do I hold pyramid pose?")
        live = tmp_path / "index" / (tmp_path / "index" / "CURRENT").read_text().strip()
        (tmp_path / "junk").write_bytes(b"overwritten")
        os.replace(tmp_path / "junk", live / "vectors.npy")
        (live / "sentence-vectors.npy").unlink()
        (live / "passages" / "text.bin").rename(live / "passages" / "moved.bin")
        log = tmp_path / "app.log"
        for n in range(1000):  # a bound in answers: the chat looks at its files at most once a second
            assert ask(url, "how long do I hold pyramid pose?" if n % 2 else "what if my feet hurt in Hero?")
            if "changed under the running chat" in log.read_text():
                break
        assert ask(url, "how long do I hold pyramid pose?") == before and proc.poll() is None
        assert log.read_text().count("changed under the running chat") == 1
    finally:
        stop_app(proc)


def test_malformed_chats_sent_to_the_api_are_one_line_in_the_log(served) -> None:  # type: ignore[no-untyped-def]
    import json

    url, _, tmp = served
    log = tmp / "app.log"
    before = log.read_text()
    malformed = ["garbage", [["x"]], [{"role": "user"}], [{"content": 5}], {"a": 1}, [1, 2, 3]]
    for history in malformed:
        status, body = get(
            url + "gradio_api/call/ask",
            method="POST",
            data=json.dumps({"data": ["hero pose?", history]}).encode(),
            **{"Content-Type": "application/json"},
        )
        assert status == 200
        status, events = get(url + f"gradio_api/call/ask/{json.loads(body)['event_id']}")
        assert b"event: error" in events
    grown = log.read_text()[len(before) :]
    assert "Traceback" not in grown and grown.count("request failed: ValidationError") == 1  # the rest counted
    assert len(grown) < 200
