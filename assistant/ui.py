"""The Gradio chat: a thin adapter over :class:`~assistant.pipeline.Assistant`.

``build_app`` makes the page and ``launch``/``serve`` start it; ``respond`` is a plain
generator that tests call without a server. gradio is imported here and in app.py only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from . import render
from .config import Settings
from .errors import AssistantError, ConfigError
from .pipeline import Assistant

log = logging.getLogger("assistant.ui")

EXAMPLES = [
    "what if my feet hurt in Hero?",
    "how long do I hold pyramid pose?",
    "my hamstrings are tight, what stretch can I do?",
    "I can't sit down between my heels in virasana",
]
CSS = """
#sources .source {border-left: 3px solid var(--color-accent); padding: 4px 10px; margin-bottom: 12px;}
#sources mark {background: #fde68a; color: inherit; padding: 0 1px;}
#sources .source-pose, #sources .source-where {opacity: .75; font-size: .9em;}
#status {opacity: .6; font-size: .85em;}
a.cite {text-decoration: none; font-weight: 600;}
"""

History = list[dict[str, Any]]


def _user_turns(history: History) -> list[str]:
    turns = []
    for message in history:
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                turns.append(content)
            elif isinstance(content, list):  # gradio 6 may hand back [{"type": "text", "text": ...}]
                turns.extend(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return turns


def respond(assistant: Assistant, message: str, history: History | None) -> Iterator[tuple[History, str]]:
    """Answer ``message`` given the chat so far; yields the growing chat and the sources panel."""
    history = list(history or [])
    earlier = _user_turns(history)
    shown = " ".join(str(message or "").split())[:500] or "(empty)"
    history.append({"role": "user", "content": render.text(shown)})
    try:
        answer = assistant.ask(str(message or ""), earlier)
    except AssistantError as error:
        history.append({"role": "assistant", "content": render.text(str(error))})
        yield history, render.sources_html(None)
        return
    except Exception:  # a bug must not take the chat down; the log has the details
        log.exception("answering failed")
        history.append({"role": "assistant", "content": render.text("Sorry, something went wrong; please try again.")})
        yield history, render.sources_html(None)
        return
    labels = {p.id: p.label for p in assistant.index.lexicon.poses.values()}
    history.append({"role": "assistant", "content": render.answer_html(answer.text, answer.citations)})
    yield history, render.sources_html(answer, labels)


def _coverage(assistant: Assistant) -> str:
    index = assistant.index
    labels = {p.id: p.label for p in index.lexicon.poses.values()}
    return render.coverage_html(
        (a.title, [labels.get(p, p) for p in a.poses]) for a in sorted(index.articles.values(), key=lambda a: a.title)
    )


def _status(assistant: Assistant) -> str:
    index = assistant.index
    m = index.manifest
    return render.status_text(len(index.articles), len(index.chunks), m["model"]["name"], m["created_at"])


def build_app(assistant: Assistant) -> gr.Blocks:
    with gr.Blocks(title="Yoga pose assistant", analytics_enabled=False) as app:
        gr.Markdown(
            "## Yoga pose assistant\nAsk about a pose. Answers are sentences from the articles, each cited [n]."
        )
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(
                    elem_id="chat",
                    label="Chat",
                    height=460,
                    sanitize_html=True,
                    feedback_options=None,
                    buttons=["copy"],
                )
                question = gr.Textbox(
                    elem_id="question",
                    label="Your question",
                    max_lines=3,
                    placeholder="e.g. what if my feet hurt in Hero?",
                    submit_btn=True,
                )
                gr.Examples(EXAMPLES, inputs=question, label="Try")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(render.sources_html(None), elem_id="sources")
                with gr.Accordion("What these articles cover", open=False):
                    gr.HTML(_coverage(assistant), elem_id="coverage")
        gr.Markdown(_status(assistant), elem_id="status")

        def on_submit(message: str, history: History) -> Iterator[tuple[Any, History, str]]:
            for chat_value, panel in respond(assistant, message, history):
                yield "", chat_value, panel

        question.submit(on_submit, [question, chat], [question, chat, sources], api_name="ask", concurrency_limit=4)
    return app


def launch(app: gr.Blocks, settings: Settings, **kwargs: Any) -> Any:
    """Start the server on loopback (or elsewhere only with ASSISTANT_AUTH); never a share link."""
    auth = None
    if settings.auth:
        user, sep, password = settings.auth.partition(":")
        if not sep or not user or not password:
            raise ConfigError("ASSISTANT_AUTH must be 'user:password'")
        auth = (user, password)
    if settings.host not in {"127.0.0.1", "localhost", "::1"} and auth is None:
        raise ConfigError(
            f"refusing to listen on {settings.host} without authentication; set ASSISTANT_AUTH=user:password "
            "or use --host 127.0.0.1"
        )
    return app.queue(default_concurrency_limit=4, max_size=64).launch(
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        auth=auth,
        show_error=False,
        css=CSS,
        **kwargs,
    )


def serve(settings: Settings) -> None:
    """Build the index if it is missing or stale, then serve the chat until interrupted."""
    from .cli import run_build

    report = run_build(settings)
    if not report.up_to_date:
        print(f"index built: {report.articles} articles, {report.chunks} passages")
    assistant = Assistant(settings)
    assistant.ask("hero pose")  # load the model and index before the first visitor
    print(f"chat on http://{settings.host}:{settings.port}")
    launch(build_app(assistant), settings)
