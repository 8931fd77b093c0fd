"""A web page printed to PDF by the browser (its running header and footer on), then added."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.cli import main
from assistant.ingest.corpus import read_article

pytestmark = pytest.mark.e2e
PAGE = Path(__file__).resolve().parents[1] / "fixtures" / "pages" / "cat-cow.html"


def test_a_page_printed_by_the_browser_is_added_without_its_printing_or_furniture(  # type: ignore[no-untyped-def]
    browser, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.route("**/*", lambda route: route.abort())  # the page's own links and frames stay unloaded
    page.set_content(PAGE.read_text())
    pdf = tmp_path / "cat-cow.pdf"
    page.pdf(path=str(pdf), format="A5", display_header_footer=True, margin={"top": "2cm", "bottom": "2cm"})
    context.close()

    assert main(["add", str(pdf), "--corpus", str(tmp_path / "corpus")]) == 0, capsys.readouterr().err
    (path,) = (tmp_path / "corpus").glob("*.md")
    article = read_article(path, tmp_path / "corpus")
    assert article.title == "Cat-Cow Pose (Marjaryasana-Bitilasana)"  # the page's title, without its site
    body = article.body
    assert (
        "1. Come onto your hands and knees with your wrists under your shoulders and your knees under your hips."
        in body
    )
    assert "Flow between the two for eight to ten rounds, letting each breath lead the movement." in body
    assert "If your knees are sensitive, fold your mat or place a blanket under them." in body
    for printed in ("about:blank", "/2", "PM", "AM"):  # the browser's date, address and page numbers
        assert printed not in body, printed
    furniture = ("cookies", "Home » Poses", "Rosa Delgado", "affiliate", "Share this", "certified", "Related Posts")
    furniture += ("Loved this", "Leave a Reply", "newsletter", "©", "Get our favourite")
    for line in furniture:
        assert line not in body, line
