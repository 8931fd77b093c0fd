"""The real app for browser and load tests; Debian's Chromium through Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..apps import ROOT, start_app, stop_app

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="session")
def app_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The running app's address, and its folder (its log and feedback.jsonl)."""
    tmp = tmp_path_factory.mktemp("app")
    proc, url = start_app(tmp)
    yield url, tmp
    stop_app(proc)


@pytest.fixture(scope="session")
def app_url(app_dir: tuple[str, Path]) -> str:
    return app_dir[0]


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.fail("e2e needs Debian's chromium: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
