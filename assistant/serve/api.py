"""The HTTP API beside the chat: plain JSON under ``/api``, OpenAI's chat completions under ``/v1``.

- ``POST /api/ask`` answers as ``ask --json`` prints; ``POST /api/search`` gives the ranked
  passages with their fused scores; ``GET /api/health`` says which index is served. The schema
  is at ``/api/openapi.json``.
- ``GET /v1/models`` and ``POST /v1/chat/completions`` (streamed or not) let any OpenAI client
  or chat app use the assistant as a local model: the content is the answer with a Sources
  list, and the citations come as data beside it (wire.py has the shapes).

Open on loopback when no login or key is configured; otherwise every request needs
``Authorization: Bearer <ASSISTANT_API_KEY>`` (compared in constant time, never logged). Work
runs on a few threads behind a ``Gate``: when it and its waiting room are full, the answer is
429 with Retry-After instead of a hang. Every error is one JSON object, never a traceback.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from assistant.config import Settings, api_key_rule
from assistant.errors import AssistantError, QuestionError
from assistant.pipeline import Assistant
from assistant.records import Answer, Turn
from assistant.serve import wire
from assistant.serve.gate import Busy, Gate

log = logging.getLogger("assistant.serve.api")
T = TypeVar("T")

#: what a refused (busy) client is told to wait, in seconds
RETRY_AFTER = 2
MAX_K = 50


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


async def gated(gate: Gate, job: Callable[[], T]) -> T:
    """``job`` run in a worker thread once ``gate`` admits it; 429 with Retry-After when it is full."""

    def run() -> T:
        try:
            with gate.admitted():
                return job()
        except Exception as error:
            raise as_api_error(error) from None

    return await anyio.to_thread.run_sync(run)


def as_api_error(error: Exception) -> Exception:
    """``error`` as the API answers it: its own errors as they are, a full gate as 429 with
    Retry-After, anything else logged in one line and answered as a 500."""
    if isinstance(error, Busy):
        return ApiError(429, "busy", "the server is busy; try again shortly", {"Retry-After": str(RETRY_AFTER)})
    if isinstance(error, (ApiError, AssistantError)):
        return error
    first = str(error).splitlines()[0][:200] if str(error) else ""
    log.warning("api request failed: %s%s", type(error).__name__, f": {first}" if first else "")
    return ApiError(500, "server_error", "the request failed on the server; see its log")


def within_limit(question: str, settings: Settings) -> str:
    """``question``, or 413 when it is over the settings' length."""
    if len(question) > settings.max_question_chars:
        raise ApiError(
            413, "question_too_long", f"the question is over {settings.max_question_chars:,} characters; shorten it"
        )
    return question


# -- requests -------------------------------------------------------------------------------------
class TurnRecord(BaseModel):
    """An earlier turn as ``/api/ask`` returned it (its ``turn``): sent back as it came, it
    costs nothing to read; a bare question is answered again to learn what it was about."""

    question: str
    poses: list[str] = Field(default=[], max_length=16)
    declined: bool = False

    def turn(self) -> Turn:
        return Turn(self.question, tuple(self.poses), self.declined)


class AskRequest(BaseModel):
    question: str = Field(description="the question")
    history: list[str | TurnRecord] = Field(
        default=[],
        description="the chat so far, oldest first: each earlier answer's `turn` as it came, or its question as text",
    )

    def turns(self) -> list[str | Turn]:
        return [t if isinstance(t, str) else t.turn() for t in self.history]


class SearchRequest(AskRequest):
    k: int = Field(default=5, ge=1, le=MAX_K, description="how many passages")


