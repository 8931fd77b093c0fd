"""The one web server: the chat and, beside it, the JSON API, on one address and port.

``make_app`` puts them in one ASGI app: the guard (guard.py) in front of everything, the API
routes, and the Gradio chat mounted at ``/``. ``serve`` runs it with uvicorn until interrupted.
The login rule is the chat's: beyond loopback the server does not start without one.
"""

from __future__ import annotations

from typing import Any

from .config import Settings, check_exposure
from .guard import Guard, allowed_hosts
from .pipeline import Assistant


def make_app(assistant: Assistant, settings: Settings) -> Any:
    from fastapi import FastAPI

    from . import ui

    auth = check_exposure(settings)
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.add_middleware(Guard, hosts=allowed_hosts(settings.host, login=auth is not None))
    return ui.mount(app, ui.build_app(assistant), auth)


def serve(assistant: Assistant, settings: Settings) -> None:
    import uvicorn

    app = make_app(assistant, settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False)
