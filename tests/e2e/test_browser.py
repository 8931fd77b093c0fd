"""The chat in a real browser (headless Chromium through Playwright)."""

from __future__ import annotations

import re

import pytest

from .conftest import ARTIFACTS

pytestmark = pytest.mark.e2e


def test_feet_hurt_in_hero_then_a_follow_up(browser, app_url: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.goto(app_url)
    page.wait_for_selector("#question textarea")

    page.fill("#question textarea", "what if my feet hurt in Hero?")
    page.keyboard.press("Enter")
    page.wait_for_selector("#chat a.cite", timeout=60_000)
    page.wait_for_selector("#sources .source mark", timeout=60_000)

    cite = page.locator("#chat a.cite").first
    target = cite.get_attribute("href")
    assert target and re.fullmatch(r"#source-\d+-\d+", target)
    cite.click()
    panel = page.locator(target)
    assert panel.is_visible()
    assert "Hero" in panel.inner_text()  # a Hero article's passage
    highlighted = panel.locator("mark").first.inner_text()
    assert highlighted and highlighted.split()[0] in page.locator("#chat").inner_text()

    page.fill("#question textarea", "and how long should I hold it?")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "document.querySelectorAll('#chat a.cite').length > 0 && "
        "[...document.querySelectorAll('#chat a.cite')].some(a => a.getAttribute('href').startsWith('#source-3-'))",
        timeout=60_000,
    )
    assert "seconds" in page.locator("#sources").inner_text() or "minute" in page.locator("#sources").inner_text()
    assert page.locator("#suggestions button:visible").count() >= 2
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)
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
