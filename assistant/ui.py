"""The Gradio chat: a thin adapter over :class:`~assistant.pipeline.Assistant`.

``build_app`` makes the page from a ready ``Assistant`` and ``mount`` puts it on the server
(server.py does the wiring); ``respond`` is a plain generator that tests call without a server.
gradio is imported here only.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from . import feedback, render
from .errors import AssistantError
from .pipeline import MAX_HISTORY, Assistant, Draft
from .records import Answer, Turn

log = logging.getLogger("assistant.ui")

EXAMPLES = [
    "what if my feet hurt in Hero?",
    "how long do I hold pyramid pose?",
    "my hamstrings are tight, what stretch can I do?",
    "I can't sit down between my heels in virasana",
]
SUGGESTION_SLOTS = 3
#: answers computed at once (2 cores), and requests allowed to wait; beyond that the queue
#: refuses at once ("busy, try again") instead of letting requests hang
CONCURRENCY = 4
QUEUE_SIZE = 64
#: chats whose state (turns, votes) is kept; the oldest is dropped beyond that (a chat on one
#: machine has a handful; a client opening a session per question fills this and no more)
SESSIONS = 100
#: the latest answers of a chat that can be voted on
VOTABLE = 50
#: a question is echoed in the chat up to this many characters (a long paste is answered whole)
SHOWN_QUESTION_CHARS = 500
CSS = """
#sources .source {border-left: 3px solid var(--color-accent); padding: 4px 10px; margin-bottom: 12px;}
#sources mark {background: #fde68a; color: #1f2937; padding: 0 1px;}
#sources .source-pose, #sources .source-where {opacity: .75; font-size: .9em;}
#sources .source:target {background: var(--color-accent-soft);}
#status {opacity: .6; font-size: .85em;}
a.cite {text-decoration: none; font-weight: 600;}
.unsupported, .cite-unverified {color: #b45309;}
.notice {opacity: .75; font-size: .9em;}
"""

History = list[dict[str, Any]]


def _asked(history: History) -> list[str]:
    """The questions the chat shows, as text."""
    turns = []
    for message in history:
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                turns.append(render.plain(content))
            elif isinstance(content, list):  # gradio may hand back [{"type": "text", "text": ...}]
                turns.extend(render.plain(str(part.get("text", ""))) for part in content if isinstance(part, dict))
    return turns


def earlier_turns(history: History, turns: Sequence[Turn] | None) -> list[str | Turn]:
    """The chat's earlier turns: the ones kept from its answers, as many as the chat shows
    questions (a cleared chat keeps none). Questions the chat shows without a kept turn (a
    client that sends its own history) are passed as text, for the assistant to work out."""
    asked = _asked(history)
    kept: list[str | Turn] = []
    if asked:
        kept.extend(list(turns or ())[-len(asked) :])
    return [*asked[: len(asked) - len(kept)], *kept]


def respond(
    assistant: Assistant, message: str, history: History | None, turns: Sequence[Turn] | None = None
) -> Iterator[tuple[History, str, Answer | None]]:
    """Answer ``message`` given the chat so far (``turns``: what the chat kept of its answers,
    see :func:`earlier_turns`); yields the growing chat, the sources panel and, last, the
    finished answer (None while streaming or when the question could not be used)."""
    history = list(history or [])
    earlier = earlier_turns(history, turns)
    shown = " ".join(str(message or "").split())[:SHOWN_QUESTION_CHARS] or "(empty)"
    history = [*history, {"role": "user", "content": render.text(shown)}]
    reply = {"role": "assistant", "content": ""}
    turn = len(history)  # the reply's place in the chat: keeps each answer's links to its own sources
    try:
        for part in assistant.stream(str(message or ""), earlier):
            if isinstance(part, Draft):
                reply["content"] = render.draft_html(part.text)
                yield [*history, reply], render.sources_html(None, waiting=True), None
                continue
            answer = part  # a finished answer is shown whole, with its sources, at once
            labels = {p.id: p.label for p in assistant.index.lexicon.poses.values()}
            reply["content"] = render.answer_html(answer.text, answer.citations, notice=answer.notice, turn=turn)
            yield [*history, reply], render.sources_html(answer, labels, turn=turn), answer
    except AssistantError as error:
        message = str(error)
        reply["content"] = render.text(message[:1].upper() + message[1:] + ".")
        yield [*history, reply], render.sources_html(None), None
    except Exception:  # a bug must not take the chat down; the log has the details
        log.exception("answering failed")
        reply["content"] = render.text("Sorry, something went wrong; please try again.")
        yield [*history, reply], render.sources_html(None), None


def _coverage(assistant: Assistant) -> str:
    index = assistant.index
    labels = {p.id: p.label for p in index.lexicon.poses.values()}
    return render.coverage_html(
        (a.title, [labels.get(p, p) for p in a.poses]) for a in sorted(index.articles.values(), key=lambda a: a.title)
    )


def _status(assistant: Assistant) -> str:
    index = assistant.index
    m = index.manifest
    mode = f" · answers by {assistant.settings.llm_model}" if assistant.llm else ""
    return render.status_text(len(index.articles), len(index.chunks), m.model.name, m.created_at) + mode


def _citations_json(answer: Answer) -> list[dict[str, Any]]:
    return [{"n": c.n, "article": c.article, "start": c.start, "end": c.end} for c in answer.citations]


def build_app(assistant: Assistant) -> gr.Blocks:
    with gr.Blocks(title="Yoga pose assistant", analytics_enabled=False) as app:
        gr.Markdown(
            "## Yoga pose assistant\nAsk about a pose. Answers are sentences from the articles; "
            "each [n] opens its passage on the right."
        )
        answers = gr.State({})  # chat message index -> what was answered, for likes and dislikes
        conversation = gr.State([])  # the chat's turns: each question and the poses its answer was about
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(
                    elem_id="chat",
                    label="Chat",
                    height=460,
                    sanitize_html=True,
                    buttons=["copy"],
                    feedback_options=("Like", "Dislike"),
                )
                with gr.Row(elem_id="suggestions"):
                    slots = [gr.Button(visible=False, size="sm", variant="secondary") for _ in range(SUGGESTION_SLOTS)]
                question = gr.Textbox(
                    elem_id="question",
                    label="Your question",
                    max_lines=3,
                    max_length=assistant.settings.max_question_chars,
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

        def on_submit(
            message: str, history: History, answered: dict[int, Any], turns: list[Turn]
        ) -> Iterator[tuple[Any, ...]]:
            hidden = [gr.update(visible=False)] * SUGGESTION_SLOTS
            kept = [t for t in earlier_turns(history, turns) if isinstance(t, Turn)]
            for chat_value, panel, answer in respond(assistant, message, history, turns):
                if answer is None:
                    yield "", chat_value, panel, answered, turns, *hidden
                    continue
                turns = [*kept, assistant.turn(answer)][-MAX_HISTORY:]
                answered = {
                    **dict(list(answered.items())[-VOTABLE:]),
                    len(chat_value) - 1: {
                        "question": answer.question,
                        "answer": answer.text,
                        "citations": _citations_json(answer),
                    },
                }
                shown = list(answer.suggestions)[:SUGGESTION_SLOTS]
                updates = [gr.update(value=s, visible=True) for s in shown]
                updates += [gr.update(visible=False)] * (SUGGESTION_SLOTS - len(shown))
                yield "", chat_value, panel, answered, turns, *updates

        # typed questions and clicked suggestions share one queue of CONCURRENCY workers
        answering: dict[str, Any] = {
            "outputs": [question, chat, sources, answers, conversation, *slots],
            "concurrency_limit": CONCURRENCY,
            "concurrency_id": "answer",
        }
        question.submit(on_submit, [question, chat, answers, conversation], api_name="ask", **answering)
        for slot in slots:
            slot.click(on_submit, [slot, chat, answers, conversation], api_visibility="private", **answering)

        def on_vote(data: gr.LikeData, answered: dict[int, Any]) -> dict[int, Any]:
            return vote(assistant.settings.feedback_path, answered, data.index, data.liked)

        chat.like(on_vote, [answers], [answers], api_visibility="private")
    return app


def vote(path: Path, answered: dict[int, Any], index: object, liked: object) -> dict[int, Any]:
    """Record a like or dislike of one of the chat's answers, once per answer; returns the chat's
    answers with that one marked voted."""
    at = index if isinstance(index, int) else index[0] if isinstance(index, (list, tuple)) and index else None
    entry = answered.get(at) if isinstance(at, int) else None
    if not isinstance(at, int) or entry is None or liked is None or entry.get("voted"):
        return answered
    feedback.record(path, liked=bool(liked), **{k: v for k, v in entry.items() if k != "voted"})
    return {**answered, at: {**entry, "voted": True}}


def one_line_errors() -> None:
    """Gradio prints a whole traceback for a request it cannot even read (a malformed chat sent
    to the API): two such requests grew the log by megabytes. Each becomes one line instead."""
    import gradio.queueing
    import gradio.route_utils
    import gradio.routes

    class OneLine:
        def __getattr__(self, name: str) -> Any:
            return getattr(traceback, name)

        @staticmethod
        def print_exc(*_: object, **__: object) -> None:
            kind, error = sys.exc_info()[:2]
            first = str(error).splitlines()[0][:200] if error is not None and str(error) else ""
            log.warning("request failed: %s%s", kind.__name__ if kind else "error", f": {first}" if first else "")

    for module in (gradio.queueing, gradio.route_utils, gradio.routes):
        module.traceback = OneLine()  # type: ignore[attr-defined]


def mount(server: Any, app: gr.Blocks, auth: tuple[str, str] | None) -> Any:
    """The chat at ``/`` of ``server`` (the ASGI app server.py builds), behind its guard: never a
    share link, and nothing of Gradio's that reaches out or stores files. ``auth``: the login,
    when the server listens beyond loopback."""
    one_line_errors()
    app.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
    app.state_session_capacity = SESSIONS
    return gr.mount_gradio_app(
        server,
        app,
        path="/",
        footer_links=["api", "gradio"],
        run_history=False,  # it would upload questions and answers with the host's Hugging Face token
        auth=auth,
        show_error=False,
        max_file_size=1,  # the chat takes no files (the guard refuses the upload route too)
        enable_monitoring=False,
        mcp_server=False,
        pwa=False,
        ssr_mode=False,
        css=CSS,
    )
