"""The article library over HTTP: add a saved page, see it listed, rebuild with progress, ask
about its pose, remove it, rebuild, and the pose is declined; refusals in `add`'s words; one
build at a time; and writes from other sites change nothing."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from assistant.config import load_settings
from assistant.errors import InputError
from assistant.serve import library

from ..conftest import CORPUS, FakeEmbedder
from ..pdfs import scanned_pdf


def test_what_add_refuses_is_refused_in_its_words_and_nothing_is_written(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = load_settings(env={}, corpus_dir=corpus, index_dir=tmp_path / "index")
    before = sorted(p.name for p in corpus.iterdir())
    scan = scanned_pdf(tmp_path / "scan.pdf").read_bytes()
    cases = [
        ("scan.pdf", scan, "no text"),
        ("notes.docx", b"PK\x03\x04", "not a saved web page, PDF or text file"),
        ("big.txt", b"word " * (library.MAX_UPLOAD_BYTES // 5 + 1), "over the 20 MB limit"),
        ("menu.html", b"<html><body><nav>Home Shop</nav></body></html>", "no article text"),
        ("../../escape.txt", (CORPUS / "hero-pose-step-by-step.md").read_bytes(), "already in the corpus"),
    ]
    for name, data, reason in cases:
        with pytest.raises(InputError) as refused:
            library.add_upload(settings, name, data)
        assert reason in str(refused.value), (name, str(refused.value))
    assert sorted(p.name for p in corpus.iterdir()) == before


class Stub:
    """What Builds needs of the assistant: an embedder (one that waits until told) and reload."""

    def __init__(self) -> None:
        self.go = threading.Event()
        fake = FakeEmbedder()
        encode = fake.encode_passages

        def slow(*args: Any, **kwargs: Any) -> Any:
            self.go.wait(60)
            return encode(*args, **kwargs)

        fake.encode_passages = slow  # type: ignore[method-assign]
        self.embedder = fake
        self.reloaded = 0

    def reload(self) -> bool:
        self.reloaded += 1
        return True


def test_one_build_at_a_time_with_its_progress(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = load_settings(env={}, corpus_dir=corpus, index_dir=tmp_path / "index")
    stub = Stub()
    builds = library.Builds(settings, stub)  # type: ignore[arg-type]
    assert builds.now().state == "idle"
    assert builds.start()
    assert not builds.start()  # the first is still running
    assert builds.now().state == "running"
    assert builds.wait(0.01).state == "running"  # a wait that ends first says it still runs
    stub.go.set()
    done = builds.wait(60)
    assert done.state == "done" and done.done == done.total > 0 and "articles" in done.message
    assert stub.reloaded == 1
    shutil.rmtree(corpus)  # a build that cannot run says why
    assert builds.start()
    failed = builds.wait(60)
    assert failed.state == "failed" and "does not exist" in failed.message
