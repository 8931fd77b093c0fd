"""The chat server's memory over many unique long questions, over HTTP.

    .venv/bin/python bench/memory.py [--questions 20000] [--clients 4]

Starts the app (under the network guard) on a copy of the built index, warms it with 300
questions, then sends unique 1,999-character questions from several clients, each question
in a session of its own (the worst case for per-session state), and prints the server's
resident memory as it goes. Writes bench/results-memory.json.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import string
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from common import ROOT

from tests.apps import start_app, stop_app

WORDS = ["hero", "pose", "knees", "hold", "breath", "hamstring", "pyramid", "feet", "block"]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def question(rng: random.Random, length: int = 1999) -> str:
    """Words no question repeats: every one is new to every cache."""
    out: list[str] = []
    while sum(len(w) + 1 for w in out) < length:
        out.append(rng.choice(WORDS) + "".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))))
    return " ".join(out)[:length]


def ask(url: str, text: str) -> None:
    """One question through Gradio's call API (a new session each time)."""
    data = json.dumps({"data": [text, []]}).encode()
    request = urllib.request.Request(
        url + "gradio_api/call/ask", data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as r:
        event = json.loads(r.read())["event_id"]
    with urllib.request.urlopen(url + f"gradio_api/call/ask/{event}", timeout=120) as r:
        if b"event: complete" not in r.read():
            raise RuntimeError("a question was not answered")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    shutil.copytree(ROOT / "index", tmp / "index")
    proc, url = start_app(tmp)
    try:
        rng = random.Random(7)
        for _ in range(300):
            ask(url, question(rng))
        warm = rss_mb(proc.pid)
        print(f"{'questions':>10} {'rss_mb':>8} {'seconds':>8}\n{0:>10} {warm:>8.0f} {0:>8}", flush=True)
        done, lock, began = [0], threading.Lock(), time.perf_counter()
        trace = [(0, warm)]

        def client(seed: int) -> None:
            r = random.Random(seed)
            while True:
                with lock:
                    if done[0] >= args.questions:
                        return
                    done[0] += 1
                    n = done[0]
                ask(url, question(r))
                if n % 2000 == 0:
                    trace.append((n, rss_mb(proc.pid)))
                    print(f"{n:>10} {trace[-1][1]:>8.0f} {time.perf_counter() - began:>8.0f}", flush=True)

        threads = [threading.Thread(target=client, args=(s,)) for s in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        after = rss_mb(proc.pid)
        result = {
            "questions": args.questions,
            "warm_rss_mb": warm,
            "after_rss_mb": after,
            "growth_mb": after - warm,
            "trace": trace,
            "seconds": time.perf_counter() - began,
        }
        (ROOT / "bench" / "results-memory.json").write_text(json.dumps(result, indent=1))
        print(f"after {args.questions}: {after:.0f} MB, {after - warm:+.0f} MB from warmed-up {warm:.0f} MB")
    finally:
        stop_app(proc)


if __name__ == "__main__":
    main()
