"""The Gradio chat: a thin adapter over :class:`~assistant.pipeline.Assistant`.

``build_app`` makes the page from a ready ``Assistant`` and ``mount`` puts it on the server
(server.py does the wiring); ``respond`` is a plain generator that tests call without a server.
gradio is imported here only.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from assistant.errors import AssistantError
from assistant.pipeline import MAX_HISTORY, Assistant
from assistant.records import Answer, Draft, Turn
from assistant.serve import feedback, render
from assistant.serve.chatbox import Chat
from assistant.serve.gate import Gate
from assistant.serve.library_page import LIBRARY_HTML
from assistant.serve.page import CSS, JS

log = logging.getLogger("assistant.serve.ui")

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
#: earlier answers whose sources the panel keeps (each answer's citations keep working)
KEPT_SOURCES = 20

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
    assistant: Assistant,
    message: str,
    history: History | None,
    turns: Sequence[Turn] | None = None,
    gate: Gate | None = None,
) -> Iterator[tuple[History, str, Answer | None]]:
    """Answer ``message`` given the chat so far (``turns``: what the chat kept of its answers,
    see :func:`earlier_turns`) once ``gate`` (shared with the API) admits it; yields the growing
    chat, the sources panel and, last, the finished answer (None while streaming or when the
    question could not be used)."""
    history = list(history or [])
    earlier = earlier_turns(history, turns)
    shown = " ".join(str(message or "").split())[:SHOWN_QUESTION_CHARS] or "(empty)"
    history = [*history, {"role": "user", "content": render.text(shown)}]
    reply = {"role": "assistant", "content": ""}
    turn = len(history)  # the reply's place in the chat: keeps each answer's links to its own sources
    try:
        with gate.admitted() if gate else contextlib.nullcontext():  # held while the answer streams
            loaded = assistant.loaded()  # the index the answer comes from is the one its sources show
            for part in assistant.stream(str(message or ""), earlier, loaded=loaded):
                if isinstance(part, Draft):
                    reply["content"] = render.draft_html(part.text)
                    yield [*history, reply], render.sources_html(None, waiting=True), None
                    continue
                answer = part  # a finished answer is shown whole, with its sources, at once
                index = loaded.index
                labels = {p.id: p.label for p in index.lexicon.poses.values()}
                taught = {c.article: index.article_poses(c.article) for c in answer.citations}
                reply["content"] = render.answer_html(answer.text, answer.citations, notice=answer.notice, turn=turn)
                yield [*history, reply], render.sources_html(answer, labels, turn=turn, taught=taught), answer
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
    articles = sorted(index.articles.values(), key=lambda a: a.title.casefold())
    poses = [(p.label, [a.title for a in articles if p.id in a.poses]) for p in index.covered]
    return render.coverage_html(poses, [a.title for a in articles if not a.poses])


def _status(assistant: Assistant) -> str:
    index = assistant.index
    m = index.manifest
    mode = f" · answers by {assistant.settings.llm_model}" if assistant.llm else ""
    return (
        render.status_text(len(index.articles), len(index.chunks), m.model.name, m.created_at)
        + mode
        + " · for other programs: the HTTP API at /api and /v1 ([schema](/api/openapi.json))"
    )


def _citations_json(answer: Answer) -> list[dict[str, Any]]:
    return [{"n": c.n, "article": c.article, "start": c.start, "end": c.end} for c in answer.citations]


def build_app(assistant: Assistant, gate: Gate | None = None) -> gr.Blocks:
    with gr.Blocks(title="Yoga pose assistant", analytics_enabled=False) as app:
        gr.Markdown(
            "## Yoga pose assistant\nAsk about a pose. Answers are sentences from the articles; "
            "each [n] opens its passage under Sources."
        )
        answers = gr.State({})  # chat message index -> what was answered, for likes and dislikes
        conversation = gr.State([])  # the chat's turns: each question and the poses its answer was about
        kept = gr.State([])  # each answer's sources: (turn, question, cards), oldest first
        with gr.Tabs():
            with gr.Tab("Chat"), gr.Row():
                with gr.Column(scale=3):
                    chat = Chat(
                        elem_id="chat",
                        label="Chat",
                        height=460,
                        sanitize_html=True,
                        buttons=["copy"],
                        feedback_options=("Like", "Dislike"),
                        autoscroll=False,  # JS shows each new answer from its start instead
                    )
                    with gr.Row(elem_id="suggestions"):
                        slots = [
                            gr.Button(visible=False, size="sm", variant="secondary") for _ in range(SUGGESTION_SLOTS)
                        ]
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
                        coverage = gr.HTML(_coverage(assistant), elem_id="coverage")
            with gr.Tab("Library"):
                gr.HTML(LIBRARY_HTML, elem_id="library")
                refresh = gr.Button("Refresh", elem_id="lib-refresh")  # clicked by the tab's script after a build
        status = gr.Markdown(_status(assistant), elem_id="status")
        refresh.click(
            lambda: (_coverage(assistant), _status(assistant)), None, [coverage, status], api_visibility="private"
        )

        def on_submit(
            message: str,
            history: History,
            answered: dict[int, Any],
            turns: list[Turn],
            sections: list[tuple[int, str, str]],
        ) -> Iterator[tuple[Any, ...]]:
            hidden = [gr.update(visible=False)] * SUGGESTION_SLOTS
            earlier = [t for t in earlier_turns(history, turns) if isinstance(t, Turn)]
            for chat_value, panel, answer in respond(assistant, message, history, turns, gate):
                turn = len(chat_value) - 1
                # a cleared chat numbers its answers again: sources from before it are dropped
                sections = [s for s in (sections or []) if s[0] < turn][-(KEPT_SOURCES - 1) :]
                if answer is None:  # still coming, or not answered: earlier sources stay below the note
                    yield "", chat_value, render.sources_panel(sections, note=panel), answered, turns, sections, *hidden
                    continue
                turns = [*earlier, assistant.turn(answer)][-MAX_HISTORY:]
                answered = {
                    **dict(list(answered.items())[-VOTABLE:]),
                    turn: {
                        "id": uuid.uuid4().hex,
                        "question": answer.question,
                        "answer": answer.text,
                        "citations": _citations_json(answer),
                    },
                }
                sections = [*sections, (turn, answer.question, panel)]
                shown = list(answer.suggestions)[:SUGGESTION_SLOTS]
                updates = [gr.update(value=s, visible=True) for s in shown]
                updates += [gr.update(visible=False)] * (SUGGESTION_SLOTS - len(shown))
                yield "", chat_value, render.sources_panel(sections), answered, turns, sections, *updates

        # typed questions and clicked suggestions share one queue of CONCURRENCY workers
        answering: dict[str, Any] = {
            "outputs": [question, chat, sources, answers, conversation, kept, *slots],
            "concurrency_limit": CONCURRENCY,
            "concurrency_id": "answer",
        }
        state = [chat, answers, conversation, kept]
        question.submit(on_submit, [question, *state], api_name="ask", **answering)
        for slot in slots:
            slot.click(on_submit, [slot, *state], api_visibility="private", **answering)
        chat.clear(
            lambda: (render.sources_html(None), {}, [], []),
            outputs=[sources, answers, conversation, kept],
            api_visibility="private",
        )

        def on_vote(data: gr.LikeData, answered: dict[int, Any]) -> dict[int, Any]:
            return vote(assistant.settings.feedback_path, answered, data.index, data.liked)

        chat.like(on_vote, [answers], [answers], api_visibility="private")
    return app


def vote(path: Path, answered: dict[int, Any], index: object, liked: object) -> dict[int, Any]:
    """Record a like or dislike of one of the chat's answers: a changed vote, or one taken back
    (the chat sends "" when its button is clicked again: recorded as liked null), is recorded
    again under the answer's ``id``, so the file's last line for an id is its vote; a repeated
    one is not. Returns the chat's answers with that one's vote noted."""
    at = index if isinstance(index, int) else index[0] if isinstance(index, (list, tuple)) and index else None
    entry = answered.get(at) if isinstance(at, int) else None
    now = None if liked == "" else liked
    if not isinstance(at, int) or entry is None or not isinstance(now, (bool, type(None))) or entry.get("voted") is now:
        return answered
    feedback.record(path, liked=now, changed="voted" in entry, **{k: v for k, v in entry.items() if k != "voted"})
    return {**answered, at: {**entry, "voted": now}}


def mount(server: Any, app: gr.Blocks, auth: tuple[str, str] | None) -> Any:
    """The chat at ``/`` of ``server`` (the ASGI app server.py builds), behind its guard: never a
    share link, and nothing of Gradio's that reaches out or stores files. ``auth``: the login,
    when the server listens beyond loopback."""
    app.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
    app.state_session_capacity = SESSIONS
    return gr.mount_gradio_app(
        server,
        app,
        path="/",
        footer_links=["gradio"],  # not Gradio's API page: the project's own API is linked in the status line
        run_history=False,  # it would upload questions and answers with the host's Hugging Face token
        auth=auth,
        show_error=False,
        max_file_size=1,  # the chat takes no files (the guard refuses the upload route too)
        enable_monitoring=False,
        mcp_server=False,
        pwa=False,
        ssr_mode=False,
        css=CSS,
        js=JS,
    )
