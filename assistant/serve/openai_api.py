"""OpenAI's chat completions under ``/v1``: any OpenAI client or chat app can use the assistant
as a local model (wire.py has the shapes; api.py the errors, the key and the gate they share).

Streamed (``"stream": true``), the content goes out as it is settled: the articles' answer a
sentence at a time, or, with a language model configured, each sentence of its reply once the
next has begun and it has been verified (a citation kept only when it names a passage the model
was given), so the text a client has shown never has to be taken back. The final event carries
the citations. Should the model fail after its first verified sentences were sent, the rest says
so and gives the articles' own answer.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.pipeline import Assistant
from assistant.records import Answer, Draft
from assistant.serve import wire
from assistant.serve.api import ApiError, as_api_error, gated, within_limit
from assistant.serve.gate import Gate


class Message(BaseModel):
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    model: str = wire.MODEL
    messages: list[Message]
    stream: bool = False
    tools: list[Any] | None = None
    functions: list[Any] | None = None


def add_openai_api(app: FastAPI, assistant: Assistant, settings: Settings, gate: Gate) -> None:
    """``/v1/models`` and ``/v1/chat/completions`` on ``app`` (before the API's catch-all)."""

    @app.get("/v1/models", tags=["openai"], summary="The one model: yoga-assistant")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": wire.MODEL, "object": "model", "created": 0, "owned_by": "local"}]}

    @app.post(
        "/v1/chat/completions", tags=["openai"], summary="OpenAI-compatible chat completions", response_model=None
    )
    async def chat(body: ChatRequest) -> dict[str, Any] | StreamingResponse:
        question, history = conversation(body)
        question = within_limit(question, settings)
        completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if not body.stream:
            answer = await gated(gate, lambda: assistant.ask(question, history))
            return wire.completion(answer, completion_id, created)
        parts = Parts(lambda: assistant.stream(question, history), gate)
        first = await parts.next()  # a busy server or a bad question still gets its status code
        events = streamed(parts, first, completion_id, created)
        return StreamingResponse(events, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


class Parts:
    """The drafts and the answer of one question, made on a thread of their own once ``gate``
    admits them, read here as they come without holding a thread while waiting."""

    def __init__(self, make: Callable[[], Iterator[Draft | Answer]], gate: Gate) -> None:
        loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[Draft | Answer | BaseException | None] = asyncio.Queue()

        def put(item: Draft | Answer | BaseException | None) -> None:
            loop.call_soon_threadsafe(self._queue.put_nowait, item)

        def produce() -> None:
            try:
                with gate.admitted():
                    for part in make():
                        put(part)
            except Exception as error:  # a full gate, a question refused, a failure said in one line
                put(as_api_error(error))
            put(None)

        threading.Thread(target=produce, name="v1-stream", daemon=True).start()

    async def next(self) -> Draft | Answer | None:
        item = await self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item


async def streamed(parts: Parts, first: Draft | Answer | None, completion_id: str, created: int) -> AsyncIterator[str]:
    """Server-sent events: the role, the settled content piece by piece, the finish with citations."""

    def event(delta: dict[str, Any], **finish: Any) -> str:
        return f"data: {json.dumps(wire.chunk(completion_id, created, delta, **finish), ensure_ascii=False)}\n\n"

    yield event({"role": "assistant", "content": ""})
    sent, part = "", first
    try:
        while isinstance(part, Draft):
            if part.verified.startswith(sent) and len(part.verified) > len(sent):
                for piece in wire.pieces(part.verified[len(sent) :]):
                    yield event({"content": piece})
                sent = part.verified
            part = await parts.next()
    except (ApiError, AssistantError) as error:  # the answer failed after its first sentences went out
        said = error.message if isinstance(error, ApiError) else str(error)
        yield event({"content": f"\n\n({said})"}, citations=[], abstained=False)
        yield "data: [DONE]\n\n"
        return
    if part is None:
        return
    content = wire.content(part)
    rest = content[len(sent) :] if content.startswith(sent) else f"\n\n({part.notice})\n\n{content}"
    for piece in wire.pieces(rest):
        yield event({"content": piece})
    yield event({}, **wire.sources(part))
    yield "data: [DONE]\n\n"


def conversation(body: ChatRequest) -> tuple[str, list[str]]:
    """The last user message is the question; earlier user messages are the history."""
    if body.model != wire.MODEL:
        raise ApiError(404, "model_not_found", f"no model {body.model[:80]!r}; use '{wire.MODEL}'")
    if body.tools or body.functions:
        raise ApiError(400, "tools_not_supported", "this model answers from its articles; it calls no tools")
    users = []
    for message in body.messages:
        if isinstance(message.content, list):
            if any(part.get("type") != "text" for part in message.content):
                raise ApiError(400, "images_not_supported", "this model reads text only; send the question as text")
            text = " ".join(str(part.get("text", "")) for part in message.content)
        else:
            text = message.content or ""
        if message.role == "user":
            users.append(text)
    if not users:
        raise ApiError(400, "no_question", "send at least one message with role 'user'")
    return users[-1], users[:-1]
