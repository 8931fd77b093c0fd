"""The optional LLM answers, against a real chat-completions server on loopback."""

from __future__ import annotations

import logging
import socket
from dataclasses import replace

import pytest

from assistant.answer import llm
from assistant.errors import LLMError
from assistant.pipeline import Assistant
from assistant.records import Answer, Draft

from ..llm_server import ChatServer


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    with ChatServer() as s:
        yield s


def llm_assistant(real_assistant: Assistant, url: str, timeout: float = 2.0, key: str = "") -> Assistant:
    settings = replace(
        real_assistant.settings, llm_base_url=url, llm_model="test-model", llm_timeout=timeout, llm_api_key=key
    )
    return Assistant(settings, index=real_assistant.index, embedder=real_assistant.embedder)


@pytest.mark.parametrize("mode", ["stream", "json"])
def test_model_answer_is_streamed_and_verified(real_assistant: Assistant, server: ChatServer, mode: str) -> None:
    server.mode = mode
    server.reply = "Hold for 5-8 breaths [1]. Use blocks by the front ankle [2]. Also do a handstand [7]."
    parts = list(llm_assistant(real_assistant, server.url).stream("how long do I hold pyramid pose?"))
    answer = parts[-1]
    assert isinstance(answer, Answer) and answer.meta.get("mode") == "llm"
    if mode == "stream":
        assert sum(isinstance(p, Draft) for p in parts) > 3  # arrived piece by piece
    assert (
        answer.text == "Hold for 5-8 breaths. [1] Use blocks by the front ankle. [2] Also do a handstand. [unsupported]"
    )
    assert [c.n for c in answer.citations] == [1, 2] and "cite no passage" in answer.notice
    assert server.requests[-1]["model"] == "test-model" and server.requests[-1]["stream"] is True
    prompt = server.requests[-1]["messages"][1]["content"]
    for c in answer.citations:
        assert f'title="{c.title}"' in prompt and c.text in prompt  # a citation names a supplied passage


@pytest.mark.parametrize("mode", ["500", "429", "hang", "hang-mid", "malformed", "broken", "refused"])
def test_every_endpoint_failure_falls_back_to_the_extractive_answer(
    real_assistant: Assistant, server: ChatServer, mode: str
) -> None:
    server.mode = mode
    server.reply = "one two three four five six [1]."
    url = server.url
    if mode == "refused":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{s.getsockname()[1]}/v1"  # nothing listens here once closed
    server.hang_seconds = 60.0
    server.settle()
    try:
        answer = llm_assistant(real_assistant, url, timeout=1.5).ask("how long do I hold pyramid pose?")
        if mode.startswith("hang"):
            assert server.hanging == 1  # the server still hangs: the client gave up on its own timeout
    finally:
        server.settle()
    expected = real_assistant.ask("how long do I hold pyramid pose?")
    assert answer.text == expected.text and answer.citations == expected.citations
    assert "showing the articles' own sentences" in answer.notice


def test_the_api_key_is_sent_but_never_logged(real_assistant: Assistant, server: ChatServer, caplog) -> None:  # type: ignore[no-untyped-def]
    key = "sk-test-secret-4242"
    server.mode = "stream"
    server.reply = "Hold for 5-8 breaths [1]."
    with caplog.at_level(logging.DEBUG):
        a = llm_assistant(real_assistant, server.url, key=key)
        a.ask("how long do I hold pyramid pose?")
        server.mode = "500"
        a.ask("how long do I hold pyramid pose?")
    assert server.headers_seen[-1].get("Authorization") == f"Bearer {key}"
    assert key not in caplog.text and key not in repr(a.llm)
    with pytest.raises(LLMError) as error:
        list(llm.ChatClient(server.url, "m", key, 1.0).stream([]))
    assert key not in str(error.value)
