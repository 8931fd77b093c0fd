"""Shared pieces of the benchmarks: timing, memory, synthetic data made from the real corpus."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
CACHE = Path(os.environ.get("BENCH_CACHE", "/tmp/yoga-assistant-bench"))


def median(xs: list[float]) -> float:
    return float(statistics.median(xs))


def percentile(xs: list[float], p: float) -> float:
    ordered = sorted(xs)
    return float(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))])


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[float, str]:
    """Seconds a `yoga-assistant` command takes, as a user runs it (a new Python process)."""
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        check=False,
    )
    seconds = time.perf_counter() - t
    if done.returncode:
        raise RuntimeError(f"yoga-assistant {' '.join(args)} failed: {done.stderr[-800:]}")
    return seconds, done.stdout


def corpus_sentences() -> list[str]:
    """Every usable sentence of the real articles."""
    from assistant.ingest.corpus import load_corpus
    from assistant.language.text import sentence_spans

    out = []
    for article in load_corpus(ROOT / "corpus").articles:
        out += [article.body[s:e] for s, e in sentence_spans(article.body) if len(article.body[s:e].split()) >= 4]
    return out


def emit(result: dict[str, Any]) -> None:
    """The one line the orchestrator reads."""
    print("RESULT " + json.dumps(result))
