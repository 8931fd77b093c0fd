"""Start-up and answer time on the real corpus: seconds from `python app.py` to the first
answer served through the chat's API, the app's peak memory, what 8 earlier questions cost an
``/api/ask`` request, and the full `ask` latency (retrieval and composition) in-process."""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time

from common import CACHE, ROOT, emit, percentile, run_cli


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def history_cost(url: str, runs: int) -> dict[str, float]:
    """Median ms of an ``/api/ask`` request with no history, and with 8 earlier questions sent
    as the turns /api/ask returned, as text asked before, and as text never asked before."""
    import httpx

    from assistant.evaluation import retrieval as ev

    earlier = [q.question for q in ev.load_questions(ROOT / "eval" / "questions.jsonl") if not q.history][:8]
    question = "how long should I hold it?"
    with httpx.Client(base_url=url, timeout=120) as http:

        def ask(history: list[object]) -> tuple[float, dict[str, object]]:
            t = time.perf_counter()
            reply = http.post("api/ask", json={"question": question, "history": history})
            reply.raise_for_status()
            return (time.perf_counter() - t) * 1000, reply.json()

        turns = []
        for n, q in enumerate(earlier):  # the chat as a client keeps it
            reply = http.post("api/ask", json={"question": q, "history": turns[:n]}).json()
            turns.append(reply["turn"])
        ask(earlier)  # the text history seen once
        ms: dict[str, list[float]] = {"none": [], "turns": [], "seen": [], "new": []}
        for run in range(runs):
            ms["none"].append(ask([])[0])
            ms["turns"].append(ask(turns)[0])
            ms["seen"].append(ask(earlier)[0])
            ms["new"].append(ask([f"{q} ({run})" for q in earlier])[0])  # never asked before
    med = {k: sorted(v)[len(v) // 2] for k, v in ms.items()}
    return {
        "api_ask_ms_history0": round(med["none"], 1),
        "api_ask_ms_history8_turns": round(med["turns"], 1),
        "api_ask_ms_history8_text_seen": round(med["seen"], 1),
        "api_ask_ms_history8_text_new": round(med["new"], 1),
        "api_history8_ratio": round(med["turns"] / med["none"], 2),
    }


def cold_start(index_dir: str, history_runs: int = 0) -> tuple[float, float, dict[str, float]]:
    from gradio_client import Client

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--port", str(port), "--index", index_dir],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError("the app exited during start-up")
            try:
                client = Client(url, verbose=False)
                break
            except Exception:  # not listening yet
                time.sleep(0.1)
        client.predict("how long do I hold pyramid pose?", [], api_name="/ask")
        seconds = time.perf_counter() - began
        with open(f"/proc/{proc.pid}/status") as f:
            status = f.read()
        peak_kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))
        return seconds, peak_kb / 1024, history_cost(url, history_runs) if history_runs else {}
    finally:
        proc.terminate()
        proc.wait(15)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs = 1 if args.quick else 3
    index_dir = CACHE / "start-index"
    shutil.rmtree(index_dir, ignore_errors=True)
    run_cli("build", "--index", str(index_dir))
    starts = [cold_start(str(index_dir), history_runs=9 if n == 0 else 0) for n in range(runs)]

    from assistant.config import load_settings
    from assistant.evaluation import retrieval as ev
    from assistant.pipeline import Assistant

    os.environ.pop("ASSISTANT_LLM_BASE_URL", None)
    assistant = Assistant(load_settings(env={}, index_dir=index_dir))
    assistant.ask("warm up with hero pose")
    latencies = []
    for q in ev.load_questions(ROOT / "eval" / "questions.jsonl"):
        t = time.perf_counter()
        assistant.ask(q.question, q.history)
        latencies.append((time.perf_counter() - t) * 1000)
    emit(
        {
            "cold_start_s": sorted(s for s, _, _ in starts)[len(starts) // 2],
            "serve_peak_rss_mb_corpus": max(m for _, m, _ in starts),
            **starts[0][2],
            "ask_p50_ms": percentile(latencies, 50),
            "ask_p95_ms": percentile(latencies, 95),
        }
    )


if __name__ == "__main__":
    main()
