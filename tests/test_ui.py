"""The chat's respond function (no server), the HTML it renders, and the like/dislike file."""

from __future__ import annotations

import html
import json
import logging
import re

import pytest

from assistant import feedback, render
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
    out = render.sources_html(Answer("q", "Second one is cited. [1]", (c,), False), {"virasana": "Hero Pose"}, turn=3)
    assert 'id="source-3-1"' in out and "<mark>" in out and "Hero Pose" in out
    assert "<b>Second" not in out and "<i>" not in out and "&lt;b&gt;Second" in out


def test_answer_links_only_to_verified_citations_and_marks_unsupported() -> None:
    c = Citation(1, "a", "t", 0, 5, "hello")
    out = render.answer_html("Hello [1] and [7]. Made up [unsupported]", [c], turn=2)
    assert '<a class="cite" href="#source-2-1"' in out
    assert "source-2-7" not in out and "&#91;7&#93;?" in out
    assert 'class="unsupported"' in out


def test_each_answer_takes_one_vote_and_the_file_stops_at_its_cap(tmp_path, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    from assistant.ui import vote

    path = tmp_path / "feedback.jsonl"
    answered = {1: {"question": "q", "answer": "a [1]", "citations": []}}
    for _ in range(200):  # what a client calling the vote endpoint directly could send
        answered = vote(path, answered, 1, True)
    assert len(path.read_text().splitlines()) == 1
    assert vote(path, answered, [7, 0], False) == answered and vote(path, answered, "x", True) == answered
    monkeypatch.setattr(feedback, "MAX_BYTES", path.stat().st_size + 10)
    with caplog.at_level(logging.WARNING, logger="assistant"):
        for n in range(3):
            assert not feedback.record(path, liked=True, question=f"q{n}", answer="a", citations=[])
    assert len(path.read_text().splitlines()) == 1 and caplog.text.count("further votes are not recorded") == 1


def test_feedback_is_appended_as_json_lines(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "fb" / "feedback.jsonl"
    feedback.record(path, liked=True, question="q1", answer="a [1]", citations=[{"n": 1, "article": "x"}])
    feedback.record(path, liked=False, question="q2", answer="b", citations=[])
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["liked"], r["question"]) for r in rows] == [(True, "q1"), (False, "q2")]
    assert rows[0]["citations"] == [{"n": 1, "article": "x"}] and rows[0]["time"]


def test_the_chat_keeps_its_turns_and_a_cleared_chat_forgets_them() -> None:
    from assistant.records import Turn
    from assistant.ui import earlier_turns

    chat = [{"role": "user", "content": "how do I do pyramid pose&#63;"}, {"role": "assistant", "content": "..."}]
    kept = [Turn("old question", ("virasana",)), Turn("how do I do pyramid pose?", ("parsvottanasana",))]
    assert earlier_turns(chat, kept) == [kept[-1]]  # the chat shows one question: its kept turn
    assert earlier_turns([], kept) == []  # cleared
    assert earlier_turns(chat, None) == ["how do I do pyramid pose?"]  # a client's own history, as text


@pytest.mark.slow
def test_a_follow_up_in_the_chat_is_about_what_the_last_answer_was_about(real_assistant: Assistant) -> None:
    from assistant.records import Turn
    from assistant.ui import respond

    chat = [{"role": "user", "content": "what about the stretch?"}, {"role": "assistant", "content": "..."}]
    for pose, words in [("parsvottanasana", "breaths"), ("virasana", "minute")]:
        *_, answer = list(respond(real_assistant, "how long should I hold it?", chat, [Turn("x", (pose,))]))[-1]
        assert answer is not None and answer.poses == (pose,)
        assert words in answer.text.lower()


@pytest.mark.slow
def test_respond_shows_a_finished_answer_whole_with_links_sources_and_suggestions(real_assistant: Assistant) -> None:
    from assistant.ui import respond

    steps = list(respond(real_assistant, "what if my feet hurt in Hero?", []))
    assert len(steps) == 1  # an extractive answer is not replayed as if it were streamed
    history, panel, answer = steps[-1]
    assert answer is not None and answer.suggestions
    assert history[0]["role"] == "user" and history[1]["role"] == "assistant"
    assert re.search(r'href="#source-1-\d"', history[1]["content"])
    assert 'id="source-1-1"' in panel and "<mark>" in panel
    follow, panel2, answer2 = list(respond(real_assistant, "how long should I hold it?", history))[-1]
    assert len(follow) == 4 and 'id="source-3-1"' in panel2 and answer2 is not None


@pytest.mark.slow
@pytest.mark.parametrize("message", ["", "   ", "?!?", "x" * 5000])
def test_respond_turns_unusable_questions_into_a_friendly_message(real_assistant: Assistant, message: str) -> None:
    from assistant.ui import respond

    history, panel, answer = list(respond(real_assistant, message, []))[-1]
    assert answer is None and history[-1]["role"] == "assistant" and history[-1]["content"]
    assert "source-" not in panel


@pytest.mark.slow
def test_the_app_builds_with_its_panels(real_assistant: Assistant) -> None:
    from assistant.ui import build_app

    app = build_app(real_assistant)
    config = app.get_config_file()
    ids = {c.get("props", {}).get("elem_id") for c in config["components"]}
    assert {"chat", "question", "sources", "coverage", "status"} <= ids
