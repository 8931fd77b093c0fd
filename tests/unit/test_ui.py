"""The chat's respond function (no server), the HTML it renders, and the like/dislike file."""

from __future__ import annotations

import html
import json
import logging
import re

from assistant.records import Answer, Citation
from assistant.serve import feedback, render


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


def test_a_vote_can_be_changed_and_the_file_says_the_latest(tmp_path, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    from assistant.serve.ui import vote

    path = tmp_path / "feedback.jsonl"
    answered = {1: {"id": "a1", "question": "q", "answer": "a [1]", "citations": []}}
    for _ in range(200):  # what a client calling the vote endpoint directly could send
        answered = vote(path, answered, 1, True)
    assert len(path.read_text().splitlines()) == 1
    answered = vote(path, answered, 1, False)  # 👍 changed to 👎 in the chat
    answered = vote(path, answered, 1, False)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["id"], r["liked"], r.get("changed", False)) for r in rows] == [("a1", True, False), ("a1", False, True)]
    latest = {r["id"]: r["liked"] for r in rows}  # the last line for an answer is its vote
    assert latest == {"a1": False}
    for index, liked in [([7, 0], False), ("x", True), (1, "maybe"), (1, 1)]:
        assert vote(path, answered, index, liked) == answered
    answered = vote(path, answered, 1, "")  # the 👎 clicked again: the vote is taken back
    assert json.loads(path.read_text().splitlines()[-1])["liked"] is None
    monkeypatch.setattr(feedback, "MAX_BYTES", path.stat().st_size + 10)
    with caplog.at_level(logging.WARNING, logger="assistant"):
        for n in range(3):
            assert not feedback.record(path, liked=True, question=f"q{n}", answer="a", citations=[])
    assert len(path.read_text().splitlines()) == 3 and caplog.text.count("further votes are not recorded") == 1


def test_a_passage_shows_markdown_as_what_it_means_with_its_highlights() -> None:
    text = "## How to do Camel Pose\n\n- Kneel with **knees** apart.\n"
    text += "- Put your [hands](http://x.example/h) on your *heels*."
    kneel = text.index("- Kneel")
    c = Citation(1, "camel", "Camel", 50, 50 + len(text), text, (), ((50 + kneel, 50 + text.index("\n- Put")),))
    out = render.passage_html(c)
    plain = html.unescape(re.sub(r"<[^>]+>", "", out))
    assert plain == "How to do Camel Pose• Kneel with knees apart.• Put your hands on your heels."
    assert "<mark>• Kneel with knees apart&#46;</mark>" in out and "x.example" not in out
    assert "#" not in plain and "**" not in plain and "](" not in plain
    assert html.unescape(render.shown("Sit on a **block**, or `two`.", lines=False)) == "Sit on a block, or two."
    assert html.unescape(render.shown("5 * 3 and a_b_c", lines=False)) == "5 * 3 and a_b_c"


def test_a_card_names_the_poses_its_article_teaches() -> None:
    c = Citation(1, "camel", "Camel Pose", 0, 30, "Camel prepares you for wheel.", ("wheel", "camel"))
    answer = Answer("q", "Camel prepares you for wheel. [1]", (c,), False)
    labels = {"camel": "Camel Pose (Ustrasana)", "wheel": "Wheel Pose"}
    out = render.sources_html(answer, labels, turn=2, taught={"camel": ("camel",)})
    assert "Camel Pose (Ustrasana)" in out and "Wheel Pose" not in out
    assert "Wheel Pose" in render.sources_html(answer, labels, turn=2, taught={"camel": ("bridge",)})


def test_the_panel_keeps_every_answers_sources_latest_first() -> None:
    def cards(turn: int) -> str:
        c = Citation(1, "a", f"Title {turn}", 0, 5, "hello", (), ((0, 5),))
        return render.sources_html(Answer("q", "hello [1]", (c,), False), turn=turn)

    panel = render.sources_panel([(2, "first question", cards(2)), (4, "second <b>question</b>", cards(4))])
    assert 'id="source-2-1"' in panel and 'id="source-4-1"' in panel  # an earlier answer's [1] still opens
    assert panel.index("source-4-1") < panel.index("source-2-1") and "<details" in panel
    assert "Earlier: first question" in panel and "<b>question" not in panel
    waiting = render.sources_panel([(2, "first", cards(2))], note=render.sources_html(None, waiting=True))
    assert "Finding the passages" in waiting and 'id="source-2-1"' in waiting
    assert "Sources of the answer appear here" in render.sources_panel([])


def test_coverage_lists_each_pose_with_its_articles() -> None:
    out = render.coverage_html([("Hero Pose (Vīrāsana)", ["Hero Pose", "Practice the Hero Pose"])], ["Yoga at home"])
    text = html.unescape(re.sub(r"<[^>]+>", " ", out))
    assert "Hero Pose (Vīrāsana)" in text and "(Hero Pose (" not in text
    assert "Hero Pose; Practice the Hero Pose" in text and "Other articles" in text and "Yoga at home" in text


def test_a_suggestion_never_repeats_what_was_asked() -> None:
    from assistant.answer.suggestions import TOPICS, suggest
    from assistant.records import Pose

    hero = Pose("virasana", "Hero Pose", "Virasana")
    every = list(range(len(TOPICS)))
    for asked in ["how do I get into hero pose?", "how do I do hero pose?", "How long do I hold Hero Pose?",
                  "what can I put under my knees in hero?", "is hero pose good for anything?"]:  # fmt: skip
        offered = suggest(hero, every, [asked], limit=len(TOPICS))
        assert offered and all(render.plain(o).casefold() != asked.casefold() for o in offered)
        assert len(offered) < len(TOPICS)
    assert "How do I get into Hero Pose?" not in suggest(hero, every, ["how do I get into hero pose?"], limit=8)
    assert "How do I come out of Hero Pose?" in suggest(hero, every, ["how do I get into hero pose?"], limit=8)


def test_feedback_is_appended_as_json_lines(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "fb" / "feedback.jsonl"
    feedback.record(path, liked=True, question="q1", answer="a [1]", citations=[{"n": 1, "article": "x"}])
    feedback.record(path, liked=False, question="q2", answer="b", citations=[])
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["liked"], r["question"]) for r in rows] == [(True, "q1"), (False, "q2")]
    assert rows[0]["citations"] == [{"n": 1, "article": "x"}] and rows[0]["time"]


def test_the_chat_keeps_its_turns_and_a_cleared_chat_forgets_them() -> None:
    from assistant.records import Turn
    from assistant.serve.ui import earlier_turns

    chat = [{"role": "user", "content": "how do I do pyramid pose&#63;"}, {"role": "assistant", "content": "..."}]
    kept = [Turn("old question", ("virasana",)), Turn("how do I do pyramid pose?", ("parsvottanasana",))]
    assert earlier_turns(chat, kept) == [kept[-1]]  # the chat shows one question: its kept turn
    assert earlier_turns([], kept) == []  # cleared
    assert earlier_turns(chat, None) == ["how do I do pyramid pose?"]  # a client's own history, as text
