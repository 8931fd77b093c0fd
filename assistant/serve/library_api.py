"""The article library over HTTP (library.py does the work):

- ``POST /api/articles`` (multipart: ``file``; optional ``title``, ``poses`` comma-separated,
  ``dry_run``): adds one saved page, PDF or text file as `add` does; 201 with what was kept,
  removed and found, or 422 with `add`'s reason.
- ``GET /api/articles``: the articles, with id, title, poses, source and size.
- ``DELETE /api/articles/{id}``: removes one article's file (nothing else); 404 if none.
- ``POST /api/build``: starts a build (202), 409 while one runs; ``GET /api/build``: its state,
  passages embedded of total, and a message; with ``?wait=S``, once the running build ends (or
  after S seconds, at most MAX_WAIT).

With ``ASSISTANT_API_KEY`` set these need it like every API route; a write from a page of another
site is refused by the guard whatever the setting.
"""

from __future__ import annotations

from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI, Form, Query, UploadFile
from fastapi.responses import JSONResponse

from assistant.config import Settings
from assistant.errors import InputError
from assistant.pipeline import Assistant
from assistant.serve import library
from assistant.serve.api import ApiError

#: the longest ``GET /api/build?wait=`` waits, in seconds
MAX_WAIT = 60
#: waits run on threads of their own, so waiting clients never hold the threads answers run on
WAITERS = 4


def add_library_api(app: FastAPI, assistant: Assistant, settings: Settings) -> None:
    """The library routes on ``app`` (the chat's Library tab is their client too)."""
    builds = library.Builds(settings, assistant)
    waiters = anyio.CapacityLimiter(WAITERS)

    @app.post("/api/articles", tags=["library"], summary="Add one article from a saved page, PDF or text file")
    async def add(
        file: UploadFile, title: str = Form(""), poses: str = Form(""), dry_run: bool = Form(False)
    ) -> JSONResponse:
        data = await file.read(library.MAX_UPLOAD_BYTES + 1)
        try:
            added = await anyio.to_thread.run_sync(
                lambda: library.add_upload(
                    settings, file.filename or "upload", data, title=title, poses=poses, dry_run=dry_run
                )
            )
        except InputError as error:
            raise ApiError(422, "not_added", str(error)) from None
        return JSONResponse(added, status_code=200 if dry_run else 201)

    @app.get("/api/articles", tags=["library"], summary="The articles in the corpus")
    async def listed() -> dict[str, Any]:
        return {"articles": await anyio.to_thread.run_sync(lambda: library.articles(settings))}

    @app.delete("/api/articles/{article_id:path}", tags=["library"], summary="Remove one article")
    async def delete(article_id: str) -> dict[str, Any]:
        try:
            await anyio.to_thread.run_sync(lambda: library.remove(settings, article_id))
        except KeyError:
            raise ApiError(
                404, "no_such_article", f"no article {article_id[:120]!r}; GET /api/articles lists them"
            ) from None
        return {"deleted": article_id, "message": "removed; POST /api/build to stop answering from it"}

    @app.post("/api/build", tags=["library"], summary="Rebuild the index from the articles", status_code=202)
    async def build() -> dict[str, Any]:
        if not builds.start():
            raise ApiError(409, "build_running", "a build is already running; GET /api/build says how far it is")
        return builds.now().json()

    @app.get("/api/build", tags=["library"], summary="How the latest build is going")
    async def build_state(
        wait: float = Query(0, ge=0, le=MAX_WAIT, description="seconds to wait for a running build to end"),
    ) -> dict[str, Any]:
        if not wait:
            return builds.now().json()
        return (await anyio.to_thread.run_sync(builds.wait, wait, limiter=waiters)).json()
