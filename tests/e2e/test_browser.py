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
