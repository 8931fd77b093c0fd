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

from .apps import start_app, stop_app
from .conftest import CORPUS, ROOT, FakeEmbedder
from .pdfs import scanned_pdf

PAGE = ROOT / "tests" / "fixtures" / "pages" / "cat-cow.html"


def built(client: Any, url: str) -> dict[str, Any]:
    """Start a build and wait until it is no longer running."""
    assert client.post(url + "api/build").status_code == 202
    for _ in range(5):  # each wait returns as the build ends, or after 60 s
        state = client.get(url + "api/build", params={"wait": 60}, timeout=90).json()
        if state["state"] != "running":
            return state
    raise AssertionError(f"the build still runs after 300 s: {state}")


def ask(client: Any, url: str, question: str) -> dict[str, Any]:
    return client.post(url + "api/ask", json={"question": question}).json()


@pytest.mark.slow
def test_an_article_added_over_http_is_answered_after_a_rebuild_and_declined_once_removed(
    tmp_path: Path, real_settings
) -> None:  # type: ignore[no-untyped-def]
    import httpx

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    shutil.copytree(real_settings.index_dir, tmp_path / "index")
    proc, url = start_app(tmp_path, corpus=corpus)
    try:
        with httpx.Client(timeout=120) as client:
            assert ask(client, url, "how do I do cat cow pose?")["abstained"]
            page = {"file": ("cat-cow.html", PAGE.read_bytes(), "text/html")}
            r = client.post(url + "api/articles", files=page)
            assert r.status_code == 201, r.text
            added = r.json()
            assert added["id"].endswith(".md") and (corpus / added["id"]).is_file()
            assert added["words_kept"] > 100 and added["words_removed"] > 50
            assert any(line["text"] == "Accept all cookies" for line in added["removed"])
            assert {p["id"] for p in added["poses"]} & {"marjaryasana", "bitilasana", "marjaryasana-bitilasana"}
            again = client.post(url + "api/articles", files=page)
            assert again.status_code == 422 and "already in the corpus" in again.json()["error"]["message"]
            listed = client.get(url + "api/articles").json()["articles"]
            assert added["id"] in {a["id"] for a in listed} and all(a["bytes"] > 0 for a in listed)

            state = built(client, url)
            assert state["state"] == "done" and state["done"] == state["total"] > 0, state
            answer = ask(client, url, "how do I do cat cow pose?")
            assert not answer["abstained"] and answer["citations"][0]["article"] == added["id"].removesuffix(".md")

            foreign = client.delete(url + f"api/articles/{added['id']}", headers={"Origin": "https://evil.example"})
            assert foreign.status_code == 403 and (corpus / added["id"]).is_file()
            assert client.delete(url + f"api/articles/{added['id']}").status_code == 200
            assert not (corpus / added["id"]).exists()
            assert client.delete(url + f"api/articles/{added['id']}").status_code == 404
            assert client.delete(url + "api/articles/..%2F..%2Fetc%2Fpasswd").status_code == 404
            assert built(client, url)["state"] == "done"
            assert ask(client, url, "how do I do cat cow pose?")["abstained"]
    finally:
        stop_app(proc)


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
