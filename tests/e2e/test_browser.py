"""The chat in a real browser (headless Chromium through Playwright)."""

from __future__ import annotations

import json
import re

import pytest

from .conftest import ARTIFACTS

pytestmark = pytest.mark.e2e


def ask(page, question: str, answers: int) -> None:  # type: ignore[no-untyped-def]
    """Type ``question`` and wait until the chat shows ``answers`` answers, the last one cited."""
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"(() => {{ const rows = document.querySelectorAll('#chat .bot-row');"
        f" return rows.length === {answers} && rows[rows.length - 1].querySelector('a.cite'); }})()",
        timeout=60_000,
    )


def open_citation(page, answer: int) -> object:  # type: ignore[no-untyped-def]
    """Click the first [n] of the ``answer``-th answer; returns its card in the Sources panel."""
    cite = page.locator("#chat .bot-row").nth(answer).locator("a.cite").first
    target = cite.get_attribute("href")
    assert target and re.fullmatch(r"#source-\d+-\d+", target)
    cite.click()
    card = page.locator(target)
    card.wait_for(state="visible")
    assert "cited" in (card.get_attribute("class") or "")  # clearly marked, not a faint tint
    assert page.locator("#sources .source.cited").count() == 1
    return card


def test_feet_hurt_in_hero_then_a_follow_up(browser, app_dir) -> None:  # type: ignore[no-untyped-def]
    app_url, tmp = app_dir
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.goto(app_url)
    page.wait_for_selector("#question textarea")
    assert "under Sources" in page.locator("body").inner_text()

    ask(page, "what if my feet hurt in Hero?", 1)
    card = open_citation(page, 0)
    assert "Hero" in card.inner_text()  # a Hero article's passage
    highlighted = card.locator("mark").first.inner_text()
    assert highlighted and highlighted.split()[0] in page.locator("#chat").inner_text()
    assert "#" not in card.inner_text() and "**" not in card.inner_text()  # Markdown shown as text

    ask(page, "and how long should I hold it?", 2)
    assert "seconds" in page.locator("#sources").inner_text() or "minute" in page.locator("#sources").inner_text()
    assert page.locator("#suggestions button:visible").count() >= 2
    shown = [b.inner_text().casefold() for b in page.locator("#suggestions button:visible").all()]
    assert "and how long should i hold it?" not in shown

    earlier = open_citation(page, 0)  # a citation in the earlier answer still opens its passage
    assert "Hero" in earlier.inner_text() and earlier.locator("mark").count() >= 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)

    page.locator("#chat").get_by_label("Like", exact=True).last.click()  # the latest answer's 👍, then 👎
    page.locator("#chat").get_by_label("Dislike", exact=True).last.click()
    feedback = tmp / "feedback.jsonl"
    votes = []
    for _ in range(300):  # polls until both votes are written (fails after 30 s, never waits longer than needed)
        votes = [json.loads(line) for line in feedback.read_text().splitlines()] if feedback.exists() else []
        if len(votes) >= 2:
            break
        page.wait_for_timeout(100)
    assert [v["liked"] for v in votes] == [True, False] and votes[0]["id"] == votes[1]["id"] and votes[1]["changed"]
    page.close()


def test_on_a_phone_each_answer_shows_from_its_start(browser, app_url: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True)
    page.goto(app_url)
    page.wait_for_selector("#question textarea")
    ask(page, "how long do I hold pyramid pose?", 1)
    ask(page, "what if my feet hurt in Hero?", 2)  # a long answer
    page.wait_for_function(
        """(() => {
            const rows = document.querySelectorAll('#chat .bot-row');
            const top = rows[rows.length - 1].getBoundingClientRect().top;
            const box = rows[rows.length - 1].closest('.bubble-wrap').getBoundingClientRect();
            return top >= box.top && top <= box.top + 120 && top >= 0 && top < window.innerHeight - 80;
        })()""",
        timeout=10_000,
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-phone.png"))
    card = open_citation(page, 0)
    assert card.is_visible() and "breaths" in card.inner_text()
    page.screenshot(path=str(ARTIFACTS / "chat-phone-source.png"))
    page.close()


def test_a_page_the_user_visits_cannot_make_the_server_fetch_or_store(browser, app_url: str) -> None:  # type: ignore[no-untyped-def]
    """Any web page can send the browser to 127.0.0.1, with a link or a form: the file route must
    fetch nothing (the session's guard log is checked when the app stops) and the upload route
    store nothing."""
    page = browser.new_page()
    targets = [f"{app_url}gradio_api/file=https://example.com/{n}.png" for n in range(3)]
    targets.append(f"{app_url}gradio_api/file=http://10.1.2.3/x.png")
    for target in targets:
        response = page.goto(target)
        assert response is not None and response.status == 404, target
    form = (
        f'<form id="f" method="post" enctype="multipart/form-data" action="{app_url}gradio_api/upload">'
        '<input type="hidden" name="files" value="x"></form>'
    )
    page.set_content(f"<html><body>{form}</body></html>")
    with page.expect_navigation() as navigation:
        page.evaluate("document.getElementById('f').submit()")
    assert navigation.value is not None and navigation.value.status == 404
