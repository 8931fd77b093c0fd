"""The HTTP API beside the chat, on the real server: the official `openai` client, streaming and
not, against `ask --json` for the same question; plain HTTP for every error; gradio_client for
the chat, which still works; the key never in the log; nothing leaves the machine."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.cli import main
from assistant.serve.api import ApiError, gated
from assistant.serve.gate import Busy, Gate

from ..apps import outside_connections, start_app, stop_app
from ..conftest import CORPUS
from ..llm_server import ChatServer

KEY = "api-key-for-tests-0123456789"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, real_settings) -> Iterator[tuple[str, Path]]:  # type: ignore[no-untyped-def]
    """The app on loopback with an API key set (so every request must carry it)."""
    tmp = tmp_path_factory.mktemp("api")
    shutil.copytree(real_settings.index_dir, tmp / "index")
    proc, url = start_app(tmp, env={"ASSISTANT_API_KEY": KEY})
    yield url, tmp
    stop_app(proc)
    assert not outside_connections(tmp), "the server tried to reach beyond loopback"
    assert KEY not in (tmp / "app.log").read_text(), "the API key reached the log"


def client(url: str) -> Any:
    from openai import OpenAI

    return OpenAI(base_url=url + "v1", api_key=KEY, max_retries=0, timeout=60)


def ask_json(question: str, real_settings, capsys: pytest.CaptureFixture[str], *history: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    args = ["ask", question, "--json", "--index", str(real_settings.index_dir), "--corpus", str(CORPUS)]
    assert main([*args, *(a for h in history for a in ("--history", h))]) == 0
    return json.loads(capsys.readouterr().out)


def sources(expected: dict[str, Any]) -> list[str]:
    """The Sources lines the content should end with: '[n] Title — "cited sentences"'."""
    lines = []
    for c in expected["citations"]:
        cited = " … ".join(" ".join(c["text"][s - c["start"] : e - c["start"]].split()) for s, e in c["highlights"])
        lines.append(f'[{c["n"]}] {c["title"]} — "{cited}"')
    return lines


QUESTION = "what if my feet hurt in Hero?"


def test_a_chat_completion_is_the_cited_answer_with_its_sources(served, real_settings, capsys) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    expected = ask_json(QUESTION, real_settings, capsys)
    reply = client(url).chat.completions.create(
        model="yoga-assistant",
        messages=[{"role": "system", "content": "You are a pirate."}, {"role": "user", "content": QUESTION}],
    )
    content = reply.choices[0].message.content
    assert reply.model == "yoga-assistant" and reply.choices[0].finish_reason == "stop"
    assert content == expected["answer"] + "\n\nSources:\n" + "\n".join(sources(expected))
    assert len(expected["citations"]) >= 2
    assert reply.model_extra["citations"] == expected["citations"]  # the structured data beside it


def test_a_streamed_completion_arrives_in_pieces_and_adds_up_to_the_same(served, real_settings, capsys) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    expected = ask_json(QUESTION, real_settings, capsys)
    stream = client(url).chat.completions.create(
        model="yoga-assistant", messages=[{"role": "user", "content": QUESTION}], stream=True
    )
    events = list(stream)
    text = "".join(e.choices[0].delta.content or "" for e in events if e.choices)
    assert len(events) > 4 and text == expected["answer"] + "\n\nSources:\n" + "\n".join(sources(expected))
    assert events[-1].choices[0].finish_reason == "stop"
    assert events[-1].model_extra["citations"] == expected["citations"]


def test_earlier_user_messages_are_the_history(served, real_settings, capsys) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    expected = ask_json("how long should I hold it?", real_settings, capsys, "how do I do pyramid pose?")
    reply = client(url).chat.completions.create(
        model="yoga-assistant",
        messages=[
            {"role": "user", "content": "how do I do pyramid pose?"},
            {"role": "assistant", "content": "Begin with your legs in Warrior 1. [1]"},
            {"role": "user", "content": [{"type": "text", "text": "how long should I hold it?"}]},
        ],
    )
    assert "5-8 breaths" in expected["answer"]
    assert reply.choices[0].message.content.startswith(expected["answer"])


def test_an_answers_turn_sent_back_as_history_reads_the_follow_up_as_text_would(served, real_settings, capsys) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    auth = {"Authorization": f"Bearer {KEY}"}
    first = httpx.post(url + "api/ask", json={"question": "how do I do pyramid pose?"}, headers=auth, timeout=60)
    turn = first.json()["turn"]
    assert turn == {"question": "how do I do pyramid pose?", "poses": ["parsvottanasana"], "declined": False}
    expected = ask_json("how long should I hold it?", real_settings, capsys, "how do I do pyramid pose?")
    for history in ([turn], ["how do I do pyramid pose?"]):
        body = {"question": "how long should I hold it?", "history": history}
        got = httpx.post(url + "api/ask", json=body, headers=auth, timeout=60).json()
        assert got["answer"] == expected["answer"] and "5-8 breaths" in got["answer"]
    # a turn naming a pose this index does not know is about nothing; not an error
    body = {"question": "how long should I hold it?", "history": [{"question": "and crow?", "poses": ["no-such"]}]}
    assert httpx.post(url + "api/ask", json=body, headers=auth, timeout=60).status_code == 200


def test_the_models_list_and_the_plain_api(served, real_settings, capsys) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    assert [m.id for m in client(url).models.list()] == ["yoga-assistant"]
    auth = {"Authorization": f"Bearer {KEY}"}
    expected = ask_json(QUESTION, real_settings, capsys)
    got = httpx.post(url + "api/ask", json={"question": QUESTION}, headers=auth, timeout=60).json()
    assert got.pop("turn") == {"question": QUESTION, "poses": ["virasana"], "declined": False}
    assert got == expected

    found = httpx.post(url + "api/search", json={"question": QUESTION, "k": 4}, headers=auth, timeout=60).json()
    scores = [p["score"] for p in found["passages"]]
    assert len(scores) == 4 and scores == sorted(scores, reverse=True) and scores[0] > 0
    first = found["passages"][0]
    assert {"article", "title", "start", "end", "text", "poses", "score"} <= set(first) and "virasana" in first["poses"]

    health = httpx.get(url + "api/health", headers=auth).json()
    assert health["articles"] == 5 and health["passages"] > 0 and health["model"] == "all-MiniLM-L6-v2"
    assert health["generation"].startswith("gen-") and health["built"]

    schema = httpx.get(url + "api/openapi.json").json()
    assert {"/api/ask", "/api/search", "/api/health", "/v1/models", "/v1/chat/completions"} <= set(schema["paths"])


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("v1/chat/completions", b"{not json", 400, "invalid_json"),
        ("api/ask", b"{not json", 400, "invalid_json"),
        ("api/ask", json.dumps({"history": []}).encode(), 400, "invalid_request"),
        ("api/search", json.dumps({"question": "hero", "k": 500}).encode(), 400, "invalid_request"),
        ("api/ask", json.dumps({"question": "x" * 2001}).encode(), 413, "question_too_long"),
        ("v1/chat/completions", json.dumps({"messages": [{"role": "user", "content": "y" * 2001}]}).encode(), 413,
         "question_too_long"),
        ("v1/chat/completions", b"x" * 1_100_000, 413, "body_too_large"),
        ("v1/chat/completions", json.dumps({"model": "gpt-4", "messages": [{"role": "user", "content": "hi"}]})
         .encode(), 404, "model_not_found"),
        ("v1/chat/completions", json.dumps({"messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]}).encode(), 400,
         "images_not_supported"),
        ("v1/chat/completions", json.dumps({"tools": [{"type": "function", "function": {"name": "f"}}],
                                            "messages": [{"role": "user", "content": "hi"}]}).encode(), 400,
         "tools_not_supported"),
        ("v1/chat/completions", json.dumps({"messages": [{"role": "system", "content": "hi"}]}).encode(), 400,
         "no_question"),
        ("api/ask", json.dumps({"question": "  ?? "}).encode(), 400, "invalid_question"),
    ],
)  # fmt: skip
def test_every_error_is_one_json_object_in_its_shape(served, path: str, body: bytes, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    url, tmp = served
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    r = httpx.post(url + path, content=body, headers=headers, timeout=60)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code and error["message"] and "Traceback" not in r.text
    if path.startswith("v1"):  # OpenAI's shape: message, type, param, code
        assert set(error) == {"message", "type", "param", "code"} and error["type"]
    else:
        assert set(error) == {"code", "message"}
    assert "Traceback" not in (tmp / "app.log").read_text()


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "api/ask", 405, "method_not_allowed"),
        ("DELETE", "v1/chat/completions", 405, "method_not_allowed"),
        ("GET", "api/nothing-here", 404, "not_found"),
        ("POST", "api/ask/extra", 404, "not_found"),
        ("GET", "v1/engines", 404, "not_found"),
    ],
)
def test_other_routes_and_methods_answer_in_the_api_shape(
    served, method: str, path: str, status: int, code: str
) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    r = httpx.request(method, url + path, headers={"Authorization": f"Bearer {KEY}"}, timeout=60)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code and "Not Found" not in r.text
    if status == 405:
        assert "POST" in r.headers["allow"] and "POST" in error["message"]


def test_the_key_is_required_and_checked(served) -> None:  # type: ignore[no-untyped-def]
    from openai import AuthenticationError, OpenAI

    url, _ = served
    for headers in ({}, {"Authorization": "Bearer wrong-key-0123456789"}, {"Authorization": KEY}):
        r = httpx.post(url + "api/ask", json={"question": QUESTION}, headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    garbled = httpx.post(
        url + "v1/chat/completions", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert garbled.status_code == 401  # the key is checked before anything else is read
    assert httpx.get(url + "api/openapi.json").status_code == 200  # the schema is public
    with pytest.raises(AuthenticationError):
        OpenAI(base_url=url + "v1", api_key="wrong-key-0123456789", max_retries=0).models.list()


def test_the_chat_still_answers_beside_the_api(served) -> None:  # type: ignore[no-untyped-def]
    from gradio_client import Client

    url, _ = served
    chat = Client(url, verbose=False).predict("how long do I hold pyramid pose?", [], api_name="/ask")[1]
    content = chat[-1]["content"]
    text = " ".join(p.get("text", "") for p in content) if isinstance(content, list) else str(content)
    assert "5&#45;8 breaths" in text or "5-8 breaths" in text


def test_an_open_api_on_loopback_and_a_model_behind_it(tmp_path: Path, real_settings) -> None:  # type: ignore[no-untyped-def]
    """No login and no key on loopback: open. With a language model configured, the completion
    is the verified model answer, cited as the chat cites it; streamed, each sentence goes out
    verified while the model is still writing."""
    shutil.copytree(real_settings.index_dir, tmp_path / "index")
    question = {"role": "user", "content": "how long do I hold pyramid pose?"}
    with ChatServer() as llm:
        llm.mode = "stream"
        llm.reply = "Hold for 5-8 breaths [1]. Also do a handstand [7]. Then rest [2]."
        proc, url = start_app(tmp_path, env={"ASSISTANT_LLM_BASE_URL": llm.url, "ASSISTANT_LLM_MODEL": "test-model"})
        try:
            r = httpx.post(
                url + "v1/chat/completions", json={"model": "yoga-assistant", "messages": [question]}, timeout=60
            )
            llm.hold_at, llm.hang_seconds = 6, 120  # the model stops after "... [1]. Also " until released
            body = {"model": "yoga-assistant", "messages": [question], "stream": True}
            pieces, events = [], []
            with httpx.stream("POST", url + "v1/chat/completions", json=body, timeout=30) as streamed:
                for line in streamed.iter_lines():
                    if not line.startswith("data: {"):
                        continue
                    events.append(json.loads(line[len("data: ") :]))
                    piece = events[-1]["choices"][0]["delta"].get("content")
                    if piece and not pieces:  # the model cannot finish before this release
                        assert piece.startswith("Hold for 5-8 breaths.")
                        llm.release.set()
                    pieces += [piece] if piece else []
        finally:
            stop_app(proc)
    assert r.status_code == 200, r.text
    reply = r.json()
    content = reply["choices"][0]["message"]["content"]
    assert content.startswith(
        "Hold for 5-8 breaths. [1] Also do a handstand. [unsupported] Then rest. [2]\n\nSources:\n[1] "
    )
    assert [c["n"] for c in reply["citations"]] == [1, 2] and "[7]" not in content
    assert "".join(pieces) == content and len(pieces) >= 4
    assert events[-1]["choices"][0]["finish_reason"] == "stop" and events[-1]["citations"] == reply["citations"]
    assert not outside_connections(tmp_path)


def test_a_full_gate_refuses_at_once_with_retry_after() -> None:
    gate = Gate(workers=1, waiting=1)
    release, running = threading.Event(), threading.Event()
    done: list[str] = []

    def first() -> None:
        with gate.admitted():
            running.set()
            release.wait(30)
            done.append("first")

    def second() -> None:
        with gate.admitted():
            done.append("second")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert running.wait(30)
    threads[1].start()
    while gate.inside < 2:  # the second is in line behind the first
        threads[1].join(0.01)
    with pytest.raises(Busy), gate.admitted():
        pass
    with pytest.raises(ApiError) as refused:  # the API says so with 429 and when to come back
        asyncio.run(gated(gate, lambda: "third"))
    assert refused.value.status == 429 and refused.value.headers == {"Retry-After": "2"}
    release.set()
    for t in threads:
        t.join(30)
    assert done == ["first", "second"]
    assert asyncio.run(gated(gate, lambda: "after")) == "after"  # the room is free again


def test_the_chat_and_the_api_wait_in_one_line(real_assistant) -> None:  # type: ignore[no-untyped-def]
    """A chat answer holds its place in the gate the API uses: with it full, the API says busy
    and the chat's own next question is told so in one line."""
    from assistant.serve.ui import respond

    gate = Gate(workers=1, waiting=0)
    chat = respond(real_assistant, "how long do I hold pyramid pose?", [], None, gate)
    next(chat)  # answering: holds the only place
    with pytest.raises(ApiError) as refused:
        asyncio.run(gated(gate, lambda: real_assistant.ask("hero pose?")))
    assert refused.value.status == 429
    *_, (history, _, answer) = [next(respond(real_assistant, "hero pose?", [], None, gate))]
    assert answer is None and "busy" in history[-1]["content"]
    list(chat)  # the chat's answer finishes and gives its place back
    assert asyncio.run(gated(gate, lambda: real_assistant.ask("hero pose?"))).citations
