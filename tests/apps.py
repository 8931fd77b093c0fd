"""Running the real app (``python app.py``) for tests, with a guard that records (and
refuses) any connection the server process tries to make beyond loopback."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUARD = Path(__file__).resolve().parent / "net_guard.py"
#: each running app's folder, where the guard writes what it refused
GUARD_LOGS: dict[int, Path] = {}
#: the longest an app may take to start (it builds its index first when it has none)
START_SECONDS = 240


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(
    tmp: Path,
    *,
    corpus: Path = ROOT / "corpus",
    index: Path | None = None,
    env: dict[str, str] | None = None,
    host: str = "127.0.0.1",
    files: int | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start the app on a free port; returns the process and its URL once it says it serves
    (its socket listens from then on). ``files``: the app's open-file limit (soft and hard)."""
    port = free_port()
    full_env = {
        **os.environ,
        "ASSISTANT_FEEDBACK_PATH": str(tmp / "feedback.jsonl"),
        "NET_GUARD_LOG": str(tmp / "outside-connections.log"),
        # the setting in which Gradio's run history would upload with the user's token
        "HF_TOKEN": "hf_dummy_token_for_tests",
        "HF_HUB_OFFLINE": "0",
        **(env or {}),
    }
    argv = [
        sys.executable,
        str(GUARD),
        str(ROOT / "app.py"),
        "--port",
        str(port),
        "--host",
        host,
        "--corpus",
        str(corpus),
        "--index",
        str(index or tmp / "index"),
    ]

    def limit() -> None:
        if files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))

    proc = subprocess.Popen(
        argv, cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, preexec_fn=limit
    )
    GUARD_LOGS[proc.pid] = tmp
    serving = threading.Event()
    threading.Thread(target=_copy_log, args=(proc, tmp / "app.log", serving), daemon=True).start()
    if not serving.wait(START_SECONDS) or proc.poll() is not None:
        _stop(proc)
        raise RuntimeError(f"the app did not start: {(tmp / 'app.log').read_text()[-2000:]}")
    return proc, f"http://127.0.0.1:{port}/"


def _copy_log(proc: subprocess.Popen[bytes], path: Path, serving: threading.Event) -> None:
    """Copy the app's output to ``path`` as it comes; set ``serving`` when the app says it serves
    (it listens before it says so) or when it ends."""
    assert proc.stdout is not None
    with path.open("ab") as log:
        for line in proc.stdout:
            log.write(line)
            log.flush()
            if line.startswith(b"chat on http"):
                serving.set()
    serving.set()


def stop_app(proc: subprocess.Popen[bytes]) -> None:
    """Stop the app; fails when the network guard recorded any connection beyond loopback."""
    _stop(proc)
    tmp = GUARD_LOGS.pop(proc.pid, None)
    outside = outside_connections(tmp) if tmp else []
    assert not outside, f"the server tried to reach beyond loopback: {outside[:5]}"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def outside_connections(tmp: Path) -> list[str]:
    log = tmp / "outside-connections.log"
    return log.read_text().split() if log.exists() else []
