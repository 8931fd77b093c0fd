"""The chat's message list: Gradio's Chatbot, taking any payload and checking it itself.

Gradio validates a Chatbot's input before the component sees it and prints the whole traceback
of a payload that fails (anyone can send one to the chat's API: two such requests grew the log
by megabytes). ``Chat`` is a template of the Chatbot (same page component, Gradio's own
``is_template`` mechanism) whose payload is any JSON; it validates the messages itself, and a
payload that fails is one log line and a quiet ``gr.Error`` the caller sees as its error event.
"""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr
from gradio.components.chatbot import ChatbotDataMessages
from gradio.data_classes import GradioRootModel
from pydantic import ValidationError

log = logging.getLogger("assistant.serve.ui")


class AnyPayload(GradioRootModel):
    """Whatever the client sent as the chat: ``Chat.preprocess`` checks it."""

    root: Any = None

from gradio.events import Dependency

class Chat(gr.Chatbot):
    """``gr.Chatbot`` whose input is checked here: a malformed chat is refused in one line."""

    is_template = True  # the page shows Gradio's Chatbot for it
    data_model = AnyPayload  # type: ignore[assignment]  # any JSON in, checked in preprocess

    def preprocess(self, payload: Any) -> Any:
        if payload is None or payload.root is None:
            return []
        try:
            messages = ChatbotDataMessages.model_validate(payload.root, context={"validate_meta": True})
        except ValidationError as error:
            first = str(error).splitlines()[0][:200]
            log.warning("request failed: %s: %s", type(error).__name__, first)
            raise gr.Error("the chat is not a list of messages", print_exception=False) from None
        return super().preprocess(messages)
    from typing import Callable, Literal, Sequence, Any, TYPE_CHECKING
    from gradio.blocks import Block
    if TYPE_CHECKING:
        from gradio.components import Timer
        from gradio.components.base import Component