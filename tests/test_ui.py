"""The chat's respond function (no server) and the HTML it renders."""

from __future__ import annotations

import html
import re

import nh3
import pytest

from assistant import render
from assistant.pipeline import Assistant
from assistant.records import Answer, Citation


def test_article_markup_is_inert_text() -> None:
    hostile = (
        "<script>alert(1)</script> ![x](http://evil.example/a.png) "
        "[click](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    escaped = render.text(hostile)
    assert "<" not in escaped and "(" not in escaped and "[" not in escaped and ":" not in escaped
    assert html.unescape(escaped) == hostile


def test_sources_panel_highlights_cited_sentences_and_stays_clean() -> None:
    text = "First sentence here. <b>Second</b> one is cited."
    c = Citation(1, "art", "Title <i>x</i>", 100, 100 + len(text), text, ("virasana",), ((121, 100 + len(text)),))
    out = render.sources_html(Answer("q", "Second one is cited. [1]", (c,), False), {"virasana": "Hero Pose"})
    assert 'id="source-1"' in out and "<mark>" in out and "Hero Pose" in out
    assert "<b>Second" not in out and "<i>" not in out
    assert nh3.clean(out, tags=render._TAGS, attributes=render._ATTRS) is not None


def test_answer_links_only_to_verified_citations() -> None:
    c = Citation(1, "a", "t", 0, 5, "hello")
    out = render.answer_html("Hello [1] and [7].", [c])
    assert '<a class="cite" href="#source-1"' in out
    assert "source-7" not in out and "&#91;7&#93;?" in out


@pytest.mark.slow
def test_respond_answers_and_fills_the_sources_panel(real_assistant: Assistant) -> None:
    from assistant.ui import respond

    history, panel = list(respond(real_assistant, "what if my feet hurt in Hero?", []))[-1]
    assert history[0]["role"] == "user" and history[1]["role"] == "assistant"
    assert re.search(r'href="#source-\d"', history[1]["content"])
    assert "source-1" in panel and "<mark>" in panel
    follow, panel2 = list(respond(real_assistant, "how long should I hold it?", history))[-1]
    assert len(follow) == 4 and "source-1" in panel2


@pytest.mark.slow
@pytest.mark.parametrize("message", ["", "   ", "?!?", "x" * 5000])
def test_respond_turns_unusable_questions_into_a_friendly_message(real_assistant: Assistant, message: str) -> None:
    from assistant.ui import respond

    history, panel = list(respond(real_assistant, message, []))[-1]
    assert history[-1]["role"] == "assistant" and history[-1]["content"]
    assert "source-" not in panel
