"""The article library over HTTP: add a saved page, see it listed, rebuild with progress, ask
about its pose, remove it, rebuild, and the pose is declined; refusals in `add`'s words; one
build at a time; and writes from other sites change nothing."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ..apps import start_app, stop_app
from ..conftest import CORPUS, ROOT

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
