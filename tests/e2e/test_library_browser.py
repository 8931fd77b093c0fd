"""The Library tab in a real browser: a teacher uploads a saved page, sees what was kept and
removed, adds it, rebuilds and watches the progress, asks about the new pose and gets a cited
answer; removes it, rebuilds, and the pose is declined."""

from __future__ import annotations

import shutil

import pytest

from ..apps import ROOT, outside_connections, start_app, stop_app
from ..conftest import CORPUS
from .conftest import ARTIFACTS
from .test_browser import ask

pytestmark = pytest.mark.e2e
PAGE = ROOT / "tests" / "fixtures" / "pages" / "cat-cow.html"


def rebuild(page, articles: int) -> None:  # type: ignore[no-untyped-def]
    """Click Rebuild and wait until the tab says this build is done (the progress bar full)."""
    page.click("#lib-build")
    page.wait_for_function(
        f"document.querySelector('#lib-build-msg').textContent.startsWith('done: built: {articles} articles')",
        timeout=300_000,
    )
    assert page.evaluate(
        "(() => { const b = document.querySelector('#lib-build-progress'); return b.value === b.max; })()"
    )


def test_a_teacher_adds_an_article_rebuilds_asks_and_removes_it(browser, tmp_path_factory, real_settings) -> None:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("library")
    corpus = tmp / "corpus"
    shutil.copytree(CORPUS, corpus)
    shutil.copytree(real_settings.index_dir, tmp / "index")
    proc, url = start_app(tmp, corpus=corpus)
    try:
        page = browser.new_page(viewport={"width": 1300, "height": 1100})
        page.on("dialog", lambda dialog: dialog.accept())  # "Remove ... from the library?"
        page.goto(url)
        page.get_by_role("tab", name="Library").click()
        page.wait_for_selector("#lib-articles .lib-article")
        assert page.locator("#lib-articles .lib-article").count() == 5
        page.set_input_files("#lib-files", str(PAGE))
        row = page.locator("#lib-uploads .lib-row").first
        row.locator(".lib-add").wait_for()
        shown = row.inner_text()
        assert "Cat-Cow Pose" in shown and "kept 148 words" in shown and "removed" in shown
        row.locator("summary").click()
        assert "Accept all cookies" in row.locator("details").inner_text()  # the removed lines, as --dry-run lists them
        assert row.locator(".lib-poses").input_value()  # the poses found, to correct before adding
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "library-upload.png"), full_page=True)
        row.locator(".lib-add").click()
        row.locator(".lib-added").wait_for()
        page.wait_for_function("document.querySelectorAll('#lib-articles .lib-article').length === 6")
        rebuild(page, 6)
        page.screenshot(path=str(ARTIFACTS / "library-built.png"), full_page=True)

        page.get_by_role("tab", name="Chat").click()
        ask(page, "how do I do cat cow pose?", 1)
        answer = page.locator("#chat .bot-row").last.inner_text()
        assert "hands and knees" in answer
        page.get_by_text("What these articles cover").click()
        assert "Cat" in page.locator("#coverage").inner_text()  # what the articles cover, updated

        page.get_by_role("tab", name="Library").click()
        page.locator("#lib-articles .lib-article", has_text="Cat-Cow").locator(".lib-remove").click()
        page.wait_for_function("document.querySelectorAll('#lib-articles .lib-article').length === 5")
        rebuild(page, 5)
        page.get_by_role("tab", name="Chat").click()
        page.fill("#question textarea", "how do I do cat cow pose?")
        page.keyboard.press("Enter")
        page.wait_for_function(
            "document.querySelectorAll('#chat .bot-row').length === 2"
            " && document.querySelectorAll('#chat .bot-row')[1].innerText.includes(\"don't teach\")",
            timeout=60_000,
        )
        page.screenshot(path=str(ARTIFACTS / "library-removed.png"), full_page=True)
        page.close()
    finally:
        stop_app(proc)
    assert not outside_connections(tmp)
