"""The chat's respond function (no server), the HTML it renders, and the like/dislike file."""

from __future__ import annotations

import re

import pytest

from assistant.pipeline import Assistant


def test_a_follow_up_in_the_chat_is_about_what_the_last_answer_was_about(real_assistant: Assistant) -> None:
    from assistant.records import Turn
    from assistant.serve.ui import respond

    chat = [{"role": "user", "content": "what about the stretch?"}, {"role": "assistant", "content": "..."}]
    for pose, words in [("parsvottanasana", "breaths"), ("virasana", "minute")]:
        *_, answer = list(respond(real_assistant, "how long should I hold it?", chat, [Turn("x", (pose,))]))[-1]
        assert answer is not None and answer.poses == (pose,)
        assert words in answer.text.lower()


def test_respond_shows_a_finished_answer_whole_with_links_sources_and_suggestions(real_assistant: Assistant) -> None:
    from assistant.serve.ui import respond

    steps = list(respond(real_assistant, "what if my feet hurt in Hero?", []))
    assert len(steps) == 1  # an extractive answer is not replayed as if it were streamed
    history, panel, answer = steps[-1]
    assert answer is not None and answer.suggestions
    assert history[0]["role"] == "user" and history[1]["role"] == "assistant"
    assert re.search(r'href="#source-1-\d"', history[1]["content"])
    assert 'id="source-1-1"' in panel and "<mark>" in panel
    follow, panel2, answer2 = list(respond(real_assistant, "how long should I hold it?", history))[-1]
    assert len(follow) == 4 and 'id="source-3-1"' in panel2 and answer2 is not None


@pytest.mark.parametrize("message", ["", "   ", "?!?", "x" * 5000])
def test_respond_turns_unusable_questions_into_a_friendly_message(real_assistant: Assistant, message: str) -> None:
    from assistant.serve.ui import respond

    history, panel, answer = list(respond(real_assistant, message, []))[-1]
    assert answer is None and history[-1]["role"] == "assistant" and history[-1]["content"]
    assert "source-" not in panel


def test_the_app_builds_with_its_panels(real_assistant: Assistant) -> None:
    from assistant.serve.ui import build_app

    app = build_app(real_assistant)
    config = app.get_config_file()
    ids = {c.get("props", {}).get("elem_id") for c in config["components"]}
    assert {"chat", "question", "sources", "coverage", "status"} <= ids
    box = next(c["props"] for c in config["components"] if c.get("props", {}).get("elem_id") == "question")
    assert not box.get("max_length")  # a long paste reaches the server, which says it is too long
