"""Load on the HTTP API of the running app: 16 clients of the official `openai` package for 60 s,
half of them streaming, each a short conversation; then a burst of 100 requests at once. Nothing
may fail except a 429 (busy, with Retry-After). Figures go to tests/artifacts/api-load.json
(docs/benchmarks.md quotes them)."""

from __future__ import annotations

import json
import shutil
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ..apps import outside_connections, start_app, stop_app
from .conftest import ARTIFACTS
from .test_load import QUESTIONS, pct, peak_mb, run_for

pytestmark = pytest.mark.load
CLIENTS, SECONDS, BURST = 16, 60, 100
KEY = "load-test-key-0123456789"


def burst_of(url: str, n: int) -> list[tuple[int, float, str]]:
    """``n`` requests at once: each one's status, seconds and Retry-After."""
    import httpx

    def one(i: int) -> tuple[int, float, str]:
        began = time.perf_counter()
        question = {"role": "user", "content": QUESTIONS[i % len(QUESTIONS)]}
        r = httpx.post(
            url + "v1/chat/completions",
            json={"model": "yoga-assistant", "messages": [question]},
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=120,
        )
        return r.status_code, time.perf_counter() - began, r.headers.get("retry-after", "")

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_sixteen_api_clients_for_a_minute(tmp_path: Path, real_settings) -> None:  # type: ignore[no-untyped-def]
    from openai import OpenAI, RateLimitError

    shutil.copytree(real_settings.index_dir, tmp_path / "index")
    proc, url = start_app(tmp_path, env={"ASSISTANT_API_KEY": KEY})
    stop = threading.Event()
    latencies: dict[str, list[float]] = {"stream": [], "whole": []}
    first_piece: list[float] = []
    busy: list[float] = []
    errors: list[str] = []

    def client(n: int) -> None:
        api = OpenAI(base_url=url + "v1", api_key=KEY, max_retries=0, timeout=120)
        streaming = n % 2 == 0
        history: list[dict[str, str]] = []
        i = n
        while not stop.is_set():
            question = QUESTIONS[i % len(QUESTIONS)]
            i += 1
            messages = [*history[-4:], {"role": "user", "content": question}]
            began = time.perf_counter()
            try:
                if streaming:
                    text = ""
                    for event in api.chat.completions.create(model="yoga-assistant", messages=messages, stream=True):
                        if not text and event.choices and event.choices[0].delta.content:
                            first_piece.append(time.perf_counter() - began)
                        text += (event.choices[0].delta.content or "") if event.choices else ""
                else:
                    text = (
                        api.chat.completions.create(model="yoga-assistant", messages=messages)
                        .choices[0]
                        .message.content
                    )
                latencies["stream" if streaming else "whole"].append(time.perf_counter() - began)
                if not text:
                    errors.append("empty answer")
                history = [*messages, {"role": "assistant", "content": text}]
            except RateLimitError as refused:
                busy.append(time.perf_counter() - began)
                stop.wait(float(refused.response.headers["retry-after"]))  # a client does as it is told
            except Exception as e:
                errors.append(repr(e)[:200])

    try:
        run_for(SECONDS, CLIENTS, client, stop)
        burst = burst_of(url, BURST)
        peak = peak_mb(proc.pid)
    finally:
        stop.set()
        stop_app(proc)
    assert not errors, errors[:5]
    assert not outside_connections(tmp_path)
    assert {status for status, _, _ in burst} <= {200, 429}, burst  # answered, or refused as busy
    assert max(s for _, s, _ in burst) < 120, "no request may hang"
    assert all(retry == "2" for status, _, retry in burst if status == 429)
    assert all(s < 5 for status, s, _ in burst if status == 429), "refusals must be fast"
    every = latencies["stream"] + latencies["whole"]
    assert len(latencies["stream"]) > 20 and len(latencies["whole"]) > 20
    figures = {
        "clients": CLIENTS,
        "seconds": SECONDS,
        "answered": len(every),
        "busy_429": len(busy),
        "p50_s": statistics.median(every),
        "p95_s": pct(every, 95),
        "stream_p50_s": statistics.median(latencies["stream"]),
        "stream_first_piece_p50_s": statistics.median(first_piece),
        "whole_p50_s": statistics.median(latencies["whole"]),
        "burst": {
            "requests": BURST,
            "answered": sum(status == 200 for status, _, _ in burst),
            "busy_429": sum(status == 429 for status, _, _ in burst),
            "busy_max_s": max((s for status, s, _ in burst if status == 429), default=0.0),
        },
        "peak_rss_mb": peak,
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "api-load.json").write_text(json.dumps(figures, indent=1) + "\n")
