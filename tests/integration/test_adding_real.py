"""The main path for added articles, with the real model: a saved web page and a PDF of
articles the project has never seen are added, built, and answered from, with clean citations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.ingest.furniture import kind_of
from assistant.language.text import sentence_spans

from ..pdfs import article_pdf

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
FURNITURE_WORDS = ("affiliate", "commission", "Share this", "Studio Handouts", "Page 1", "cookie", "Leave a Reply", "©")


def test_an_added_page_and_pdf_are_answered_with_clean_citations(
    tmp_path: Path, corpus_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = article_pdf(tmp_path / "low-lunge.pdf")
    index = ["--corpus", str(corpus_copy), "--index", str(tmp_path / "index")]
    assert main(["add", str(PAGES / "cat-cow.html"), str(pdf), "--build", *index]) == 0
    out = capsys.readouterr().out
    assert "built" in out and "7 articles" in out
    for question, article in [
        ("how many rounds of cat cow should I do?", "cat-cow-pose-a-warm-up-for-your-spine"),
        ("how long do I hold low lunge?", "low-lunge-anjaneyasana"),
    ]:
        assert main(["ask", question, "--json", *index]) == 0
        answer = json.loads(capsys.readouterr().out)
        assert not answer["abstained"], answer
        assert answer["citations"][0]["article"] == article, answer
        for citation in answer["citations"]:
            text = citation["text"]
            assert not any(word in text for word in FURNITURE_WORDS), text
            assert not any(kind_of(text[s:e]) for s, e in sentence_spans(text)), text