# -- the app --------------------------------------------------------------------------------------
def add_api(app: FastAPI, assistant: Assistant, settings: Settings, gate: Gate) -> None:
    """The API routes and their error handling, on ``app`` (before the chat is mounted at /).
    ``gate``: the admission gate the chat shares."""
    app.add_middleware(RequireKey, key=api_key_rule(settings))

    def question_of(text: str) -> str:
        return within_limit(text, settings)

    @app.post("/api/ask", tags=["api"], summary="Answer a question, with citations (as `ask --json`)")
    async def ask(body: AskRequest) -> dict[str, Any]:
        question = question_of(body.question)
        loaded = assistant.loaded()  # the answer and its turn read with one index

        def answer() -> tuple[Answer, Turn]:
            reply = assistant.ask(question, body.turns(), loaded=loaded)
            return reply, assistant.turn(reply, loaded)

        reply, turn = await gated(gate, answer)
        return {**wire.answer_json(reply), "turn": wire.turn_json(turn)}

    @app.post("/api/search", tags=["api"], summary="The ranked passages for a question, with their fused scores")
    async def search(body: SearchRequest) -> dict[str, Any]:
        question = question_of(body.question)
        loaded = assistant.loaded()  # one index for the search and the titles, even if a build lands meanwhile
        retrieval = await gated(gate, lambda: assistant.retrieve(question, body.turns(), k=body.k, loaded=loaded))
        index = loaded.index
        return {
            "question": retrieval.query.question,
            "abstain": retrieval.abstain or None,
            "passages": [wire.hit_json(n, h, index.title(h.chunk.article)) for n, h in enumerate(retrieval.hits, 1)],
        }

    @app.get("/api/health", tags=["api"], summary="Which index is served")
    async def health() -> dict[str, Any]:
        index = (await anyio.to_thread.run_sync(assistant.current)).index
        return {
            "status": "ok",
            "articles": len(index.articles),
            "passages": len(index.chunks),
            "model": index.manifest.model.name,
            "built": index.manifest.created_at,
            "generation": index.generation.name,
        }

    _unknown_routes(app)
    _handle_errors(app)


def _unknown_routes(app: FastAPI) -> None:
    """Every other path under /api and /v1 answers in the API's error shape (404, or 405 with
    ``Allow`` for a known path asked with another method), instead of falling through to the chat."""
    allowed: dict[str, set[str]] = {}
    for route in app.routes:
        path, methods = getattr(route, "path", ""), getattr(route, "methods", None) or set()
        if path.startswith(("/api/", "/v1/")):
            allowed.setdefault(path, set()).update(methods)

    async def unknown(request: Request) -> Any:
        path = request.url.path
        if path in allowed:
            methods = ", ".join(sorted(allowed[path]))
            raise ApiError(405, "method_not_allowed", f"{path} takes {methods}", {"Allow": methods})
        raise ApiError(404, "not_found", f"no route {path}; the routes are listed at /api/openapi.json")

    every = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    for prefix in ("/api", "/v1"):
        app.add_api_route(f"{prefix}/{{rest:path}}", unknown, methods=every, include_in_schema=False)


class RequireKey:
    """ASGI middleware: every request to /api and /v1 (but the schema) carries the key, checked
    before anything else is read. ``key`` None: open; "": shut (a login but no key is set)."""

    def __init__(self, app: Any, *, key: str | None) -> None:
        self.app = app
        self.key = key

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if (
            self.key is None
            or scope["type"] != "http"
            or not path.startswith(("/api/", "/v1/"))
            or path == "/api/openapi.json"
        ):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers", []))
        scheme, _, given = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if not self.key:
            status, code, message = 401, "no_api_key", "this server's API needs ASSISTANT_API_KEY set where it runs"
        elif scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.key.encode()):
            return await self.app(scope, receive, send)
        else:
            status, code, message = 401, "invalid_api_key", "send 'Authorization: Bearer <ASSISTANT_API_KEY>'"
        response = JSONResponse(wire.error_body(path, status, code, message), status, {"WWW-Authenticate": "Bearer"})
        await response(scope, receive, send)


def _handle_errors(app: FastAPI) -> None:
    def reply(request: Request, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Any:
        return JSONResponse(wire.error_body(request.url.path, status, code, message), status, headers=headers)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> Any:
        return reply(request, error.status, error.code, error.message, error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Any:
        problems = error.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return reply(request, 400, "invalid_json", "the body is not valid JSON")
        first = problems[0] if problems else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
        return reply(request, 400, "invalid_request", f"{where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(QuestionError)
    async def bad_question(request: Request, error: QuestionError) -> Any:
        return reply(request, 400, "invalid_question", str(error))

    @app.exception_handler(AssistantError)
    async def unavailable(request: Request, error: AssistantError) -> Any:
        return reply(request, 503, "unavailable", str(error))

    @app.exception_handler(HTTPException)
    async def http(request: Request, error: HTTPException) -> Any:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return reply(request, error.status_code, code, str(error.detail))
