"""The one web server: the chat and, beside it, the HTTP API, on one address and port.

``make_app`` puts them in one ASGI app: the guard (guard.py) in front of everything, the API
routes (api.py), and the Gradio chat mounted at ``/``. ``serve`` runs it with uvicorn until
interrupted. Beyond loopback the server does not start without a login and an API key.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from .config import Settings, check_exposure
from .guard import Guard, allowed_hosts
from .pipeline import Assistant

try:
    __version__ = version("yoga-assistant")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0"


def make_app(assistant: Assistant, settings: Settings) -> Any:
    from fastapi import FastAPI

    from . import ui
    from .api import add_api

    auth = check_exposure(settings)
    app = FastAPI(
        title="Yoga pose assistant",
        summary="Cited answers from yoga pose articles; an OpenAI-compatible model under /v1.",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    add_api(app, assistant, settings)  # before the chat: the chat's mount at / takes every other path
    app.add_middleware(Guard, hosts=allowed_hosts(settings.host, login=auth is not None))  # outermost
    return ui.mount(app, ui.build_app(assistant), auth)


def serve(assistant: Assistant, settings: Settings) -> None:
    import uvicorn

    app = make_app(assistant, settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False)
